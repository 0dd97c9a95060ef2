// Per-ISA tile kernels of the int8 GEMM (int8_gemm_{scalar,avx2}.cpp); int8_gemm.cpp
// validates arguments, decodes the tiles, spreads them over threads and picks a
// kernel with active_isa().
#pragma once
#include <cmath>

#include "kernels/int8_gemm.h"

namespace gptqt::kernels::detail {

// Y[t][32·k + i] (i < tiles[k].rows, row stride ldy) for every token t and each of
// n tiles. Per (row, token) every path computes, group by group: z = 0; block by
// block z = fma(float(Σ q·x8), σ, z); then z = fma(−c, R, z), y = fma(s, z, y),
// y = fma(m, group sum, y); and last add_outlier_products: bit-identical results
// (the integer sums are exact: int8_gemm.h bounds them).
void int8_tile_gemm_scalar(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy);
void int8_tile_gemm_avx2(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy);
void int8_tile_gemm_avxvnni(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy);
void int8_tile_gemm_avx512(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy);
void int8_tile_gemm_avx512vnni(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy);

// Decodes columns [c0, c1) of row r (one group; c0 a multiple of 32) into row i of
// the tile: code_of[p] is the code of sign pattern p (bit j set: +α_j).
void int8_decode_scalar(const BcqMatrixView& w, int r, int c0, int c1, const uint8_t* code_of, Int8Tile& tile, int i);
void int8_decode_avx2(const BcqMatrixView& w, int r, int c0, int c1, const uint8_t* code_of, Int8Tile& tile, int i);

// One token's activations, outliers already taken out, block by block: q[c], the
// block's σ (scale[b]) and Σ q (block_sum[b]). x·(127/max) rounded to nearest,
// ties to even, on every path.
void int8_quantize_blocks_scalar(const float* x, int cols, int8_t* q, float* scale, int32_t* block_sum);
void int8_quantize_blocks_avx2(const float* x, int cols, int8_t* q, float* scale, int32_t* block_sum);

// Adds token t's outliers' products to its 32 row sums y (explicit fma: no path
// may contract or reorder differently).
inline void add_outlier_products(const Int8Tile& tile, const Int8Activations& x, int t, float* y) {
  for (int o = 0; o < x.n_outliers[size_t(t)]; ++o) {
    const ActivationOutlier& out = x.token_outliers(t)[o];
    const float* s = tile.scale.data() + size_t(out.col / tile.group_cols) * kInt8TileRows;
    for (int i = 0; i < kInt8TileRows; ++i)
      y[i] = std::fma(out.value, s[i] * float(tile.code(i, out.col) - tile.centre), y[i]);
  }
}

}  // namespace gptqt::kernels::detail
