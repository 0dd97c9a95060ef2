// Storage for the packed weights that generation streams once per token, taken from
// 32 MiB chunks aligned to 2 MiB that the kernel is asked to back with transparent
// huge pages (madvise(MADV_HUGEPAGE), which this workplace's kernels honour in their
// default "madvise" mode). A small model's matrices (150-800 KB for SmolLM2) are each
// smaller than a huge page; packed one after another they share them, so a token's
// 60 MB stream crosses 30 page-table entries instead of 15,000. A chunk is returned to
// the system when every allocation in it is freed; only long-lived weights should come
// from here. Thread-safe.
#pragma once
#include <cstddef>
#include <new>
#include <vector>

namespace gptqt::kernels {

void* weight_arena_allocate(size_t bytes);  // 64-byte aligned; throws std::bad_alloc
void weight_arena_free(void* p);
size_t weight_arena_mapped_bytes();  // chunks held now (tests, diagnostics)

template <class T>
struct WeightAllocator {
  using value_type = T;
  WeightAllocator() = default;
  template <class U>
  WeightAllocator(const WeightAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(weight_arena_allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t) { weight_arena_free(p); }
  template <class U>
  bool operator==(const WeightAllocator<U>&) const {
    return true;
  }
};

template <class T>
using WeightVector = std::vector<T, WeightAllocator<T>>;

}  // namespace gptqt::kernels
