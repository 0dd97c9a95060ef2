// Integer GEMM for batches (prompt processing, perplexity windows): Y = X · Ŵᵀ from
// binary-coded weights (bcq_matrix.h), multiplied as uint8 codes × int8 activations
// → int32 (AVX2: maddubs) and scaled back to fp32 once per 32-column block.
//
// Weights are decoded a tile of 32 rows at a time, when the product runs, so the
// model is held once (packed): from the sign planes, or from a LUT layer's records
// through an Int8TileSource (lut_tile_matrix rebuilds the tile's planes).
//
// Per (group g, row r) every level is written ŵ = m + s·(q − c), q ∈ [0, 2c], in one
// of two ways, chosen per tile:
//
// - Linear grids (RTN, GPTQ, llama.cpp's grids: α_j = α_0·2^j exactly): q is the
//   sign pattern itself (bit j of q set = +α_j), s = 2α_0, c = 2^(bits−1) and
//   m = offset + α_0. Exact: no rounding of the weights at all. Codes ≤ 15 let
//   maddubs' int16 pair sums add up over a whole block before widening:
//   8 quads · 2 · 15 · 127 = 30,480 < 2^15 ("narrow" tiles).
// - Any other binary coding (BCQ, GPTQT): the levels v = Σ_j α_j s_j lie in
//   [−A, A], A = Σ_j |α_j|; q = round(v / s) + 64, s = A / 64, c = 64, m = offset,
//   so |s·(q − c) − v| ≤ s/2 = A/128. q ≤ 128 keeps one maddubs pair within int16
//   (2 · 128 · 127 = 32,512); such tiles widen to int32 after every quad.
//
// Activations: per token the outliers are taken out (activation_outliers.h), then
// per block b of 32 columns x8 = round(x / σ) ∈ [−127, 127], σ = max|x| / 127 over
// the block (llama.cpp's Q8_0), so |σ·x8 − x| ≤ σ/2. The int32 block sums are
// scaled by σ and added up over the group in fp32; the centre c comes back out
// through the group's sum of the rounded activations R = Σ_{b∈g} σ_b · Σ_{c∈b} x8,
// and m multiplies the group's exact fp32 input sum:
//
//   y[t][r] = Σ_g ( s[g][r] · (Σ_{b∈g} σ[t][b] · Σ_{c∈b} q[r][c] · x8[t][c]  −  c · R[t][g])
//                   + m[g][r] · Σ_{c∈g} x[t][c] )
//           + Σ_{outliers o} x[t][o] · s[g(o)][r] · (q[r][o] − c)
//
// (c·R is the centre's share of the first sum, so the difference is the centred
// product; in fp32 it costs a few ulps of the uncentred sum, far below the int8
// rounding.)
//
// Tile layout: per quad of 4 columns, 32 rows × 4 codes = 128 bytes (rows 0-7, 8-15,
// ...), so one 256-bit load times one broadcast quad of a token's activations
// gives 8 rows' partial sums with no horizontal reduction.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/activation_outliers.h"
#include "kernels/aligned_vector.h"
#include "kernels/bcq_matrix.h"

namespace gptqt::kernels {

inline constexpr int kInt8BcqCentre = 64;  // BCQ codes in [0, 128]
inline constexpr int kInt8NarrowCodeMax = 15;  // linear grids up to 4 bits
inline constexpr int kInt8TileRows = 32;
inline constexpr int kInt8Quad = 4;  // columns per interleaved quad
inline constexpr int kInt8BlockCols = 32;  // columns per activation scale (groups are multiples of 32)
inline constexpr int kInt8RunCodeBytes = 192 << 10;  // codes decoded ahead per thread: L2, with room
// A narrow tile's int16 pair sums over a whole block cannot overflow (the bound above).
static_assert(kInt8BlockCols / kInt8Quad * 2 * kInt8NarrowCodeMax * 127 < (1 << 15));

// 32 rows of a matrix decoded as above; rows past the matrix's end are zero.
struct Int8Tile {
  int rows = 0;  // valid rows, 1..32
  int cols = 0, group_cols = 0, n_groups = 0, quads = 0, n_blocks = 0;
  bool narrow = false;  // a linear grid: codes ≤ 15, int16 sums over a whole block
  int centre = 0;       // c
  AlignedVector<uint8_t> codes;       // [quads][32][4]
  std::vector<float> scale, offset;   // [n_groups][32]: s and m

  int code(int row, int col) const { return codes[(size_t(col / kInt8Quad) * kInt8TileRows + row) * kInt8Quad + col % kInt8Quad]; }
  // Group g's blocks, and block b's quads.
  int block_begin(int g) const { return g * group_cols / kInt8BlockCols; }
  int block_end(int g) const {
    const int e = (g + 1) * group_cols;
    return ((e < cols ? e : cols) + kInt8BlockCols - 1) / kInt8BlockCols;
  }
  int quad_begin(int b) const { return b * (kInt8BlockCols / kInt8Quad); }
  int quad_end(int b) const { return std::min(quads, (b + 1) * (kInt8BlockCols / kInt8Quad)); }
};

// Whether every group of every row is a linear grid, which the int8 GEMM multiplies
// exactly (only the activations are rounded).
bool int8_gemm_is_exact(const BcqMatrixView& w);

// Rows r0 .. r0+31 (those that exist) of checked weights.
void decode_int8_tile(const BcqMatrixView& w, int r0, Int8Tile& tile);

struct Int8Activations {
  int batch = 0, cols = 0, padded_cols = 0, group_cols = 0, n_groups = 0, n_blocks = 0;
  AlignedVector<int8_t> q;         // [batch][padded_cols]; outliers and padding 0
  std::vector<float> scale;        // [batch][n_blocks]: σ
  std::vector<float> rounded_group_sum;  // [batch][n_groups]: R above
  std::vector<float> group_sum;    // [batch][n_groups], Σ x over the group (outliers included), fp32
  std::vector<ActivationOutlier> outliers;  // [batch][kMaxOutliers]
  std::vector<int> n_outliers;     // [batch]

  const ActivationOutlier* token_outliers(int t) const { return outliers.data() + size_t(t) * kMaxOutliers; }
};

// Quantizes X (batch × cols, row-major) for weights in groups of `group_cols`,
// threaded over tokens when the batch is large enough.
void quantize_activations(const float* X, int batch, int cols, int group_cols, Int8Activations& out);

// Y (batch × rows, row-major) = X · Ŵᵀ as above, threaded over tiles when the layer
// is large enough; every ISA path gives bit-identical results.
void int8_gemm(const BcqMatrixView& w, const Int8Activations& x, float* Y);
// The same for weights of `shape` held in another layout: decode(r0, tile) fills the
// tile of rows r0 .. r0+31 as decode_int8_tile does (called concurrently on distinct
// tiles).
using Int8TileSource = std::function<void(int r0, Int8Tile& tile)>;
void int8_gemm(const QuantShape& shape, const Int8TileSource& decode, const Int8Activations& x, float* Y);
// From fp32 inputs X (batch × cols), quantized into this thread's scratch.
void int8_gemm(const BcqMatrixView& w, const float* X, int batch, float* Y);
void int8_gemm(const QuantShape& shape, const Int8TileSource& decode, const float* X, int batch, float* Y);

}  // namespace gptqt::kernels
