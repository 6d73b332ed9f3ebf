// Why a caching CPU allocator: a training step frees and allocates the same buffer sizes every
// step. libtorch's default asks glibc for 64-byte-aligned blocks (posix_memalign), and a freed
// block of exactly the size needed cannot hold the alignment padding of the next request, so glibc
// often extended the heap by a fresh block each step and faulted its pages in: 1.5 million page
// faults in 6 s and 60-70% of PyTorch's throughput in the MLP benchmark, depending on heap layout
// from run to run. Reusing freed blocks of the same size, as PyTorch's CUDA allocator does, makes
// the steady state allocation-free. Freed blocks are held up to a capacity, oldest given back first.
#include "cpu_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/alignment.h>
#include <c10/util/Exception.h>

#include <cstdlib>
#include <list>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <mutex>
#include <unordered_map>
#include <vector>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace plab {
namespace {

// Each block starts with a header of one alignment unit that records its size, so that freeing needs
// no lookup. Small blocks are cached too: glibc's aligned allocation is slower than its malloc
// (an elementwise op on a 4x4 tensor took 4.9 us with them cached, 6.8 us without).
constexpr size_t kHeaderBytes = c10::gAlignment;

// Blocks from this size up (glibc's mmap threshold, addon.cpp) are mapped by the allocator itself with
// their pages populated in one call. Left to glibc, such a block is mapped bare and faults each 4 KiB
// page in as the tensor is first written: the default experiment's task data (about 4 GB over a run,
// gathered and converted task by task) took a million page faults and 2.7 s of system time on a KVM
// guest, where a fault costs about 2.7 us. A populating map zeroes the same pages without the faults.
constexpr size_t kMappedBytes = size_t{32} << 20;

void* allocate_block(size_t total) {
#ifdef __linux__
  if (total >= kMappedBytes) {
    void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return base == MAP_FAILED ? nullptr : base;
  }
#endif
  void* base = nullptr;
  return posix_memalign(&base, c10::gAlignment, total) == 0 ? base : nullptr;
}

class CachingCPUAllocator final : public c10::Allocator {
 public:
  explicit CachingCPUAllocator(size_t capacity) : capacity_(capacity) {}

  c10::DataPtr allocate(size_t bytes) const override {
    void* data = bytes == 0 ? nullptr : self().take(bytes);
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  static CachingCPUAllocator* installed;

  CpuMemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {in_use_, peak_, held_, capacity_};
  }

  void reset_peak() {
    std::lock_guard<std::mutex> lock(mutex_);
    peak_ = in_use_;
  }

  size_t release_all() {
    std::vector<void*> evicted;
    size_t released = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      released = held_;
      while (!free_.empty()) evicted.push_back(evict_oldest());
    }
    for (void* block : evicted) free_block(block);
#ifdef __GLIBC__
    // Blocks under the mmap threshold (addon.cpp) live in glibc's heap, which returns only its top to
    // the system: the free pages between live blocks stayed resident, and a 200-task class-pair run
    // grew by 0.5 MiB per task (bench/memory.ts). malloc_trim hands every free page back.
    malloc_trim(0);
#endif
    return released;
  }

 private:
  using FreeList = std::list<std::pair<size_t, void*>>;  // oldest first; the blocks' base addresses

  // libtorch's Allocator interface is const; the cache is this object's mutable state.
  CachingCPUAllocator& self() const { return const_cast<CachingCPUAllocator&>(*this); }

  static size_t& size_of(void* base) { return *static_cast<size_t*>(base); }
  static void* data_of(void* base) { return static_cast<char*>(base) + kHeaderBytes; }
  static void* base_of(void* data) { return static_cast<char*>(data) - kHeaderBytes; }

  // Hands a block back the way allocate_block took it, by the size its header records.
  static void free_block(void* base) {
    const size_t total = size_of(base) + kHeaderBytes;
#ifdef __linux__
    if (total >= kMappedBytes) {
      munmap(base, total);
      return;
    }
#endif
    std::free(base);
  }

  static void release(void* data) {
    if (data == nullptr) return;
    void* base = base_of(data);
    installed->give_back(base);
  }

  void* take(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = by_size_.find(bytes);
      if (found != by_size_.end() && !found->second.empty()) {
        FreeList::iterator entry = found->second.back();
        found->second.pop_back();
        void* base = entry->second;
        free_.erase(entry);
        held_ -= bytes;
        count_taken(bytes);
        return data_of(base);
      }
    }
    void* base = allocate_block(bytes + kHeaderBytes);
    if (base == nullptr) {
      release_all();
      base = allocate_block(bytes + kHeaderBytes);
      TORCH_CHECK(base != nullptr, "out of CPU memory: could not allocate ", bytes, " bytes");
    }
    size_of(base) = bytes;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      count_taken(bytes);
    }
    return data_of(base);
  }

  // Caller holds the mutex.
  void count_taken(size_t bytes) {
    in_use_ += bytes;
    if (in_use_ > peak_) peak_ = in_use_;
  }

  void give_back(void* base) {
    const size_t bytes = size_of(base);
    std::vector<void*> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      in_use_ -= bytes;
      if (bytes > capacity_) {
        evicted.push_back(base);
      } else {
        free_.emplace_back(bytes, base);
        by_size_[bytes].push_back(std::prev(free_.end()));
        held_ += bytes;
        while (held_ > capacity_) evicted.push_back(evict_oldest());
      }
    }
    for (void* block : evicted) free_block(block);
  }

  // Caller holds the mutex.
  void* evict_oldest() {
    auto [bytes, base] = free_.front();
    auto& same_size = by_size_[bytes];
    // The oldest block of a size is the first of its list: blocks are appended as they are freed.
    same_size.erase(same_size.begin());
    if (same_size.empty()) by_size_.erase(bytes);
    free_.pop_front();
    held_ -= bytes;
    return base;
  }

  const size_t capacity_;
  std::mutex mutex_;
  FreeList free_;
  std::unordered_map<size_t, std::vector<FreeList::iterator>> by_size_;
  size_t held_ = 0;
  size_t in_use_ = 0;
  size_t peak_ = 0;
};

CachingCPUAllocator* CachingCPUAllocator::installed = nullptr;

}  // namespace

void install_cpu_allocator(size_t capacity_bytes) {
  if (CachingCPUAllocator::installed != nullptr) return;
  // Lives as long as the process: tensors freed during shutdown still call into it.
  CachingCPUAllocator::installed = new CachingCPUAllocator(capacity_bytes);
  c10::SetCPUAllocator(CachingCPUAllocator::installed, /*priority=*/1);
}

CpuMemoryStats cpu_memory_stats() { return CachingCPUAllocator::installed->stats(); }

void reset_cpu_peak() { CachingCPUAllocator::installed->reset_peak(); }

size_t release_cpu_cache() { return CachingCPUAllocator::installed->release_all(); }

}  // namespace plab
