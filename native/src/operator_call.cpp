// Calls any ATen operator by name through the dispatcher's boxed convention. The operator's
// schema drives the conversion of JavaScript arguments, so one entry point covers every operator,
// and autograd, since the dispatcher routes through the autograd kernels as PyTorch's would.
#include "operator_call.h"

#include "generator_handle.h"
#include "tensor_table.h"

#include <cmath>
#include <deque>
#include <mutex>
#include <sstream>

namespace plab {
namespace {

enum class Kind {
  Tensor, Int, Float, Bool, Scalar, IntList, FloatList, BoolList, TensorList, OptionalTensorList,
  ScalarType, Device, Layout, MemoryFormat, String, Generator, Unsupported
};

struct Argument {
  std::string name;
  Kind kind;
  bool optional;
  bool has_default;
  c10::IValue default_value;
};

struct Operator {
  c10::OperatorHandle handle;
  std::string name;
  std::vector<Argument> arguments;
  size_t returns;
  // Returns that alias a mutated input (in-place and out= forms): JavaScript already holds them.
  std::vector<bool> returns_input;
};

// Resolved operators, shared by every Node environment (worker threads included) of the process:
// appended under a lock, and a deque so that an Operator another thread is calling stays in place
// while one is appended.
class Registry {
 public:
  size_t add(Operator op) {
    std::lock_guard<std::mutex> lock(mutex_);
    operators_.push_back(std::move(op));
    return operators_.size() - 1;
  }
  // The caller's guard names the entry point in the message.
  const Operator& at(double id) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!(id >= 0 && id < static_cast<double>(operators_.size())) || id != std::trunc(id)) {
      std::ostringstream message;
      message << "unknown operator id " << id << " (ids come from resolveOperator)";
      throw std::out_of_range(message.str());
    }
    return operators_[static_cast<size_t>(id)];
  }

 private:
  std::mutex mutex_;
  std::deque<Operator> operators_;
};

Registry& registry() {
  static Registry operators;  // initialised once, thread-safely (C++11 static local)
  return operators;
}

Kind kind_of(const c10::TypePtr& type) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType: return Kind::Tensor;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: return Kind::Int;
    case c10::TypeKind::FloatType: return Kind::Float;
    case c10::TypeKind::BoolType: return Kind::Bool;
    case c10::TypeKind::NumberType: return Kind::Scalar;
    case c10::TypeKind::StringType: return Kind::String;
    case c10::TypeKind::ScalarTypeType: return Kind::ScalarType;
    case c10::TypeKind::DeviceObjType: return Kind::Device;
    case c10::TypeKind::LayoutType: return Kind::Layout;
    case c10::TypeKind::MemoryFormatType: return Kind::MemoryFormat;
    case c10::TypeKind::GeneratorType: return Kind::Generator;
    case c10::TypeKind::ListType: {
      const c10::TypePtr& element = type->expectRef<c10::ListType>().getElementType();
      switch (element->kind()) {
        case c10::TypeKind::IntType:
        case c10::TypeKind::SymIntType: return Kind::IntList;
        case c10::TypeKind::FloatType: return Kind::FloatList;
        case c10::TypeKind::BoolType: return Kind::BoolList;
        case c10::TypeKind::TensorType: return Kind::TensorList;
        case c10::TypeKind::OptionalType:
          if (element->expectRef<c10::OptionalType>().getElementType()->kind() == c10::TypeKind::TensorType) {
            return Kind::OptionalTensorList;
          }
          return Kind::Unsupported;
        default: return Kind::Unsupported;
      }
    }
    default: return Kind::Unsupported;
  }
}

std::string js_type(const Napi::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsArray()) return "array";
  switch (value.Type()) {
    case napi_number: return "number";
    case napi_boolean: return "boolean";
    case napi_string: return "string";
    case napi_object: return "object";
    default: return "value";
  }
}

[[noreturn]] void wrong_type(const Operator& op, const Argument& argument, const Napi::Value& value, const char* expected) {
  throw Napi::TypeError::New(value.Env(), op.name + ": argument '" + argument.name + "' expects " + expected + ", got " + js_type(value));
}

int64_t to_int(const Operator& op, const Argument& argument, const Napi::Value& value) {
  if (!value.IsNumber()) wrong_type(op, argument, value, "an integer");
  double number = value.As<Napi::Number>().DoubleValue();
  if (number != static_cast<double>(static_cast<int64_t>(number))) wrong_type(op, argument, value, "an integer");
  return static_cast<int64_t>(number);
}

c10::IValue to_scalar(const Operator& op, const Argument& argument, const Napi::Value& value) {
  if (value.IsBoolean()) return c10::IValue(c10::Scalar(value.As<Napi::Boolean>().Value()));
  if (!value.IsNumber()) wrong_type(op, argument, value, "a number");
  double number = value.As<Napi::Number>().DoubleValue();
  // An integral number becomes an integer Scalar so that integer tensors keep their dtype.
  if (std::isfinite(number) && number == std::trunc(number) && std::fabs(number) < 9007199254740992.0) {
    return c10::IValue(c10::Scalar(static_cast<int64_t>(number)));
  }
  return c10::IValue(c10::Scalar(number));
}

