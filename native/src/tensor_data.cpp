// Copies between JavaScript typed arrays and tensors.
#include "tensor_data.h"

#include "tensor_table.h"

#include <cstring>

namespace plab {
namespace {

size_t element_size_of(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    default: return 8;
  }
}

}  // namespace

// fromTypedArray(data, shape, scalarType, device): a new tensor holding a copy of the data.
// The typed array's element size must match the dtype's.
Napi::Value from_typed_array(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "tensor: data must be a typed array");
  Napi::TypedArray data = info[0].As<Napi::TypedArray>();
  Napi::Array shape_array = info[1].As<Napi::Array>();
  std::vector<int64_t> shape(shape_array.Length());
  int64_t numel = 1;
  for (uint32_t i = 0; i < shape.size(); ++i) {
    shape[i] = shape_array.Get(i).As<Napi::Number>().Int64Value();
    numel *= shape[i];
  }
  int code = info[2].As<Napi::Number>().Int32Value();
  if (code < 0 || code >= static_cast<int>(at::ScalarType::NumOptions)) {
    throw Napi::TypeError::New(env, "tensor: unknown dtype code " + std::to_string(code));
  }
  auto scalar_type = static_cast<at::ScalarType>(code);
  std::string device = info.Length() > 3 && info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "cpu";
  return guarded(env, "tensor", [&]() -> Napi::Value {
    size_t item = c10::elementSize(scalar_type);
    TORCH_CHECK(item == element_size_of(data.TypedArrayType()), "typed array element size ",
                element_size_of(data.TypedArrayType()), " does not match dtype ", c10::toString(scalar_type));
    TORCH_CHECK(static_cast<int64_t>(data.ElementLength()) == numel, "data has ", data.ElementLength(),
                " elements but shape ", c10::IntArrayRef(shape), " needs ", numel);
    at::Tensor tensor = at::empty(shape, at::TensorOptions().dtype(scalar_type));
    const uint8_t* source = static_cast<const uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
    if (numel > 0) std::memcpy(tensor.data_ptr(), source, numel * item);
    if (device != "cpu") tensor = tensor.to(at::Device(device));
    return store(env, std::move(tensor));
  });
}

// toTypedArray(tensor) -> ArrayBuffer with the tensor's elements in row-major order.
Napi::Value to_typed_array(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& tensor = lookup(info[0], "toArray");
  return guarded(env, "toArray", [&]() -> Napi::Value {
    at::Tensor dense = tensor.detach().to(at::kCPU).contiguous();
    size_t bytes = dense.numel() * dense.element_size();
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
    if (bytes > 0) std::memcpy(buffer.Data(), dense.data_ptr(), bytes);
    return buffer;
  });
}

}  // namespace plab
