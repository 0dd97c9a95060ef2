// Scalar int8 GEMM: the reference every SIMD path must match bit for bit.
#include <algorithm>
#include <cmath>

#include "kernels/int8_gemm_kernels.h"

namespace gptqt::kernels::detail {

namespace {

void one_tile(const Int8Tile& tile, const Int8Activations& x, float* Y, int ldy) {
  for (int t = 0; t < x.batch; ++t) {
    const int8_t* a = x.q.data() + size_t(t) * x.padded_cols;
    const float* sigma = x.scale.data() + size_t(t) * x.n_blocks;
    float y[kInt8TileRows] = {};
    for (int i = 0; i < kInt8TileRows; ++i)
      for (int g = 0; g < tile.n_groups; ++g) {
        const size_t at = size_t(g) * kInt8TileRows + i, tg = size_t(t) * x.n_groups + g;
        float z = 0.f;
        for (int b = tile.block_begin(g); b < tile.block_end(g); ++b) {
          int32_t acc = 0;
          for (int q = tile.quad_begin(b); q < tile.quad_end(b); ++q)
            for (int k = 0; k < kInt8Quad; ++k) acc += tile.code(i, q * kInt8Quad + k) * int32_t(a[q * kInt8Quad + k]);
          z = std::fma(float(acc), sigma[b], z);
        }
        z = std::fma(-float(tile.centre), x.rounded_group_sum[tg], z);
        y[i] = std::fma(tile.scale[at], z, y[i]);
        y[i] = std::fma(tile.offset[at], x.group_sum[tg], y[i]);
      }
    add_outlier_products(tile, x, t, y);
    std::copy_n(y, tile.rows, Y + size_t(t) * ldy);
  }
}

}  // namespace

void int8_tile_gemm_scalar(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy) {
  for (int k = 0; k < n; ++k) one_tile(tiles[k], x, Y + size_t(k) * kInt8TileRows, ldy);
}

}  // namespace gptqt::kernels::detail