Napi::Array to_array(const Operator& op, const Argument& argument, const Napi::Value& value) {
  if (!value.IsArray()) wrong_type(op, argument, value, "an array");
  return value.As<Napi::Array>();
}

c10::IValue convert(const Operator& op, const Argument& argument, const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) {
    if (argument.has_default) return argument.default_value;
    if (argument.optional) return c10::IValue();
    throw Napi::TypeError::New(value.Env(), op.name + ": missing required argument '" + argument.name + "'");
  }
  switch (argument.kind) {
    case Kind::Tensor: {
      const at::Tensor* tensor = try_lookup(value, op.name.c_str());
      if (tensor == nullptr) wrong_type(op, argument, value, "a tensor");
      return c10::IValue(*tensor);
    }
    case Kind::Int:
    case Kind::ScalarType:
    case Kind::Layout:
    case Kind::MemoryFormat: return c10::IValue(to_int(op, argument, value));
    case Kind::Float:
      if (!value.IsNumber()) wrong_type(op, argument, value, "a number");
      return c10::IValue(value.As<Napi::Number>().DoubleValue());
    case Kind::Bool:
      if (!value.IsBoolean()) wrong_type(op, argument, value, "a boolean");
      return c10::IValue(value.As<Napi::Boolean>().Value());
    case Kind::Scalar: return to_scalar(op, argument, value);
    case Kind::String:
      if (!value.IsString()) wrong_type(op, argument, value, "a string");
      return c10::IValue(value.As<Napi::String>().Utf8Value());
    case Kind::Device:
      if (!value.IsString()) wrong_type(op, argument, value, "a device string such as 'cpu' or 'cuda:0'");
      return c10::IValue(c10::Device(value.As<Napi::String>().Utf8Value()));
    case Kind::Generator: return c10::IValue(GeneratorHandle::unwrap(value));
    case Kind::IntList: {
      if (value.IsNumber()) return c10::IValue(std::vector<int64_t>{to_int(op, argument, value)});
      Napi::Array array = to_array(op, argument, value);
      std::vector<int64_t> list(array.Length());
      for (uint32_t i = 0; i < list.size(); ++i) list[i] = to_int(op, argument, array.Get(i));
      return c10::IValue(std::move(list));
    }
    case Kind::FloatList: {
      Napi::Array array = to_array(op, argument, value);
      std::vector<double> list(array.Length());
      for (uint32_t i = 0; i < list.size(); ++i) list[i] = array.Get(i).As<Napi::Number>().DoubleValue();
      return c10::IValue(std::move(list));
    }
    case Kind::BoolList: {
      Napi::Array array = to_array(op, argument, value);
      c10::List<bool> list;
      for (uint32_t i = 0; i < array.Length(); ++i) list.push_back(array.Get(i).ToBoolean().Value());
      return c10::IValue(std::move(list));
    }
    case Kind::TensorList: {
      Napi::Array array = to_array(op, argument, value);
      c10::List<at::Tensor> list;
      list.reserve(array.Length());
      for (uint32_t i = 0; i < array.Length(); ++i) list.push_back(lookup(array.Get(i), op.name.c_str()));
      return c10::IValue(std::move(list));
    }
    case Kind::OptionalTensorList: {
      Napi::Array array = to_array(op, argument, value);
      c10::List<c10::optional<at::Tensor>> list;
      for (uint32_t i = 0; i < array.Length(); ++i) {
        Napi::Value element = array.Get(i);
        if (element.IsNull() || element.IsUndefined()) list.push_back(c10::nullopt);
        else list.push_back(lookup(element, op.name.c_str()));
      }
      return c10::IValue(std::move(list));
    }
    case Kind::Unsupported: break;
  }
  throw Napi::TypeError::New(value.Env(), op.name + ": argument '" + argument.name + "' has a type the binding cannot pass");
}

Napi::Value to_js(Napi::Env env, c10::IValue&& value) {
  if (value.isTensor()) {
    return store(env, std::move(value).toTensor());
  }
  if (value.isNone()) return env.Null();
  if (value.isInt()) return Napi::Number::New(env, static_cast<double>(value.toInt()));
  if (value.isDouble()) return Napi::Number::New(env, value.toDouble());
  if (value.isBool()) return Napi::Boolean::New(env, value.toBool());
  if (value.isScalar()) {
    c10::Scalar scalar = value.toScalar();
    if (scalar.isBoolean()) return Napi::Boolean::New(env, scalar.toBool());
    return Napi::Number::New(env, scalar.toDouble());
  }
  if (value.isTensorList()) {
    auto list = value.toTensorList();
    Napi::Array array = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) array.Set(i, store(env, list.get(i)));
    return array;
  }
  if (value.isIntList()) {
    auto list = value.toIntVector();
    Napi::Array array = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) array.Set(i, Napi::Number::New(env, static_cast<double>(list[i])));
    return array;
  }
  if (value.isTuple()) {
    auto elements = value.toTupleRef().elements();
    Napi::Array array = Napi::Array::New(env, elements.size());
    for (size_t i = 0; i < elements.size(); ++i) array.Set(i, to_js(env, c10::IValue(elements[i])));
    return array;
  }
  if (value.isString()) return Napi::String::New(env, value.toStringRef());
  throw Napi::Error::New(env, std::string("the binding cannot return a value of type ") + value.tagKind());
}

