#include "model/expanded_sgemm.h"

#include <algorithm>

#include "kernels/aligned_vector.h"
#include "kernels/f32_gemm.h"

namespace gptqt {

void expanded_sgemm(int rows, int cols, const ExpandRows& expand, const float* x, int T, float* y) {
  constexpr int kTileFloats = 1 << 20;
  // One thread's share of the expansion at a time: a LUT tile (expanded_sgemm.h).
  constexpr int kChunkRows = 32;
  const int tile_rows = std::max(kChunkRows, kTileFloats / cols / kChunkRows * kChunkRows);
  // Kept between calls: a fresh 4 MiB buffer per layer costs page faults that show
  // up in prompt-processing profiles.
  thread_local kernels::AlignedVector<float> tile;
  if (tile.size() < size_t(std::min(tile_rows, rows)) * cols) tile.resize(size_t(std::min(tile_rows, rows)) * cols);
  float* buf = tile.data();  // named here: inside the parallel loop `tile` is each thread's own
  for (int r0 = 0; r0 < rows; r0 += tile_rows) {
    const int n = std::min(tile_rows, rows - r0);
#pragma omp parallel for schedule(static)
    for (int c = 0; c < n; c += kChunkRows) expand(r0 + c, r0 + std::min(n, c + kChunkRows), buf + size_t(c) * cols);
    kernels::f32_gemm_nt(T, n, cols, 1.f, x, cols, buf, cols, y + r0, rows);
  }
}

}  // namespace gptqt
