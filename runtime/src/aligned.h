// Aligned native memory for state (variables, optimizer slots) and module workspaces.
#ifndef KILN_RUNTIME_ALIGNED_H_
#define KILN_RUNTIME_ALIGNED_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace kiln {

struct FreeDeleter {
  void operator()(void* p) const noexcept;
};

// An owned, zero-filled block of `bytes` bytes aligned to KILN_ALIGN. A zero-byte request
// yields a null pointer. Throws std::bad_alloc when memory is exhausted.
using AlignedPtr = std::unique_ptr<void, FreeDeleter>;
AlignedPtr alloc_aligned(std::size_t bytes);

inline bool is_aligned(const void* p, std::size_t alignment) {
  return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

}  // namespace kiln

#endif  // KILN_RUNTIME_ALIGNED_H_
