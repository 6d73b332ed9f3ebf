// Module entry: registers the tensor table, the Generator class and the functions the TypeScript layer calls.
#include "autograd.h"
#include "cpu_allocator.h"
#include "generator_handle.h"
#include "instance.h"
#include "operator_call.h"
#include "tensor_data.h"
#include "tensor_table.h"

#include <ATen/Parallel.h>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/csrc/api/include/torch/version.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace plab {
namespace {

// Seeds every default generator, as torch.manual_seed does.
Napi::Value manual_seed(const Napi::CallbackInfo& info) {
  uint64_t seed = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  return guarded(info.Env(), "manualSeed", [&]() -> Napi::Value {
    {
      at::Generator generator = at::globalContext().defaultGenerator(at::kCPU);
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_current_seed(seed);
    }
    const auto& cuda = at::detail::getCUDAHooks();
    for (int device = 0; cuda.hasCUDA() && device < cuda.getNumGPUs(); ++device) {
      at::Generator generator = cuda.getDefaultCUDAGenerator(device);
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_current_seed(seed);
    }
    return info.Env().Undefined();
  });
}

// The default CPU generator's state, so that a resumed run continues its stream (dropout, noise).
Napi::Value default_generator_state(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), "defaultGeneratorState", [&]() -> Napi::Value {
    at::Generator generator = at::globalContext().defaultGenerator(at::kCPU);
    std::lock_guard<std::mutex> lock(generator.mutex());
    return store(info.Env(), generator.get_state());
  });
}

Napi::Value set_default_generator_state(const Napi::CallbackInfo& info) {
  const at::Tensor& state = lookup(info[0], "setDefaultGeneratorState");
  return guarded(info.Env(), "setDefaultGeneratorState", [&]() -> Napi::Value {
    at::Generator generator = at::globalContext().defaultGenerator(at::kCPU);
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
    return info.Env().Undefined();
  });
}

Napi::Value set_num_threads(const Napi::CallbackInfo& info) {
  const double threads = info[0].As<Napi::Number>().DoubleValue();
  return guarded(info.Env(), "setNumThreads", [&]() -> Napi::Value {
    // An upper bound as well: libtorch would try to start that many threads.
    TORCH_CHECK(threads >= 1 && threads <= 1024 && threads == static_cast<int>(threads), "the number of threads must be a whole number from 1 to 1024, got ", threads);
    at::set_num_threads(static_cast<int>(threads));
    return info.Env().Undefined();
  });
}

Napi::Value get_num_threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value cuda_device_count(const Napi::CallbackInfo& info) {
  const auto& cuda = at::detail::getCUDAHooks();
  return Napi::Number::New(info.Env(), cuda.hasCUDA() ? cuda.getNumGPUs() : 0);
}

Napi::Value inside_seconds(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), std::chrono::duration<double>(InsideAddon::total()).count());
}

Napi::Value cpu_memory(const Napi::CallbackInfo& info) {
  const CpuMemoryStats stats = cpu_memory_stats();
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("inUse", static_cast<double>(stats.in_use));
  result.Set("peak", static_cast<double>(stats.peak));
  result.Set("cached", static_cast<double>(stats.cached));
  result.Set("capacity", static_cast<double>(stats.capacity));
  return result;
}

Napi::Value reset_cpu_memory_peak(const Napi::CallbackInfo& info) {
  reset_cpu_peak();
  return info.Env().Undefined();
}

Napi::Value release_cpu_memory_cache(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(release_cpu_cache()));
}

Napi::Value build_info(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("torchVersion", TORCH_VERSION);
  result.Set("config", at::show_config());
  result.Set("parallel", at::get_parallel_info());
  // OpenBLAS is loaded by libtorch (Debian: as libblas.so.3), not linked here: ask the copy already
  // in the process for its version, where there is one.
  using BlasConfig = char* (*)();
  BlasConfig blas_config = nullptr;
  for (const char* library : {"libblas.so.3", "libopenblas.so.0"}) {
    if (void* handle = dlopen(library, RTLD_LAZY | RTLD_NOLOAD)) {
      blas_config = reinterpret_cast<BlasConfig>(dlsym(handle, "openblas_get_config"));
      dlclose(handle);
      if (blas_config != nullptr) break;
    }
  }
  result.Set("blas", blas_config != nullptr ? Napi::Value(Napi::String::New(info.Env(), blas_config())) : info.Env().Null());
  return result;
}

// PLAB_CPU_CACHE_MB bounds the freed tensor memory kept for reuse (default 1024; 0 keeps none).
size_t cpu_cache_bytes() {
  const char* value = std::getenv("PLAB_CPU_CACHE_MB");
  if (value == nullptr || *value == '\0') return size_t{1024} << 20;
  char* end = nullptr;
  unsigned long long megabytes = std::strtoull(value, &end, 10);
  if (*end != '\0') return size_t{1024} << 20;
  return static_cast<size_t>(megabytes) << 20;
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  // Each worker thread that loads the addon runs init; the process-wide settings are made once.
  static std::once_flag process_setup;
  std::call_once(process_setup, []() {
#ifdef __GLIBC__
  // Large blocks that escape the tensor cache (cpu_allocator.cpp) are still freed and allocated
  // again. glibc's default mmap threshold moves as large blocks are freed, and with it the trim
  // threshold, and resident memory grew by ~100 MB over 20,000 MLP steps (measured); a fixed
  // threshold at glibc's dynamic maximum stops the drift.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
#endif
    install_cpu_allocator(cpu_cache_bytes());
  });
  env.SetInstanceData(new Instance());
  define_tensor_table(env, exports);
  GeneratorHandle::define(env, exports);
  define_function(env, exports, "resolveOperator", resolve_operator);
  define_function(env, exports, "operatorSchema", operator_schema);
  define_function(env, exports, "listOperators", list_operators);
  define_function(env, exports, "callOperator", call_operator);
  define_function(env, exports, "backward", backward);
  define_function(env, exports, "grad", grad);
  define_function(env, exports, "setGradEnabled", set_grad_enabled);
  define_function(env, exports, "isGradEnabled", is_grad_enabled);
  define_function(env, exports, "fromTypedArray", from_typed_array);
  define_function(env, exports, "toTypedArray", to_typed_array);
  define_function(env, exports, "manualSeed", manual_seed);
  define_function(env, exports, "defaultGeneratorState", default_generator_state);
  define_function(env, exports, "setDefaultGeneratorState", set_default_generator_state);
  define_function(env, exports, "setNumThreads", set_num_threads);
  define_function(env, exports, "getNumThreads", get_num_threads);
  define_function(env, exports, "cudaDeviceCount", cuda_device_count);
  define_function(env, exports, "buildInfo", build_info);
  define_function(env, exports, "insideSeconds", inside_seconds);
  define_function(env, exports, "cpuMemory", cpu_memory);
  define_function(env, exports, "resetCpuMemoryPeak", reset_cpu_memory_peak);
  define_function(env, exports, "releaseCpuMemoryCache", release_cpu_memory_cache);
  return exports;
}

}  // namespace plab

static Napi::Object plab_init(Napi::Env env, Napi::Object exports) { return plab::init(env, exports); }
NODE_API_MODULE(plab_native, plab_init)
