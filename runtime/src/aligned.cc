#include "aligned.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "kiln_module.h"

namespace kiln {

void FreeDeleter::operator()(void* p) const noexcept { std::free(p); }

AlignedPtr alloc_aligned(std::size_t bytes) {
  if (bytes == 0) return AlignedPtr(nullptr);
  // Round up so the last vector load of a generated loop never reads past the block.
  const std::size_t rounded = (bytes + KILN_ALIGN - 1) / KILN_ALIGN * KILN_ALIGN;
  void* p = nullptr;
  if (posix_memalign(&p, KILN_ALIGN, rounded) != 0 || p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return AlignedPtr(p);
}

}  // namespace kiln
