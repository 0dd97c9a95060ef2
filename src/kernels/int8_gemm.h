// Integer GEMM for batches (prompt processing, perplexity windows): Y = X · Ŵᵀ from
// binary-coded weights (bcq_matrix.h), multiplied as int8 codes × uint8 activations
// → int32 (AVX2: maddubs + madd) and scaled back to fp32 once per group.
//
// Weights are decoded a tile of 16 rows at a time, when the product runs, so the
// model is held once (packed). Per (group g, row r) the levels v = Σ_j α_j s_j lie
// in [−A, A], A = Σ_j |α_j|, and become codes q = round(v / s), s = A / 64:
// q ∈ [−64, 64] and |s·q − v| ≤ s/2 = A/128. 64 (not 127) keeps maddubs' pair sums
// (two products of a uint8 and a code) within int16: 2 · 255 · 64 = 32,640. The
// offset stays in fp32 and multiplies the group's exact fp32 input sum.
//
// Activations: per token the outliers are taken out (activation_outliers.h), then
// per block b of 32 columns u = round(x / σ) + 128 ∈ [1, 255] with σ = max|x| / 127
// over the block, so |σ·(u − 128) − x| ≤ σ/2 (one scale per token cost SmolLM2 1.2%
// of perplexity; per block, as llama.cpp's Q8_0, much less: docs/performance.md).
// The 128 comes back out through the codes' block sums:
//
//   y[t][r] = Σ_g ( Σ_{b∈g} s[g][r] · σ[t][b] · (Σ_{c∈b} q[r][c] · u[t][c] − 128 · Σ_{c∈b} q[r][c])
//                   + offset[g][r] · Σ_{c∈g} x[t][c] )
//           + Σ_{outliers o} x[t][o] · s[g(o)][r] · q[r][o]
//
// Tile layout: per quad of 4 columns, 16 rows × 4 codes = 64 bytes (rows 0-7 then
// 8-15), so one 256-bit load times one broadcast quad of a token's activations
// gives 8 rows' partial sums with no horizontal reduction.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/activation_outliers.h"
#include "kernels/aligned_vector.h"
#include "kernels/bcq_matrix.h"

namespace gptqt::kernels {

inline constexpr int kInt8CodeMax = 64;  // codes in [−64, 64]
inline constexpr int kInt8TileRows = 16;
inline constexpr int kInt8Quad = 4;  // columns per interleaved quad
inline constexpr int kInt8BlockCols = 32;  // columns per activation scale (groups are multiples of 32)

// 16 rows of a matrix decoded as above; rows past the matrix's end are zero.
struct Int8Tile {
  int rows = 0;  // valid rows, 1..16
  int cols = 0, group_cols = 0, n_groups = 0, quads = 0, n_blocks = 0;
  AlignedVector<int8_t> codes;        // [quads][16][4]
  std::vector<float> scale, offset;   // [n_groups][16]: s and the offset
  std::vector<int32_t> code_sum128;   // [n_blocks][16]: 128 · Σ q over the block

  int8_t code(int row, int col) const { return codes[(size_t(col / kInt8Quad) * kInt8TileRows + row) * kInt8Quad + col % kInt8Quad]; }
  // Group g's blocks, and block b's quads.
  int block_begin(int g) const { return g * group_cols / kInt8BlockCols; }
  int block_end(int g) const {
    const int e = (g + 1) * group_cols;
    return ((e < cols ? e : cols) + kInt8BlockCols - 1) / kInt8BlockCols;
  }
  int quad_begin(int b) const { return b * (kInt8BlockCols / kInt8Quad); }
  int quad_end(int b) const { return std::min(quads, (b + 1) * (kInt8BlockCols / kInt8Quad)); }
};

// Rows r0 .. r0+15 (those that exist) of checked weights.
void decode_int8_tile(const BcqMatrixView& w, int r0, Int8Tile& tile);

struct Int8Activations {
  int batch = 0, cols = 0, padded_cols = 0, group_cols = 0, n_groups = 0, n_blocks = 0;
  AlignedVector<uint8_t> u;       // [batch][padded_cols]; outliers and padding 128 (= 0)
  std::vector<float> scale;       // [batch][n_blocks]: σ
  std::vector<float> group_sum;   // [batch][n_groups], Σ x over the group (outliers included), fp32
  std::vector<ActivationOutlier> outliers;  // [batch][kMaxOutliers]
  std::vector<int> n_outliers;    // [batch]

  const ActivationOutlier* token_outliers(int t) const { return outliers.data() + size_t(t) * kMaxOutliers; }
};

// Quantizes X (batch × cols, row-major) for weights in groups of `group_cols`.
void quantize_activations(const float* X, int batch, int cols, int group_cols, Int8Activations& out);

// Y (batch × rows, row-major) = X · Ŵᵀ as above, threaded over tiles when the layer
// is large enough; every ISA path gives bit-identical results.
void int8_gemm(const BcqMatrixView& w, const Int8Activations& x, float* Y);
void int8_gemm(const BcqMatrixView& w, const float* X, int batch, float* Y);

}  // namespace gptqt::kernels
