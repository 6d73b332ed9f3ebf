// A CPU allocator that keeps freed buffers for reuse, installed in place of libtorch's default.
#pragma once

#include <cstddef>

namespace plab {

// Installs the caching allocator as libtorch's CPU allocator. `capacity_bytes` bounds the freed
// memory it holds; with 0 every block goes back to the system when freed (the allocator still counts
// the memory in use, which memory planning measures with).
void install_cpu_allocator(size_t capacity_bytes);

struct CpuMemoryStats {
  size_t in_use;    // bytes of live CPU tensors
  size_t peak;      // the most in use since the last reset_cpu_peak()
  size_t cached;    // freed bytes held for reuse
  size_t capacity;  // the bound on `cached`
};

CpuMemoryStats cpu_memory_stats();
void reset_cpu_peak();
// Hands every cached block back to the system; returns the bytes released.
size_t release_cpu_cache();

}  // namespace plab
