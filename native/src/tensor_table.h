// The live tensors, addressed from JavaScript by slot number.
//
// A result crosses into JavaScript as a number, and the TypeScript Tensor holds it. Wrapping each
// result in a JavaScript object from C++ instead (a constructor call, napi_wrap and a weak
// reference with a finalizer, then its disposal) cost ~2 µs per operator result, more than the
// kernels of a small network's step (detach: 2.96 µs against PyTorch's 0.75 µs).
#pragma once
#include "common.h"

namespace plab {

// Keeps `tensor` in a free slot and returns the slot's number; null for an undefined tensor.
Napi::Value store(Napi::Env env, at::Tensor tensor);

// The tensor in the slot `value` names, or nullptr when `value` is not a slot number. Throws a
// JavaScript error naming `what` when the slot was released (-1: the Tensor was disposed).
const at::Tensor* try_lookup(const Napi::Value& value, const char* what);
const at::Tensor& lookup(const Napi::Value& value, const char* what);

// release, and the per-tensor queries (shape, dtype, grad, ...), as functions of a slot.
void define_tensor_table(Napi::Env env, Napi::Object exports);

}  // namespace plab
