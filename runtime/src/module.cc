#include "module.h"

#include <dlfcn.h>

#include <cstring>
#include <limits>

namespace kiln {

namespace {

// A manifest is static data emitted by the code generator; these bounds only catch a corrupt or
// foreign library before its arrays are walked, not limits a real model approaches.
constexpr uint32_t kMaxBuffers = 1u << 20;
constexpr std::size_t kMaxNameLength = 4096;

std::vector<TensorSpec> copy_specs(const kiln_tensor_info* infos, uint32_t count, const char* role,
                                   const std::string& where) {
  if (count > kMaxBuffers) {
    throw Error(where + ": manifest declares " + std::to_string(count) + " " + role +
                " buffers; the manifest is corrupt");
  }
  if (count > 0 && infos == nullptr) {
    throw Error(where + ": manifest declares " + std::to_string(count) + " " + role +
                " buffers but their table is NULL");
  }
  std::vector<TensorSpec> specs;
  specs.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const kiln_tensor_info& info = infos[i];
    const std::string at = where + ": " + role + " #" + std::to_string(i);
    if (info.name == nullptr) throw Error(at + " has a NULL name");
    const std::size_t name_len = strnlen(info.name, kMaxNameLength + 1);
    if (name_len > kMaxNameLength) throw Error(at + " has a name longer than 4096 bytes");
    TensorSpec spec;
    spec.name.assign(info.name, name_len);
    spec.dtype = info.dtype;
    const std::size_t elem = dtype_size(info.dtype);
    if (elem == 0) {
      throw Error(at + " '" + spec.name + "' has unknown dtype " + std::to_string(info.dtype));
    }
    if (info.rank < 0 || info.rank > KILN_MAX_RANK) {
      throw Error(at + " '" + spec.name + "' has rank " + std::to_string(info.rank) +
                  " (0.." + std::to_string(KILN_MAX_RANK) + " allowed)");
    }
    uint64_t count_elems = 1;
    for (int32_t d = 0; d < info.rank; ++d) {
      const int64_t dim = info.shape[d];
      if (dim < 0) throw Error(at + " '" + spec.name + "' has a negative dimension");
      if (dim != 0 && count_elems > std::numeric_limits<uint64_t>::max() / elem / uint64_t(dim)) {
        throw Error(at + " '" + spec.name + "' is too large");
      }
      count_elems *= uint64_t(dim);
      spec.shape.push_back(dim);
    }
    spec.bytes = info.bytes;
    if (count_elems * elem != info.bytes) {
      throw Error(at + " '" + spec.name + "': bytes " + std::to_string(info.bytes) +
                  " do not match its shape (" + std::to_string(count_elems * elem) + ")");
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace

std::string status_name(int code) {
  switch (code) {
    case KILN_ERR_INVALID_ARGUMENT: return "KILN_ERR_INVALID_ARGUMENT";
    case KILN_ERR_NUMERIC: return "KILN_ERR_NUMERIC";
    case KILN_ERR_INTERNAL: return "KILN_ERR_INTERNAL";
    case KILN_ERR_EXCEPTION: return "KILN_ERR_EXCEPTION";
    default: return "KILN_ERR_" + std::to_string(code);
  }
}

DlHandle& DlHandle::operator=(DlHandle&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) dlclose(handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

DlHandle::~DlHandle() {
  if (handle_ != nullptr) dlclose(handle_);
}

void* DlHandle::symbol(const char* name, const std::string& what) const {
  dlerror();  // clear a stale error so the check below is about this lookup
  void* sym = dlsym(handle_, name);
  if (sym == nullptr) {
    const char* err = dlerror();
    throw Error(what + ": missing symbol " + name + (err ? std::string(" (") + err + ")" : "") +
                "; is it a kiln module?");
  }
  return sym;
}

const char* dtype_name(int32_t dtype) {
  switch (dtype) {
    case KILN_FLOAT32: return "float32";
    case KILN_INT32: return "int32";
    default: return "unknown";
  }
}

std::size_t dtype_size(int32_t dtype) {
  switch (dtype) {
    case KILN_FLOAT32: return 4;
    case KILN_INT32: return 4;
    default: return 0;
  }
}

std::string describe(const TensorSpec& spec) {
  std::string s = dtype_name(spec.dtype);
  s += " [";
  for (std::size_t i = 0; i < spec.shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(spec.shape[i]);
  }
  s += "] (" + std::to_string(spec.bytes) + " bytes)";
  return s;
}

LoadedModule::LoadedModule(const std::string& path) : path_(path) {
  const std::string where = "kiln: module " + path;
  // RTLD_NOW: an unresolved symbol fails here, not in the middle of a training step.
  // RTLD_LOCAL: two modules' internal symbols never interpose on each other.
  void* raw = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (raw == nullptr) {
    const char* err = dlerror();
    throw Error(where + ": dlopen failed: " + (err ? err : "unknown error"));
  }
  handle_ = DlHandle(raw);

  auto manifest_fn = reinterpret_cast<kiln_manifest_fn>(handle_.symbol("kiln_manifest", where));
  run_ = reinterpret_cast<kiln_run_fn>(handle_.symbol("kiln_run", where));
  const kiln_module_manifest* m = manifest_fn();
  if (m == nullptr) throw Error(where + ": kiln_manifest() returned NULL");
  abi_version_ = m->abi_version;
  if (m->abi_version != KILN_ABI_VERSION) {
    throw Error(where + ": compiled for kiln ABI " + std::to_string(m->abi_version) +
                ", this runtime speaks ABI " + std::to_string(KILN_ABI_VERSION) +
                "; recompile it (clear KILN_CACHE_DIR)");
  }
  inputs_ = copy_specs(m->inputs, m->num_inputs, "input", where);
  outputs_ = copy_specs(m->outputs, m->num_outputs, "output", where);
  state_ = copy_specs(m->state, m->num_state, "state", where);
  workspace_bytes_ = m->workspace_bytes;
  if (m->meta_json != nullptr) meta_json_ = m->meta_json;

  try {
    workspace_ = alloc_aligned(static_cast<std::size_t>(workspace_bytes_));
  } catch (const std::bad_alloc&) {
    throw Error(where + ": cannot allocate its workspace of " + std::to_string(workspace_bytes_) +
                " bytes");
  }
  input_ptrs_.assign(inputs_.size(), nullptr);
  output_ptrs_.assign(outputs_.size(), nullptr);
  state_ptrs_.assign(state_.size(), nullptr);
}

void LoadedModule::check_no_aliasing() const {
  struct Span {
    const char* role;
    const TensorSpec* spec;
    uintptr_t begin, end;
  };
  // Buffer counts are small (tens), so a quadratic scan over the written buffers costs well
  // under a microsecond and allocates nothing. Inputs may overlap each other: both are read-only.
  auto span_of = [&](std::size_t k, Span* out) {
    std::size_t i = k;
    if (i < inputs_.size()) {
      *out = {"input", &inputs_[i], uintptr_t(input_ptrs_[i]), 0};
    } else if ((i -= inputs_.size()) < outputs_.size()) {
      *out = {"output", &outputs_[i], uintptr_t(output_ptrs_[i]), 0};
    } else {
      i -= outputs_.size();
      *out = {"state", &state_[i], uintptr_t(state_ptrs_[i]), 0};
    }
    out->end = out->begin + out->spec->bytes;
  };
  const std::size_t n = inputs_.size() + outputs_.size() + state_.size();
  for (std::size_t a = inputs_.size(); a < n; ++a) {
    Span sa;
    span_of(a, &sa);
    if (sa.begin == sa.end) continue;
    for (std::size_t b = 0; b < a; ++b) {
      Span sb;
      span_of(b, &sb);
      if (sb.begin == sb.end) continue;
      if (sa.begin < sb.end && sb.begin < sa.end) {
        throw Error("kiln: module " + path_ + ": " + sa.role + " '" + sa.spec->name +
                    "' overlaps " + sb.role + " '" + sb.spec->name +
                    "' in memory; a buffer that the module writes must not share memory with "
                    "another buffer of the same call");
      }
    }
  }
}

void LoadedModule::run(int32_t num_threads) {
  error_[0] = '\0';
  kiln_call call;
  call.inputs = input_ptrs_.data();
  call.outputs = output_ptrs_.data();
  call.state = state_ptrs_.data();
  call.workspace = workspace_.get();
  call.error = error_.data();
  call.error_cap = error_.size();
  call.num_threads = num_threads;
  call.reserved = 0;
  int code = 0;
  try {
    code = run_(&call);
  } catch (const std::exception& e) {
    throw RunError("kiln: module " + path_ + ": kiln_run threw a C++ exception: " + e.what(),
                   KILN_ERR_EXCEPTION);
  } catch (...) {
    throw RunError("kiln: module " + path_ + ": kiln_run threw an unknown C++ exception",
                   KILN_ERR_EXCEPTION);
  }
  if (code != KILN_OK) {
    error_.back() = '\0';  // the module may have filled the buffer without a terminator
    const std::string message = error_[0] != '\0' ? error_.data() : "(no message)";
    throw RunError("kiln: module " + path_ + ": kiln_run failed with " + status_name(code) + ": " +
                       message,
                   code);
  }
}

}  // namespace kiln
