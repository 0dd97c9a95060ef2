// The weight arena: aligned, usable allocations from shared chunks, each chunk given
// back when its last allocation is freed; from several threads at once.
#include "kernels/weight_arena.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cstdint>
#include <cstring>
#include <vector>

using namespace gptqt::kernels;

TEST(WeightArena, AllocationsAreAlignedUsableAndGivenBack) {
  const size_t before = weight_arena_mapped_bytes();
  std::vector<std::pair<char*, size_t>> blocks;
  for (size_t bytes : {size_t(1), size_t(100), size_t(150) << 10, size_t(800) << 10, size_t(40) << 20, size_t(3)}) {
    char* p = static_cast<char*>(weight_arena_allocate(bytes));
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes;
    std::memset(p, int(blocks.size() + 1), bytes);
    blocks.push_back({p, bytes});
  }
  EXPECT_GE(weight_arena_mapped_bytes(), before + (size_t(40) << 20));
  for (size_t i = 0; i < blocks.size(); ++i)  // no allocation overlapped another
    for (size_t j = 0; j < blocks[i].second; j += 4096)
      ASSERT_EQ(blocks[i].first[j], char(i + 1)) << "block " << i;
  for (auto [p, bytes] : blocks) weight_arena_free(p);
  EXPECT_EQ(weight_arena_mapped_bytes(), before);
  {
    WeightVector<uint16_t> v(1000, 7);
    EXPECT_EQ(v[999], 7);
  }
  EXPECT_EQ(weight_arena_mapped_bytes(), before);
}

TEST(WeightArena, ThreadsAllocateAndFreeAtOnce) {
  const size_t before = weight_arena_mapped_bytes();
  int wrong = 0;
#pragma omp parallel num_threads(4) reduction(+ : wrong)
  for (int i = 0; i < 200; ++i) {
    WeightVector<int> v(size_t(1000 + 37 * i), omp_get_thread_num());
    for (int x : v) wrong += x != omp_get_thread_num();
  }
  EXPECT_EQ(wrong, 0) << "an allocation was shared between threads";
  EXPECT_EQ(weight_arena_mapped_bytes(), before);
}
