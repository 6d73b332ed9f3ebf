// Reverse-mode autograd entry points: backward into .grad, and functional gradients.
#include "autograd.h"

#include "tensor_table.h"

#include <torch/csrc/autograd/autograd.h>

namespace plab {
namespace {

std::vector<at::Tensor> tensors_of(const Napi::Value& value, const char* what) {
  std::vector<at::Tensor> tensors;
  if (value.IsNull() || value.IsUndefined()) return tensors;
  Napi::Array array = value.As<Napi::Array>();
  tensors.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value element = array.Get(i);
    tensors.push_back(element.IsNull() || element.IsUndefined() ? at::Tensor() : lookup(element, what));
  }
  return tensors;
}

}  // namespace

// backward(outputs, gradOutputs | null, retainGraph, createGraph)
Napi::Value backward(const Napi::CallbackInfo& info) {
  auto outputs = tensors_of(info[0], "backward");
  auto gradients = tensors_of(info[1], "backward");
  bool retain_graph = info[2].ToBoolean().Value();
  bool create_graph = info[3].ToBoolean().Value();
  return guarded(info.Env(), "backward", [&]() -> Napi::Value {
    torch::autograd::backward(outputs, gradients, retain_graph, create_graph);
    return info.Env().Undefined();
  });
}

// grad(outputs, inputs, gradOutputs | null, retainGraph, createGraph, allowUnused)
Napi::Value grad(const Napi::CallbackInfo& info) {
  auto outputs = tensors_of(info[0], "grad");
  auto inputs = tensors_of(info[1], "grad");
  auto gradients = tensors_of(info[2], "grad");
  bool retain_graph = info[3].ToBoolean().Value();
  bool create_graph = info[4].ToBoolean().Value();
  bool allow_unused = info[5].ToBoolean().Value();
  return guarded(info.Env(), "grad", [&]() -> Napi::Value {
    auto results = torch::autograd::grad(outputs, inputs, gradients, retain_graph, create_graph, allow_unused);
    Napi::Array array = Napi::Array::New(info.Env(), results.size());
    for (size_t i = 0; i < results.size(); ++i) {
      array.Set(i, store(info.Env(), results[i]));
    }
    return array;
  });
}

// setGradEnabled(enabled) -> previous
Napi::Value set_grad_enabled(const Napi::CallbackInfo& info) {
  bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), previous);
}

Napi::Value is_grad_enabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

}  // namespace plab