// The call as the error message shows it: tensors by dtype and shape, read through the schema,
// since a tensor argument is a slot number.
std::string describe_call(const Operator& op, const Napi::CallbackInfo& info) {
  auto describe = [&](const Napi::Value& value, bool tensor) -> std::string {
    if (tensor && value.IsNumber()) return describe_shape(lookup(value, op.name.c_str()));
    if (value.IsNumber()) {
      std::ostringstream number;
      number << value.As<Napi::Number>().DoubleValue();
      return number.str();
    }
    return js_type(value);
  };
  std::ostringstream out;
  out << op.name << "(";
  for (size_t i = 1; i < info.Length() && i <= op.arguments.size(); ++i) {
    if (i > 1) out << ", ";
    const Napi::Value value = info[i];
    const Kind kind = op.arguments[i - 1].kind;
    if (value.IsArray()) {
      Napi::Array array = value.As<Napi::Array>();
      bool tensors = kind == Kind::TensorList || kind == Kind::OptionalTensorList;
      out << "[";
      for (uint32_t j = 0; j < array.Length(); ++j) out << (j ? ", " : "") << describe(array.Get(j), tensors);
      out << "]";
    } else {
      out << describe(value, kind == Kind::Tensor);
    }
  }
  out << ")";
  return out.str();
}

}  // namespace

Napi::Value resolve_operator(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  if (name.find("::") == std::string::npos) name = "aten::" + name;
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) {
    throw Napi::Error::New(info.Env(), "unknown operator " + name + (overload.empty() ? "" : "." + overload));
  }
  const c10::FunctionSchema& schema = handle->schema();
  Operator op{*handle, name + (overload.empty() ? "" : "." + overload), {}, schema.returns().size(), {}};
  for (const c10::Argument& argument : schema.arguments()) {
    const c10::TypePtr& type = argument.real_type();
    bool optional = type->kind() == c10::TypeKind::OptionalType;
    const c10::TypePtr inner = optional ? type->expectRef<c10::OptionalType>().getElementType() : type;
    op.arguments.push_back({argument.name(), kind_of(inner), optional, argument.default_value().has_value(),
                            argument.default_value().value_or(c10::IValue())});
  }
  for (const c10::Argument& result : schema.returns()) {
    op.returns_input.push_back(result.alias_info() != nullptr && result.alias_info()->isWrite());
  }
  return Napi::Number::New(info.Env(), static_cast<double>(registry().add(std::move(op))));
}

Napi::Value operator_schema(const Napi::CallbackInfo& info) {
  std::ostringstream out;
  out << registry().at(info[0].As<Napi::Number>().DoubleValue()).handle.schema();
  return Napi::String::New(info.Env(), out.str());
}

Napi::Value list_operators(const Napi::CallbackInfo& info) {
  auto names = c10::Dispatcher::singleton().getAllOpNames();
  Napi::Array array = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const c10::OperatorName& name = names[i];
    array.Set(i, Napi::String::New(info.Env(), name.overload_name.empty() ? name.name : name.name + "." + name.overload_name));
  }
  return array;
}

// callOperator(id, ...arguments). Returns undefined for a result that is one of the inputs
// modified in place; the caller already holds that tensor.
Napi::Value call_operator(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Operator& op = registry().at(info[0].As<Napi::Number>().DoubleValue());
  const size_t given = info.Length() - 1;
  if (given > op.arguments.size()) {
    throw Napi::TypeError::New(env, op.name + ": takes " + std::to_string(op.arguments.size()) + " arguments, got " + std::to_string(given));
  }
  torch::jit::Stack stack;
  stack.reserve(std::max(op.arguments.size(), op.returns));
  // Converting is inside the try: parsing a device string such as 'cuda:x' throws a c10::Error.
  try {
    for (size_t i = 0; i < op.arguments.size(); ++i) {
      stack.push_back(convert(op, op.arguments[i], i < given ? info[i + 1] : env.Undefined()));
    }
    op.handle.callBoxed(&stack);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& error) {
    throw Napi::Error::New(env, describe_call(op, info) + ": " + error.what_without_backtrace());
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, describe_call(op, info) + ": " + error.what());
  }
  if (op.returns == 0) return env.Undefined();
  if (op.returns == 1) return op.returns_input[0] ? env.Undefined() : to_js(env, std::move(stack[0]));
  Napi::Array results = Napi::Array::New(env, op.returns);
  for (size_t i = 0; i < op.returns; ++i) {
    results.Set(i, op.returns_input[i] ? env.Undefined() : to_js(env, std::move(stack[i])));
  }
  return results;
}

}  // namespace plab
