// Packed layers of random signs for the model tests.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>

#include "model/packed_linear.h"

namespace gptqt {

// 3 bits: a linear grid (α_j = α_0·2^j, the int8 GEMM's exact case) or a binary coding
// of random scales (which `auto` sends to dequantize + sgemm).
inline PackedLinear random_packed(int rows, int cols, bool linear_grid, uint32_t seed, int group_size = 32) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.01f, 0.1f);
  PackedLinear q;
  q.rows = rows, q.cols = cols, q.bits = 3, q.group_size = group_size;
  const int words = (cols + 31) / 32;
  q.planes.resize(size_t(q.bits) * rows * words);
  for (size_t i = 0; i < q.planes.size(); ++i)  // padded columns past `cols` hold 0 bits
    q.planes[i] = cols % 32 && i % words == size_t(words - 1) ? rng() & ((1u << cols % 32) - 1) : rng();
  const int groups = (cols + group_size - 1) / group_size;
  q.alpha.resize(size_t(groups) * q.bits * rows);
  q.offset.resize(size_t(groups) * rows);
  for (int g = 0; g < groups; ++g)
    for (int r = 0; r < rows; ++r) {
      const float a0 = u(rng);
      for (int j = 0; j < q.bits; ++j) q.alpha[(size_t(g) * q.bits + j) * rows + r] = linear_grid ? std::ldexp(a0, j) : u(rng);
      q.offset[size_t(g) * rows + r] = u(rng) - 0.05f;
    }
  return q;
}

}  // namespace gptqt
