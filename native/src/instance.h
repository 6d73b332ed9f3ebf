// Per-environment state: the live tensors and the Generator class.
#pragma once
#include "common.h"

namespace plab {

struct TensorSlot {
  at::Tensor tensor;  // undefined while the slot is free
  int64_t reported_bytes = 0;
};

struct TensorTable {
  std::vector<TensorSlot> slots;
  std::vector<uint32_t> free;
};

struct Instance {
  TensorTable tensors;
  Napi::FunctionReference generator_constructor;
};

inline Instance& instance(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

}  // namespace plab
