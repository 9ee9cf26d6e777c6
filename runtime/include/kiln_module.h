// kiln_module.h — the prelude every generated kiln module includes, and the one definition of the
// C ABI between a compiled module and the runtime addon (runtime/src/addon.cc includes it too).
//
// A module is a shared library that exports exactly two C symbols:
//
//   const kiln_module_manifest* kiln_manifest(void);  // static description, never NULL, never freed
//   int kiln_run(const kiln_call* call);              // 0 = success, else a KILN_ERR_* code
//
// The manifest lists the module's buffers in call order: inputs (feeds), outputs (fetches) and
// state (variables and optimizer slots), each with a name, dtype, static shape and byte size,
// plus the bytes of scratch workspace the module needs. Before every call the runtime checks
// each buffer it passes against this manifest (dtype and byte size, and 64-byte alignment for
// state), so generated code may trust its pointers and sizes.
//
// Alignment the generated code may assume:
//   state and workspace  64 bytes (KILN_ALIGN), allocated by the runtime;
//   inputs and outputs   only their element size: they are user typed arrays passed without copy.
//
// Error convention: a module reports a failure by returning a nonzero code and writing a
// NUL-terminated message into call->error (capacity call->error_cap), most simply through
// `return KILN_FAIL(call, KILN_ERR_NUMERIC, "loss is NaN at step %d", step);`. The runtime turns
// it into a JS Error. KILN_DEFINE_RUN(impl) defines kiln_run around `int impl(const kiln_call*)`
// so that a C++ exception thrown by generated code (outside OpenMP regions) becomes an error
// code instead of unwinding into the runtime.
//
// Bump KILN_ABI_VERSION on any change to the structs below; the runtime refuses other versions.
#ifndef KILN_MODULE_H_
#define KILN_MODULE_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdarg.h>

#define KILN_ABI_VERSION 1

// Vector width of AVX-512 and the size of a cache line: aligned state and workspace let the
// compiler use aligned loads and keep two buffers from sharing a line.
#define KILN_ALIGN 64

// Largest rank a manifest entry may describe (kiln's ops stay at rank <= 6, NHWC plus batch).
#define KILN_MAX_RANK 8

// Buffer dtypes. Values are part of the ABI.
enum kiln_dtype { KILN_FLOAT32 = 1, KILN_INT32 = 2 };

// Status codes returned by kiln_run. Values are part of the ABI.
enum kiln_status {
  KILN_OK = 0,
  KILN_ERR_INVALID_ARGUMENT = 1,  // the module found a bad argument the runtime could not check
  KILN_ERR_NUMERIC = 2,           // e.g. a NaN/Inf check failed
  KILN_ERR_INTERNAL = 3,          // a bug in generated code or the runtime
  KILN_ERR_EXCEPTION = 4,         // a C++ exception reached KILN_DEFINE_RUN
};

// One buffer of the manifest. `bytes` must equal product(shape) * dtype size (checked at load).
typedef struct kiln_tensor_info {
  const char* name;  // a sanitized identifier or a JSON-safe graph name, never NULL
  int32_t dtype;     // enum kiln_dtype
  int32_t rank;      // 0..KILN_MAX_RANK; shape[rank..] are ignored
  int64_t shape[KILN_MAX_RANK];
  uint64_t bytes;
} kiln_tensor_info;

typedef struct kiln_module_manifest {
  uint32_t abi_version;  // KILN_ABI_VERSION the module was compiled against
  uint32_t num_inputs;
  uint32_t num_outputs;
  uint32_t num_state;
  const kiln_tensor_info* inputs;   // num_inputs entries (may be NULL when 0)
  const kiln_tensor_info* outputs;  // num_outputs entries
  const kiln_tensor_info* state;    // num_state entries
  uint64_t workspace_bytes;         // scratch arena; the runtime allocates it once per loaded module
  const char* meta_json;            // free-form JSON object for tools (arena plan, graph hash), or NULL
} kiln_module_manifest;

