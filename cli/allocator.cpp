#include "cli/allocator.hpp"

#include <gperftools/malloc_extension_c.h>

namespace cumulo {

void tune_allocator() {
  MallocExtension_SetNumericProperty("tcmalloc.max_total_thread_cache_bytes", 2u << 20);
}

void release_free_memory() {
  MallocExtension_ReleaseFreeMemory();
}

}  // namespace cumulo
