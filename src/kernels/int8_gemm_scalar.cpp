// Scalar int8 GEMM: the reference every SIMD path must match bit for bit.
#include <algorithm>
#include <cmath>

#include "kernels/int8_gemm_kernels.h"

namespace gptqt::kernels::detail {

void int8_tile_gemm_scalar(const Int8Tile& tile, const Int8Activations& x, float* Y, int ldy) {
  for (int t = 0; t < x.batch; ++t) {
    const uint8_t* u = x.u.data() + size_t(t) * x.padded_cols;
    float y[kInt8TileRows] = {};
    const float* sigma = x.scale.data() + size_t(t) * x.n_blocks;
    for (int i = 0; i < kInt8TileRows; ++i)
      for (int g = 0; g < tile.n_groups; ++g) {
        const size_t at = size_t(g) * kInt8TileRows + i;
        for (int b = tile.block_begin(g); b < tile.block_end(g); ++b) {
          int32_t acc = 0;
          for (int q = tile.quad_begin(b); q < tile.quad_end(b); ++q)
            for (int k = 0; k < kInt8Quad; ++k)
              acc += int32_t(tile.code(i, q * kInt8Quad + k)) * int32_t(u[q * kInt8Quad + k]);
          y[i] = std::fma(float(acc - tile.code_sum128[size_t(b) * kInt8TileRows + i]), tile.scale[at] * sigma[b], y[i]);
        }
        y[i] = std::fma(tile.offset[at], x.group_sum[size_t(t) * x.n_groups + g], y[i]);
      }
    add_outlier_products(tile, x, t, y);
    std::copy_n(y, tile.rows, Y + size_t(t) * ldy);
  }
}

}  // namespace gptqt::kernels::detail
