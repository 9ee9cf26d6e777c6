// kiln's Node addon: the JS face of runtime/src/module.h.
//
// Exports (typed in src/native/addon.ts):
//   abiVersion, alignment          numbers (KILN_ABI_VERSION, KILN_ALIGN)
//   allocAligned(bytes)            ArrayBuffer over zeroed, KILN_ALIGN-aligned native memory
//   setNumThreads(n), getNumThreads()
//   NativeModule(path)             .manifest(), .run(inputs, outputs, state), .close(), .path
//
// Failures: kiln::Error and every failed napi_status become JS Errors (node-addon-api is built
// with NODE_ADDON_API_CPP_EXCEPTIONS_ALL, so nothing escapes as std::terminate). run() checks every
// buffer before kiln_run and allocates nothing: N-API lookups only, into preallocated slots.
#include <cstring>
#include <napi.h>
#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>

#include "aligned.h"
#include "kiln_module.h"
#include "module.h"

extern "C" void openblas_set_num_threads(int num_threads);

namespace kiln {
namespace {

// Checks a raw napi call: a pending JS exception is rethrown as is; any other failure becomes
// an Error that names the call and its place in this file.
#define KILN_NAPI_CALL(env, call)                                                          \
  do {                                                                                     \
    napi_status kiln_status_ = (call);                                                     \
    if (kiln_status_ != napi_ok) throw_napi_failure((env), kiln_status_, #call, __LINE__); \
  } while (0)

[[noreturn]] void throw_napi_failure(napi_env env, napi_status status, const char* call,
                                     int line) {
  if (status == napi_pending_exception) throw Napi::Error::New(env);
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  const char* detail = info && info->error_message ? info->error_message : "unknown";
  throw Napi::Error::New(env, std::string("kiln: N-API call failed (") + detail + ") at " +
                                  __FILE__ + ":" + std::to_string(line) + ": " + call);
}

// Rethrows a kiln::Error as a JS Error; a RunError also carries `code` ("KILN_ERR_NUMERIC") and
// `status` (its number) so TS can tell a NaN check from a bug.
[[noreturn]] void rethrow_as_js(Napi::Env env, const Error& e) {
  Napi::Error js = Napi::Error::New(env, e.what());
  if (auto* run_error = dynamic_cast<const RunError*>(&e)) {
    js.Set("code", Napi::String::New(env, status_name(run_error->status())));
    js.Set("status", Napi::Number::New(env, run_error->status()));
  }
  throw js;
}

int32_t g_num_threads = 1;

int32_t default_num_threads() {
  if (const char* env = std::getenv("KILN_NUM_THREADS")) {
    const long n = std::strtol(env, nullptr, 10);
    if (n > 0 && n <= 4096) return static_cast<int32_t>(n);
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? static_cast<int32_t>(cores) : 1;
}

void apply_num_threads(int32_t n) {
  g_num_threads = n;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

napi_typedarray_type typed_array_type(int32_t dtype) {
  return dtype == KILN_INT32 ? napi_int32_array : napi_float32_array;
}

const char* typed_array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "typed array";
  }
}

Napi::Object spec_to_js(Napi::Env env, const TensorSpec& spec) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", Napi::String::New(env, spec.name));
  o.Set("dtype", Napi::String::New(env, dtype_name(spec.dtype)));
  Napi::Array shape = Napi::Array::New(env, spec.shape.size());
  for (uint32_t i = 0; i < spec.shape.size(); ++i) {
    shape.Set(i, Napi::Number::New(env, static_cast<double>(spec.shape[i])));
  }
  o.Set("shape", shape);
  o.Set("bytes", Napi::Number::New(env, static_cast<double>(spec.bytes)));
  return o;
}

Napi::Array specs_to_js(Napi::Env env, const std::vector<TensorSpec>& specs) {
  Napi::Array a = Napi::Array::New(env, specs.size());
  for (uint32_t i = 0; i < specs.size(); ++i) a.Set(i, spec_to_js(env, specs[i]));
  return a;
}

// Reads `value` as a non-negative integer no larger than `max`, or throws a TypeError/RangeError.
double integer_arg(Napi::Env env, const Napi::Value& value, const char* what, double max) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string("kiln: ") + what + " must be a number");
  const double v = value.As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v > max || std::floor(v) != v) {
    throw Napi::RangeError::New(env, std::string("kiln: ") + what + " must be an integer in [0, " +
                                         std::to_string(static_cast<long long>(max)) + "], got " +
                                         std::to_string(v));
  }
  return v;
}

