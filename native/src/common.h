// Shared includes and the one error boundary of the addon.
#pragma once

#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace plab {

// Every entry point runs its body through this, so that no libtorch or C++ exception can
// escape into Node and abort the process: each one becomes a JavaScript Error.
template <typename Body>
auto guarded(const Napi::Env& env, const char* where, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error& error) {
    // node-addon-api's own conversions ('A number was expected') do not say which call failed;
    // the addon's own errors name theirs already.
    const std::string message = error.Message();
    const std::string suffix = " was expected";
    if (message.size() > suffix.size() && message.compare(message.size() - suffix.size(), suffix.size(), suffix) == 0) {
      error.Value().Set("message", Napi::String::New(env, std::string(where) + ": an argument has the wrong type: " + message));
    }
    throw;
  } catch (const c10::Error& error) {
    throw Napi::Error::New(env, std::string(where) + ": " + error.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, std::string(where) + ": out of memory (std::bad_alloc); use smaller tensors or fewer members");
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, std::string(where) + ": " + error.what());
  } catch (...) {
    throw Napi::Error::New(env, std::string(where) + ": unknown C++ exception");
  }
}

using Entry = Napi::Value (*)(const Napi::CallbackInfo&);

// The time this thread has spent inside the addon's entry points: libtorch's kernels, its dispatch
// and autograd engine, and this binding's conversions; everything of a run but its JavaScript. A
// benchmark reads it to tell what no change to the TypeScript can save (bench/default-run.ts). Only
// the outermost entry counts, should one ever run inside another. Two clock reads per call, about
// 50 ns on a KVM guest, against the microseconds a libtorch call costs. Per thread, because worker
// threads may load the addon and call it at the same time (test/tensor/workers.test.ts): each
// JavaScript thread reads its own time.
class InsideAddon {
 public:
  InsideAddon() : outermost_(depth()++ == 0), started_(outermost_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{}) {}
  ~InsideAddon() {
    --depth();
    if (outermost_) total() += std::chrono::steady_clock::now() - started_;
  }
  InsideAddon(const InsideAddon&) = delete;
  InsideAddon& operator=(const InsideAddon&) = delete;

  static std::chrono::steady_clock::duration& total() {
    thread_local std::chrono::steady_clock::duration value{0};
    return value;
  }

 private:
  static int& depth() {
    thread_local int value = 0;
    return value;
  }

  const bool outermost_;
  const std::chrono::steady_clock::time_point started_;
};

// Exports `entry` under `name` with its whole body, argument parsing included, inside guarded():
// the one place every free function of the addon is registered.
inline void define_function(Napi::Env env, Napi::Object exports, const char* name, Entry entry) {
  exports.Set(name, Napi::Function::New(env, [name, entry](const Napi::CallbackInfo& info) -> Napi::Value {
    const InsideAddon timed;
    return guarded(info.Env(), name, [&]() { return entry(info); });
  }, name));
}

std::string describe_shape(const at::Tensor& tensor);

}  // namespace plab
