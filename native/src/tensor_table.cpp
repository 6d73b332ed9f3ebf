#include "tensor_table.h"

#include "instance.h"

#include <cmath>
#include <sstream>

namespace plab {

std::string describe_shape(const at::Tensor& tensor) {
  if (!tensor.defined()) return "undefined";
  std::ostringstream out;
  out << c10::toString(tensor.scalar_type()) << "[";
  auto sizes = tensor.sizes();
  for (size_t i = 0; i < sizes.size(); ++i) out << (i ? ", " : "") << sizes[i];
  out << "]";
  return out.str();
}

namespace {

// Only tensors that own their storage are reported to V8, so views do not inflate the figure.
int64_t owned_bytes(const at::Tensor& tensor) {
  if (!tensor.defined() || tensor.is_view() || !tensor.has_storage() || !tensor.device().is_cpu()) return 0;
  return static_cast<int64_t>(tensor.storage().nbytes());
}

TensorTable& table(Napi::Env env) { return instance(env).tensors; }

TensorSlot& slot_of(const Napi::Value& value, const char* what) {
  TensorSlot* slot = nullptr;
  if (value.IsNumber()) {
    double number = value.As<Napi::Number>().DoubleValue();
    TensorTable& tensors = table(value.Env());
    if (number == -1) throw Napi::Error::New(value.Env(), std::string(what) + ": tensor was used after dispose()");
    if (number >= 0 && number < static_cast<double>(tensors.slots.size()) && number == std::floor(number)) {
      slot = &tensors.slots[static_cast<size_t>(number)];
    }
  }
  if (slot == nullptr || !slot->tensor.defined()) throw Napi::TypeError::New(value.Env(), std::string(what) + ": expected a tensor");
  return *slot;
}

Napi::Value release(const Napi::CallbackInfo& info) {
  TensorSlot& slot = slot_of(info[0], "dispose");
  slot.tensor = at::Tensor();
  if (slot.reported_bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -slot.reported_bytes);
  slot.reported_bytes = 0;
  table(info.Env()).free.push_back(static_cast<uint32_t>(info[0].As<Napi::Number>().Uint32Value()));
  return info.Env().Undefined();
}

Napi::Value shape(const Napi::CallbackInfo& info) {
  auto sizes = lookup(info[0], "shape").sizes();
  Napi::Array result = Napi::Array::New(info.Env(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) result.Set(i, Napi::Number::New(info.Env(), static_cast<double>(sizes[i])));
  return result;
}

Napi::Value dtype(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(lookup(info[0], "dtype").scalar_type()));
}

Napi::Value device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), lookup(info[0], "device").device().str());
}

Napi::Value requires_grad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), lookup(info[0], "requiresGrad").requires_grad());
}

Napi::Value set_requires_grad(const Napi::CallbackInfo& info) {
  const at::Tensor& tensor = lookup(info[0], "requiresGrad");
  return guarded(info.Env(), "requiresGrad", [&]() -> Napi::Value {
    tensor.requires_grad_(info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

Napi::Value grad(const Napi::CallbackInfo& info) {
  return store(info.Env(), lookup(info[0], "grad").grad());
}

Napi::Value set_grad(const Napi::CallbackInfo& info) {
  const at::Tensor& tensor = lookup(info[0], "grad");
  return guarded(info.Env(), "grad", [&]() -> Napi::Value {
    if (info[1].IsNull() || info[1].IsUndefined()) {
      tensor.mutable_grad().reset();
    } else {
      const at::Tensor& gradient = lookup(info[1], "grad");
      TORCH_CHECK(gradient.sizes() == tensor.sizes(), "assigned grad has shape ", describe_shape(gradient),
                  " but the tensor has shape ", describe_shape(tensor));
      tensor.mutable_grad() = gradient;
    }
    return info.Env().Undefined();
  });
}

Napi::Value is_leaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), lookup(info[0], "isLeaf").is_leaf());
}

Napi::Value same_storage(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), lookup(info[0], "sameStorage").is_alias_of(lookup(info[1], "sameStorage")));
}

// The TensorImpl address: two slots with the same identity hold the same tensor.
Napi::Value identity(const Napi::CallbackInfo& info) {
  const at::Tensor& tensor = lookup(info[0], "identity");
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(tensor.unsafeGetTensorImpl())));
}

// How many slots hold a tensor: what disposal and scopes have not released yet.
Napi::Value live_tensors(const Napi::CallbackInfo& info) {
  const TensorTable& tensors = table(info.Env());
  return Napi::Number::New(info.Env(), static_cast<double>(tensors.slots.size() - tensors.free.size()));
}

}  // namespace

Napi::Value store(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  TensorTable& tensors = table(env);
  uint32_t index;
  if (tensors.free.empty()) {
    index = static_cast<uint32_t>(tensors.slots.size());
    tensors.slots.emplace_back();
  } else {
    index = tensors.free.back();
    tensors.free.pop_back();
  }
  TensorSlot& slot = tensors.slots[index];
  slot.reported_bytes = owned_bytes(tensor);
  slot.tensor = std::move(tensor);
  if (slot.reported_bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, slot.reported_bytes);
  return Napi::Number::New(env, index);
}

const at::Tensor* try_lookup(const Napi::Value& value, const char* what) {
  if (!value.IsNumber()) return nullptr;
  return &slot_of(value, what).tensor;
}

const at::Tensor& lookup(const Napi::Value& value, const char* what) { return slot_of(value, what).tensor; }

void define_tensor_table(Napi::Env env, Napi::Object exports) {
  define_function(env, exports, "release", release);
  define_function(env, exports, "shapeOf", shape);
  define_function(env, exports, "dtypeOf", dtype);
  define_function(env, exports, "deviceOf", device);
  define_function(env, exports, "requiresGradOf", requires_grad);
  define_function(env, exports, "setRequiresGrad", set_requires_grad);
  define_function(env, exports, "gradOf", grad);
  define_function(env, exports, "setGradOf", set_grad);
  define_function(env, exports, "isLeaf", is_leaf);
  define_function(env, exports, "sameStorage", same_storage);
  define_function(env, exports, "identityOf", identity);
  define_function(env, exports, "liveTensors", live_tensors);
}

}  // namespace plab