class NativeModule : public Napi::ObjectWrap<NativeModule> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeModule",
                       {InstanceMethod<&NativeModule::Manifest>("manifest"),
                        InstanceMethod<&NativeModule::Run>("run"),
                        InstanceMethod<&NativeModule::Close>("close"),
                        InstanceAccessor<&NativeModule::Path>("path")});
  }

  explicit NativeModule(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModule>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) {
      throw Napi::TypeError::New(env, "kiln: NativeModule(path) needs the path of a compiled module");
    }
    path_ = info[0].As<Napi::String>().Utf8Value();
    try {
      module_ = std::make_unique<LoadedModule>(path_);
    } catch (const Error& e) {
      rethrow_as_js(env, e);
    }
  }

 private:
  LoadedModule& live(Napi::Env env) {
    if (!module_) throw Napi::Error::New(env, "kiln: module " + path_ + " has been closed");
    return *module_;
  }

  Napi::Value Path(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), path_); }

  Napi::Value Manifest(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    LoadedModule& m = live(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("abiVersion", Napi::Number::New(env, m.abi_version()));
    o.Set("inputs", specs_to_js(env, m.inputs()));
    o.Set("outputs", specs_to_js(env, m.outputs()));
    o.Set("state", specs_to_js(env, m.state()));
    o.Set("workspaceBytes", Napi::Number::New(env, static_cast<double>(m.workspace_bytes())));
    o.Set("metaJson", m.meta_json().empty() ? env.Null() : Napi::String::New(env, m.meta_json()));
    return o;
  }

  // Fills `slots` from the JS array `list` of typed arrays after checking count, element type,
  // byte size and (for state) alignment against `specs`.
  template <typename Slot>
  void bind(napi_env env, napi_value list, const std::vector<TensorSpec>& specs, Slot* slots,
            const char* role, bool need_alignment) {
    bool is_array = false;
    KILN_NAPI_CALL(env, napi_is_array(env, list, &is_array));
    if (!is_array) {
      throw Napi::TypeError::New(env, "kiln: module " + path_ + ": " + role +
                                          " must be an array of typed arrays");
    }
    uint32_t count = 0;
    KILN_NAPI_CALL(env, napi_get_array_length(env, list, &count));
    if (count != specs.size()) {
      throw Napi::RangeError::New(env, "kiln: module " + path_ + ": expected " +
                                           std::to_string(specs.size()) + " " + role +
                                           " buffers, got " + std::to_string(count));
    }
    for (uint32_t i = 0; i < count; ++i) {
      const TensorSpec& spec = specs[i];
      napi_value element;
      KILN_NAPI_CALL(env, napi_get_element(env, list, i, &element));
      bool is_typed = false;
      KILN_NAPI_CALL(env, napi_is_typedarray(env, element, &is_typed));
      if (!is_typed) {
        throw Napi::TypeError::New(env, "kiln: module " + path_ + ": " + role + " '" + spec.name +
                                            "' must be a typed array (" + describe(spec) + ")");
      }
      napi_typedarray_type type;
      size_t length = 0;
      void* data = nullptr;
      KILN_NAPI_CALL(env, napi_get_typedarray_info(env, element, &type, &length, &data, nullptr, nullptr));
      if (type != typed_array_type(spec.dtype)) {
        throw Napi::TypeError::New(env, "kiln: module " + path_ + ": " + role + " '" + spec.name +
                                            "' must be a " + typed_array_name(typed_array_type(spec.dtype)) +
                                            " (" + describe(spec) + "), got a " + typed_array_name(type));
      }
      const uint64_t bytes = uint64_t(length) * dtype_size(spec.dtype);
      if (bytes != spec.bytes) {
        throw Napi::RangeError::New(env, "kiln: module " + path_ + ": " + role + " '" + spec.name +
                                             "' has " + std::to_string(bytes) + " bytes (" +
                                             std::to_string(length) + " elements), expected " +
                                             describe(spec));
      }
      if (need_alignment && !is_aligned(data, KILN_ALIGN)) {
        throw Napi::RangeError::New(env, "kiln: module " + path_ + ": " + role + " '" + spec.name +
                                             "' is not " + std::to_string(KILN_ALIGN) +
                                             "-byte aligned; allocate state with allocAligned (StateStore)");
      }
      slots[i] = data;
    }
  }

  // run(inputs, outputs, state): each an array of typed arrays in manifest order.
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    LoadedModule& m = live(env);
    if (info.Length() < 3) {
      throw Napi::TypeError::New(env, "kiln: run(inputs, outputs, state) takes three arrays");
    }
    bind(env, info[0], m.inputs(), m.input_slots(), "input", false);
    bind(env, info[1], m.outputs(), m.output_slots(), "output", false);
    bind(env, info[2], m.state(), m.state_slots(), "state", true);
    try {
      m.check_no_aliasing();
      m.run(g_num_threads);
    } catch (const Error& e) {
      rethrow_as_js(env, e);
    }
    return env.Undefined();
  }

  // Unloads the library now rather than at garbage collection; later calls throw.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    module_.reset();
    return info.Env().Undefined();
  }

  std::string path_;
  std::unique_ptr<LoadedModule> module_;
};

