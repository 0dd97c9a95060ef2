// Per-ISA tile kernels of the int8 GEMM (int8_gemm_{scalar,avx2}.cpp); int8_gemm.cpp
// validates arguments, decodes the tiles, spreads them over threads and picks a
// kernel with active_isa().
#pragma once
#include <cmath>

#include "kernels/int8_gemm.h"

namespace gptqt::kernels::detail {

// Y[t][i] (i < tile.rows, row stride ldy) for every token t. Per (row, token) every
// path computes, group by group, block by block y = fma(float(Σ q·u − 128·Σ q), s·σ, y),
// then y = fma(offset, group sum, y), and last add_outlier_products: bit-identical results.
void int8_tile_gemm_scalar(const Int8Tile& tile, const Int8Activations& x, float* Y, int ldy);
void int8_tile_gemm_avx2(const Int8Tile& tile, const Int8Activations& x, float* Y, int ldy);

// Decodes columns [c0, c1) of row r (one group; c0 a multiple of 32) into row i of
// the tile: code_of[p] is the code of sign pattern p (bit j set: +α_j); each block's
// 128 · Σ codes goes to code_sum128[block][i].
void int8_decode_scalar(const BcqMatrixView& w, int r, int c0, int c1, const int8_t* code_of, Int8Tile& tile, int i);
void int8_decode_avx2(const BcqMatrixView& w, int r, int c0, int c1, const int8_t* code_of, Int8Tile& tile, int i);

// Adds token t's outliers' products to its 16 row sums y (explicit fma: no path
// may contract or reorder differently).
inline void add_outlier_products(const Int8Tile& tile, const Int8Activations& x, int t, float* y) {
  for (int o = 0; o < x.n_outliers[size_t(t)]; ++o) {
    const ActivationOutlier& out = x.token_outliers(t)[o];
    const float* s = tile.scale.data() + size_t(out.col / tile.group_cols) * kInt8TileRows;
    for (int i = 0; i < kInt8TileRows; ++i) y[i] = std::fma(out.value, s[i] * float(tile.code(i, out.col)), y[i]);
  }
}

}  // namespace gptqt::kernels::detail
