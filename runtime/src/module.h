// A compiled kiln module loaded with dlopen: its validated manifest, its workspace, and the
// pointer slots of one call. Pure C++ (no N-API), so its checks read as plain code; addon.cc
// binds it to JS. Every failure throws kiln::Error, which the binding turns into a JS Error.
#ifndef KILN_RUNTIME_MODULE_H_
#define KILN_RUNTIME_MODULE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aligned.h"
#include "kiln_module.h"

namespace kiln {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failure reported by the module itself: kiln_run returned `status` (enum kiln_status).
class RunError : public Error {
 public:
  RunError(const std::string& message, int status) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// The name of a kiln_status code ("KILN_ERR_NUMERIC"), or "KILN_ERR_<n>" for an unknown one.
std::string status_name(int code);

// Owns one dlopen handle; dlclose on destruction.
class DlHandle {
 public:
  DlHandle() = default;
  explicit DlHandle(void* handle) : handle_(handle) {}
  DlHandle(DlHandle&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  DlHandle& operator=(DlHandle&& other) noexcept;
  DlHandle(const DlHandle&) = delete;
  DlHandle& operator=(const DlHandle&) = delete;
  ~DlHandle();

  void* get() const { return handle_; }
  // Resolves a symbol; throws kiln::Error naming `what` (the module path) when it is missing.
  void* symbol(const char* name, const std::string& what) const;

 private:
  void* handle_ = nullptr;
};

struct TensorSpec {
  std::string name;
  int32_t dtype = 0;  // enum kiln_dtype
  std::vector<int64_t> shape;
  uint64_t bytes = 0;
};

const char* dtype_name(int32_t dtype);
std::size_t dtype_size(int32_t dtype);  // 0 for an unknown dtype
std::string describe(const TensorSpec& spec);  // "float32 [4,3] (48 bytes)"

class LoadedModule {
 public:
  // dlopens `path`, resolves kiln_manifest and kiln_run, copies and validates the manifest, and
  // allocates the workspace. Throws kiln::Error.
  explicit LoadedModule(const std::string& path);

  const std::string& path() const { return path_; }
  uint32_t abi_version() const { return abi_version_; }
  const std::vector<TensorSpec>& inputs() const { return inputs_; }
  const std::vector<TensorSpec>& outputs() const { return outputs_; }
  const std::vector<TensorSpec>& state() const { return state_; }
  uint64_t workspace_bytes() const { return workspace_bytes_; }
  const std::string& meta_json() const { return meta_json_; }

  // Pointer slots, filled by the binding (after its checks) before run().
  const void** input_slots() { return input_ptrs_.data(); }
  void** output_slots() { return output_ptrs_.data(); }
  void** state_slots() { return state_ptrs_.data(); }

  // Throws kiln::Error when two buffers of the call overlap and one of them is written (an
  // output or state buffer): generated code marks its pointers __restrict__.
  void check_no_aliasing() const;

  // Calls kiln_run with the filled slots. Throws kiln::Error carrying the module's message when
  // it returns a nonzero code, or when a C++ exception escapes it.
  void run(int32_t num_threads);

 private:
  std::string path_;
  DlHandle handle_;
  kiln_run_fn run_ = nullptr;
  uint32_t abi_version_ = 0;
  std::vector<TensorSpec> inputs_, outputs_, state_;
  uint64_t workspace_bytes_ = 0;
  std::string meta_json_;
  AlignedPtr workspace_;
  std::vector<const void*> input_ptrs_;
  std::vector<void*> output_ptrs_, state_ptrs_;
  // Room for the module's error message, allocated once so a call allocates nothing.
  std::array<char, 1024> error_{};
};

}  // namespace kiln

#endif  // KILN_RUNTIME_MODULE_H_