Napi::Value AllocAligned(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // 2^53: the largest byte count a JS number holds exactly.
  const double bytes = integer_arg(env, info[0], "allocAligned(bytes): bytes", 9007199254740992.0);
  if (bytes == 0) return Napi::ArrayBuffer::New(env, 0);
  AlignedPtr memory;
  try {
    memory = alloc_aligned(static_cast<std::size_t>(bytes));
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "kiln: allocAligned: cannot allocate " +
                                         std::to_string(static_cast<long long>(bytes)) + " bytes");
  }
  // The ArrayBuffer owns the block from here: its finalizer frees it when JS drops the last view.
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
      env, memory.get(), static_cast<std::size_t>(bytes),
      [](Napi::Env, void* data) { FreeDeleter()(data); });
  memory.release();
  return buffer;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double n = integer_arg(env, info[0], "setNumThreads(n): n", 4096);
  if (n < 1) throw Napi::RangeError::New(env, "kiln: setNumThreads(n): n must be at least 1");
  apply_num_threads(static_cast<int32_t>(n));
  return env.Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), g_num_threads);
}

// gatherRows(src, rowSize, indices, start, n, dst): dst row r = src row indices[start + r], for
// r < n (the batch gather of training: one memcpy per row, no per-row JS view). src and dst are
// typed arrays of the same element size; every index is checked against src's row count first,
// so a bad index throws before anything is written.
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6 || !info[0].IsTypedArray() || !info[2].IsTypedArray() || !info[5].IsTypedArray()) {
    throw Napi::TypeError::New(env, "kiln: gatherRows(src, rowSize, indices, start, n, dst): expected typed arrays and integers");
  }
  Napi::TypedArray src = info[0].As<Napi::TypedArray>();
  Napi::TypedArray dst = info[5].As<Napi::TypedArray>();
  if (info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "kiln: gatherRows: indices must be an Int32Array");
  }
  Napi::Int32Array indices = info[2].As<Napi::Int32Array>();
  if (src.ElementSize() != dst.ElementSize()) throw Napi::TypeError::New(env, "kiln: gatherRows: src and dst element sizes differ");
  const double max_len = 9007199254740992.0;
  const std::size_t row = static_cast<std::size_t>(integer_arg(env, info[1], "gatherRows: rowSize", max_len));
  const std::size_t start = static_cast<std::size_t>(integer_arg(env, info[3], "gatherRows: start", max_len));
  const std::size_t n = static_cast<std::size_t>(integer_arg(env, info[4], "gatherRows: n", max_len));
  const std::size_t rows = row == 0 ? 0 : src.ElementLength() / row;
  if (start + n > indices.ElementLength()) throw Napi::RangeError::New(env, "kiln: gatherRows: start + n exceeds the indices");
  if (dst.ElementLength() < n * row) throw Napi::RangeError::New(env, "kiln: gatherRows: dst is too small");
  const int32_t* idx = indices.Data() + start;
  for (std::size_t r = 0; r < n; r++) {
    if (idx[r] < 0 || static_cast<std::size_t>(idx[r]) >= rows) {
      throw Napi::RangeError::New(env, "kiln: gatherRows: index " + std::to_string(idx[r]) + " at position " +
                                           std::to_string(start + r) + " is out of range [0, " + std::to_string(rows) + ")");
    }
  }
  const std::size_t es = src.ElementSize();
  const uint8_t* s = static_cast<const uint8_t*>(src.ArrayBuffer().Data()) + src.ByteOffset();
  uint8_t* d = static_cast<uint8_t*>(dst.ArrayBuffer().Data()) + dst.ByteOffset();
  for (std::size_t r = 0; r < n; r++) std::memcpy(d + r * row * es, s + static_cast<std::size_t>(idx[r]) * row * es, row * es);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Once per process: a worker thread loading the addon again must not reset a user's setting.
  static const bool threads_initialized = (apply_num_threads(default_num_threads()), true);
  (void)threads_initialized;
  exports.Set("abiVersion", Napi::Number::New(env, KILN_ABI_VERSION));
  exports.Set("alignment", Napi::Number::New(env, KILN_ALIGN));
  exports.Set("allocAligned", Napi::Function::New<AllocAligned>(env, "allocAligned"));
  exports.Set("setNumThreads", Napi::Function::New<SetNumThreads>(env, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New<GetNumThreads>(env, "getNumThreads"));
  exports.Set("gatherRows", Napi::Function::New<GatherRows>(env, "gatherRows"));
  exports.Set("NativeModule", NativeModule::Define(env));
  return exports;
}

}  // namespace
}  // namespace kiln

// NODE_API_MODULE pastes its second argument into a name, so it must be unqualified.
static Napi::Object InitKiln(Napi::Env env, Napi::Object exports) { return kiln::Init(env, exports); }
NODE_API_MODULE(kiln, InitKiln)
