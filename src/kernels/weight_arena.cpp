#include "kernels/weight_arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

namespace gptqt::kernels {

namespace {

constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kChunkBytes = size_t(32) << 20;
constexpr size_t kAlign = 64;

struct Chunk {
  char* base;
  size_t size, used = 0;
  int live = 0;  // allocations not yet freed
};

std::mutex arena_mutex;
std::vector<Chunk> chunks;  // the last one takes new allocations

// `bytes` (a multiple of kHugePage) at a 2 MiB boundary: map 2 MiB more, trim both ends.
char* map_aligned(size_t bytes) {
  void* p = mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > start) munmap(p, aligned - start);
  const uintptr_t end = start + bytes + kHugePage;
  if (end > aligned + bytes) munmap(reinterpret_cast<void*>(aligned + bytes), end - (aligned + bytes));
  char* base = reinterpret_cast<char*>(aligned);
  madvise(base, bytes, MADV_HUGEPAGE);  // a hint: without THP the memory is ordinary pages
  return base;
}

}  // namespace

void* weight_arena_allocate(size_t bytes) {
  bytes = (std::max<size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
  std::lock_guard<std::mutex> lock(arena_mutex);
  if (chunks.empty() || chunks.back().size - chunks.back().used < bytes) {
    const size_t size = std::max(kChunkBytes, (bytes + kHugePage - 1) / kHugePage * kHugePage);
    chunks.push_back({map_aligned(size), size});
  }
  Chunk& c = chunks.back();
  void* p = c.base + c.used;
  c.used += bytes;
  ++c.live;
  return p;
}

void weight_arena_free(void* p) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(arena_mutex);
  for (size_t i = 0; i < chunks.size(); ++i) {
    Chunk& c = chunks[i];
    if (static_cast<char*>(p) < c.base || static_cast<char*>(p) >= c.base + c.size) continue;
    if (--c.live == 0) {
      munmap(c.base, c.size);
      chunks.erase(chunks.begin() + long(i));
    }
    return;
  }
}

size_t weight_arena_mapped_bytes() {
  std::lock_guard<std::mutex> lock(arena_mutex);
  size_t b = 0;
  for (const Chunk& c : chunks) b += c.size;
  return b;
}

}  // namespace gptqt::kernels
