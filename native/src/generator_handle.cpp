#include "generator_handle.h"

#include "instance.h"
#include "tensor_table.h"

#include <ATen/CPUGeneratorImpl.h>

namespace plab {

void GeneratorHandle::define(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(env, "GeneratorHandle",
      {InstanceAccessor<&GeneratorHandle::seed>("seed"),
       InstanceMethod<&GeneratorHandle::manual_seed>("manualSeed"),
       InstanceMethod<&GeneratorHandle::get_state>("getState"),
       InstanceMethod<&GeneratorHandle::set_state>("setState")});
  instance(env).generator_constructor = Napi::Persistent(constructor);
  exports.Set("GeneratorHandle", constructor);
}

bool GeneratorHandle::is_handle(const Napi::Value& value) {
  return value.IsObject() && value.As<Napi::Object>().InstanceOf(instance(value.Env()).generator_constructor.Value());
}

at::Generator GeneratorHandle::unwrap(const Napi::Value& value) {
  if (!is_handle(value)) throw Napi::TypeError::New(value.Env(), "expected a Generator");
  return Unwrap(value.As<Napi::Object>())->generator_;
}

// new GeneratorHandle(seed, device): a private stream of the same kind as the device's default
// generator, so that seeding it gives the numbers torch.Generator(device).manual_seed(seed) gives.
GeneratorHandle::GeneratorHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GeneratorHandle>(info) {
  guarded(info.Env(), "Generator", [&]() {
    std::string device = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "cpu";
    at::Device where(device);
    // createCPUGenerator rather than clone(): in libtorch 1.13 a cloned generator is never freed
    // (2.6 KB of Mersenne-twister state per generator; measured).
    generator_ = where.is_cpu() ? at::detail::createCPUGenerator() : at::globalContext().defaultGenerator(where).clone();
    uint64_t seed = info.Length() > 0 && info[0].IsNumber() ? static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()) : 0;
    std::lock_guard<std::mutex> lock(generator_.mutex());
    generator_.set_current_seed(seed);
  });
}

Napi::Value GeneratorHandle::seed(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(generator_.current_seed()));
}

Napi::Value GeneratorHandle::manual_seed(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), "Generator.manualSeed", [&]() -> Napi::Value {
    const uint64_t seed = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
    std::lock_guard<std::mutex> lock(generator_.mutex());
    generator_.set_current_seed(seed);
    return info.This();
  });
}

Napi::Value GeneratorHandle::get_state(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), "Generator.getState", [&]() -> Napi::Value {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    return store(info.Env(), generator_.get_state());
  });
}

Napi::Value GeneratorHandle::set_state(const Napi::CallbackInfo& info) {
  const at::Tensor& state = lookup(info[0], "Generator.setState");
  return guarded(info.Env(), "Generator.setState", [&]() -> Napi::Value {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    generator_.set_state(state);
    return info.Env().Undefined();
  });
}

}  // namespace plab