// The argument of kiln_run. Pointer arrays are in manifest order.
typedef struct kiln_call {
  const void* const* inputs;  // num_inputs read-only buffers
  void* const* outputs;       // num_outputs buffers the module writes
  void* const* state;         // num_state buffers the module reads and may update in place
  void* workspace;            // workspace_bytes, 64-byte aligned; NULL when workspace_bytes == 0
  char* error;                // message buffer for a failure, NUL-terminated on return
  uint64_t error_cap;         // capacity of `error` in bytes (>= 256)
  int32_t num_threads;        // OpenMP threads for this call (> 0), set by the runtime
  int32_t reserved;           // zero; keeps the struct's layout explicit
} kiln_call;

#ifdef __cplusplus
#define KILN_EXTERN_C extern "C"
#else
#define KILN_EXTERN_C
#endif
#define KILN_EXPORT KILN_EXTERN_C __attribute__((visibility("default")))

// Signatures of the two exported symbols, for the runtime's dlsym.
typedef const kiln_module_manifest* (*kiln_manifest_fn)(void);
typedef int (*kiln_run_fn)(const kiln_call* call);

#ifndef KILN_RUNTIME  // ---- helpers for generated code only -------------------------------------

#include <cblas.h>  // cblas_sgemm; generated modules link OpenBLAS themselves (-lopenblas)
#ifdef _OPENMP
#include <omp.h>
#endif

// Defines the exported kiln_manifest() returning the address of a static kiln_module_manifest.
#define KILN_DEFINE_MANIFEST(var) \
  KILN_EXPORT const kiln_module_manifest* kiln_manifest(void) { return &(var); }

// Writes a formatted message into call->error and returns `code`, for `return KILN_FAIL(...)`.
static inline int kiln_fail(const kiln_call* call, int code, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int kiln_fail(const kiln_call* call, int code, const char* fmt, ...) {
  if (call->error != NULL && call->error_cap > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->error, (size_t)call->error_cap, fmt, ap);
    va_end(ap);
  }
  return code;
}
#define KILN_FAIL(call, code, ...) kiln_fail((call), (code), __VA_ARGS__)

// Tells the compiler a pointer is KILN_ALIGN-aligned (valid for state and workspace only).
#define KILN_ASSUME_ALIGNED(p) __builtin_assume_aligned((p), KILN_ALIGN)

// Rounds a byte offset up to KILN_ALIGN, for carving the workspace into aligned slices.
#define KILN_ALIGN_UP(n) ((((uint64_t)(n)) + (KILN_ALIGN - 1)) & ~(uint64_t)(KILN_ALIGN - 1))

#define KILN_RESTRICT __restrict__

#ifdef __cplusplus
#include <exception>
// Defines the exported kiln_run around `static int impl(const kiln_call*)`: sets the OpenMP
// thread count for this call (a per-thread setting in OpenMP, so it is passed on every call
// rather than set once), and turns escaping C++ exceptions into KILN_ERR_EXCEPTION.
#ifdef _OPENMP
#define KILN_SET_THREADS_(call) \
  if ((call)->num_threads > 0) omp_set_num_threads((call)->num_threads)
#else
#define KILN_SET_THREADS_(call) (void)0
#endif
#define KILN_DEFINE_RUN(impl)                                                  \
  KILN_EXPORT int kiln_run(const kiln_call* call) {                            \
    try {                                                                      \
      KILN_SET_THREADS_(call);                                                 \
      return impl(call);                                                       \
    } catch (const std::exception& e) {                                        \
      return kiln_fail(call, KILN_ERR_EXCEPTION, "C++ exception: %s", e.what()); \
    } catch (...) {                                                            \
      return kiln_fail(call, KILN_ERR_EXCEPTION, "unknown C++ exception");    \
    }                                                                          \
  }
#endif  // __cplusplus

#endif  // KILN_RUNTIME

#endif  // KILN_MODULE_H_
