// The process's allocator (tcmalloc, cmake/dependencies.cmake) tuned for a
// small cloud: freed memory goes back to the system instead of staying in
// tcmalloc's caches after a burst of load (issue 22, item 7: after a soak
// the application held 9 MiB while tcmalloc kept 20 MiB more of free lists).
#pragma once

namespace cumulo {

// At start: per-thread caches hold at most 2 MiB in all (tcmalloc's default
// is 32 MiB; 8 MiB left 5 MiB in them after the soak, bench/RESULTS.md).
void tune_allocator();
// Returns tcmalloc's free pages to the system (madvise). Cheap when there is
// little to return; serve calls it every few seconds.
void release_free_memory();

}  // namespace cumulo
