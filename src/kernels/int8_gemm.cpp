#include "kernels/int8_gemm.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <omp.h>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/int8_gemm_kernels.h"
#include "kernels/parallel.h"
#include "kernels/vector_sums.h"

namespace gptqt::kernels {

namespace {

// spread[b]: bit k of b moved to the lowest bit of byte k.
constexpr std::array<uint64_t, 256> make_spread() {
  std::array<uint64_t, 256> s{};
  for (int b = 0; b < 256; ++b)
    for (int k = 0; k < 8; ++k) s[size_t(b)] |= uint64_t(b >> k & 1) << (8 * k);
  return s;
}
constexpr std::array<uint64_t, 256> kSpread = make_spread();

}  // namespace

namespace detail {

void int8_decode_scalar(const BcqMatrixView& w, int r, int c0, int c1, const uint8_t* code_of, Int8Tile& tile, int i) {
  for (int c = c0; c < c1; c += 8) {  // eight columns at a time: byte c/8 of each plane, spread
    uint64_t patterns = 0;
    for (int j = 0; j < w.bits; ++j) patterns |= kSpread[w.plane_row(j, r)[c / 32] >> (c % 32) & 0xFF] << j;
    for (int k = 0; k < 8 && c + k < c1; ++k)
      tile.codes[(size_t((c + k) / kInt8Quad) * kInt8TileRows + i) * kInt8Quad + (c + k) % kInt8Quad] =
          code_of[patterns >> (8 * k) & 0xF];
  }
}

void int8_quantize_blocks_scalar(const float* x, int cols, int8_t* q, float* scale, int32_t* block_sum) {
  for (int b = 0; b * kInt8BlockCols < cols; ++b) {
    const int c0 = b * kInt8BlockCols, c1 = std::min(cols, c0 + kInt8BlockCols);
    const float m = max_abs8(x + c0, c1 - c0);
    const float inv = m > 0.f ? 127.f / m : 0.f;
    scale[b] = m / 127.f;
    int32_t sum = 0;
    for (int c = c0; c < c1; ++c) {
      q[c] = int8_t(std::clamp(std::nearbyint(x[c] * inv), -127.f, 127.f));  // ties to even
      sum += q[c];
    }
    block_sum[b] = sum;
  }
}

}  // namespace detail

namespace {

// Whether every (group, row) of rows [r0, r0 + rows) is a linear grid: α_j = α_0 · 2^j
// exactly, as the quantizers write them (quant/linear_grid.cpp, ggml_grid.cpp,
// kquant_grid.cpp).
bool rows_are_linear_grids(const BcqMatrixView& w, int r0, int rows) {
  for (int g = 0; g < w.shape().n_groups(); ++g)
    for (int r = r0; r < r0 + rows; ++r)
      for (int j = 1; j < w.bits; ++j)
        if (w.alpha_at(g, j, r) != std::ldexp(w.alpha_at(g, 0, r), j)) return false;
  return true;
}

}  // namespace

bool int8_gemm_is_exact(const BcqMatrixView& w) {
  w.check();
  return rows_are_linear_grids(w, 0, w.rows);
}

void decode_int8_tile(const BcqMatrixView& w, int r0, Int8Tile& tile) {
  const QuantShape s = w.shape();
  tile.rows = std::min(kInt8TileRows, w.rows - r0);
  tile.cols = w.cols;
  tile.group_cols = s.group_cols();
  tile.n_groups = s.n_groups();
  tile.quads = (w.cols + kInt8Quad - 1) / kInt8Quad;
  tile.n_blocks = (w.cols + kInt8BlockCols - 1) / kInt8BlockCols;
  tile.narrow = rows_are_linear_grids(w, r0, tile.rows);
  tile.centre = tile.narrow ? 1 << (w.bits - 1) : kInt8BcqCentre;
  tile.codes.assign(size_t(tile.quads) * kInt8TileRows * kInt8Quad, 0);
  tile.scale.assign(size_t(tile.n_groups) * kInt8TileRows, 0.f);
  tile.offset.assign(size_t(tile.n_groups) * kInt8TileRows, 0.f);
  const int levels = 1 << w.bits;
  const auto decode = active_isa() >= Isa::avx2 ? detail::int8_decode_avx2 : detail::int8_decode_scalar;
  for (int i = 0; i < tile.rows; ++i) {
    const int r = r0 + i;
    for (int g = 0; g < tile.n_groups; ++g) {
      const size_t at = size_t(g) * kInt8TileRows + i;
      uint8_t code_of[16] = {};  // by sign pattern: bit j set = +α_j
      if (tile.narrow) {  // the pattern is the code: ŵ = offset − α_0 (2^bits − 1) + 2α_0 · q
        for (int p = 0; p < levels; ++p) code_of[p] = uint8_t(p);
        tile.scale[at] = 2.f * w.alpha_at(g, 0, r);
        tile.offset[at] = w.offset_at(g, r) + w.alpha_at(g, 0, r);
      } else {
        float a = 0.f;
        for (int j = 0; j < w.bits; ++j) a += std::fabs(w.alpha_at(g, j, r));
        const float step = a / float(kInt8BcqCentre);
        for (int p = 0; p < levels; ++p) {
          float v = 0.f;
          for (int j = 0; j < w.bits; ++j) v += (p >> j & 1) ? w.alpha_at(g, j, r) : -w.alpha_at(g, j, r);
          const int q = step > 0.f ? int(std::nearbyint(v / step)) : 0;
          code_of[p] = uint8_t(kInt8BcqCentre + std::clamp(q, -kInt8BcqCentre, kInt8BcqCentre));
        }
        tile.scale[at] = step;
        tile.offset[at] = w.offset_at(g, r);
      }
      decode(w, r, s.group_begin(g), s.group_end(g), code_of, tile, i);
    }
  }
}

namespace {

void quantize_token(const float* X, Int8Activations& out, int t) {
  thread_local std::vector<float> x;
  x.assign(X, X + out.cols);
  for (int g = 0; g < out.n_groups; ++g) {
    const int c0 = g * out.group_cols, c1 = std::min(out.cols, c0 + out.group_cols);
    out.group_sum[size_t(t) * out.n_groups + g] = sum8(x.data() + c0, c1 - c0);
  }
  out.n_outliers[size_t(t)] = extract_outliers(x.data(), out.cols, out.outliers.data() + size_t(t) * kMaxOutliers);
  float* sigma = out.scale.data() + size_t(t) * out.n_blocks;
  thread_local std::vector<int32_t> block_sum;
  block_sum.resize(size_t(out.n_blocks));
  const auto blocks = active_isa() >= Isa::avx2 ? detail::int8_quantize_blocks_avx2 : detail::int8_quantize_blocks_scalar;
  blocks(x.data(), out.cols, out.q.data() + size_t(t) * out.padded_cols, sigma, block_sum.data());
  for (int g = 0; g < out.n_groups; ++g) {
    const int b0 = g * out.group_cols / kInt8BlockCols;
    const int b1 = (std::min(out.cols, (g + 1) * out.group_cols) + kInt8BlockCols - 1) / kInt8BlockCols;
    float r = 0.f;
    for (int b = b0; b < b1; ++b) r = std::fma(sigma[b], float(block_sum[size_t(b)]), r);
    out.rounded_group_sum[size_t(t) * out.n_groups + g] = r;
  }
}

}  // namespace

void quantize_activations(const float* X, int batch, int cols, int group_cols, Int8Activations& out) {
  GPTQT_CHECK(X && batch >= 1 && cols >= 1 && group_cols >= 1, "int8 activations: bad shape {}x{}, groups of {}",
              batch, cols, group_cols);
  out.batch = batch;
  out.cols = cols;
  out.padded_cols = (cols + kInt8Quad - 1) / kInt8Quad * kInt8Quad;
  out.group_cols = group_cols;
  out.n_groups = (cols + group_cols - 1) / group_cols;
  out.n_blocks = (cols + kInt8BlockCols - 1) / kInt8BlockCols;
  out.q.assign(size_t(batch) * out.padded_cols, 0);
  out.scale.resize(size_t(batch) * out.n_blocks);
  out.rounded_group_sum.resize(size_t(batch) * out.n_groups);
  out.group_sum.resize(size_t(batch) * out.n_groups);
  out.outliers.resize(size_t(batch) * kMaxOutliers);
  out.n_outliers.resize(size_t(batch));
  if (batch > 1 && worth_threads(int64_t(batch) * cols)) {
#pragma omp parallel for schedule(static)
    for (int t = 0; t < batch; ++t) quantize_token(X + int64_t(t) * cols, out, t);
  } else {
    for (int t = 0; t < batch; ++t) quantize_token(X + int64_t(t) * cols, out, t);
  }
}

namespace {

// The tiles of checked weights, decoded from their sign planes.
Int8TileSource plane_tiles(const BcqMatrixView& w) {
  w.check();
  return [w](int r0, Int8Tile& tile) { decode_int8_tile(w, r0, tile); };
}

}  // namespace

void int8_gemm(const BcqMatrixView& w, const Int8Activations& x, float* Y) { int8_gemm(w.shape(), plane_tiles(w), x, Y); }

void int8_gemm(const QuantShape& shape, const Int8TileSource& decode, const float* X, int batch, float* Y) {
  thread_local Int8Activations scratch;
  quantize_activations(X, batch, shape.cols, shape.group_cols(), scratch);
  int8_gemm(shape, decode, scratch, Y);
}

void int8_gemm(const QuantShape& shape, const Int8TileSource& decode, const Int8Activations& x, float* Y) {
  GPTQT_CHECK(x.batch >= 1 && x.cols == shape.cols && x.group_cols == shape.group_cols(),
              "int8_gemm: activations for {} columns in groups of {} do not fit weights {}x{} in groups of {}", x.cols,
              x.group_cols, shape.rows, shape.cols, shape.group_cols());
  const auto kernel = active_isa() >= Isa::avx512 ? (avx512_vnni_active() ? detail::int8_tile_gemm_avx512vnni
                                                                          : detail::int8_tile_gemm_avx512)
                      : active_isa() >= Isa::avx2 ? (avx_vnni_active() ? detail::int8_tile_gemm_avxvnni
                                                                       : detail::int8_tile_gemm_avx2)
                                                  : detail::int8_tile_gemm_scalar;
  const int tiles = (shape.rows + kInt8TileRows - 1) / kInt8TileRows;
  // Tiles [t0, t1): decoded a run at a time, as many as keep their codes in L2, so
  // that each token's activations, loaded once into L1, serve every tile of the run.
  const int run_tiles = std::clamp(kInt8RunCodeBytes / (kInt8TileRows * shape.cols), 1, tiles);
  auto run = [&](int t0, int t1) {
    thread_local std::vector<Int8Tile> decoded;
    if (decoded.size() < size_t(run_tiles)) decoded.resize(size_t(run_tiles));
    for (int r = t0; r < t1; r += run_tiles) {
      const int n = std::min(run_tiles, t1 - r);
      for (int i = 0; i < n; ++i) decode((r + i) * kInt8TileRows, decoded[size_t(i)]);
      kernel(decoded.data(), n, x, Y + size_t(r) * kInt8TileRows, shape.rows);
    }
  };
  if (tiles > 1 && worth_threads(int64_t(shape.rows) * shape.cols / 8 * x.batch)) {
#pragma omp parallel
    {  // an even share of the tiles per thread, then runs within it
      const int k = omp_get_thread_num(), n = omp_get_num_threads();
      run(int(int64_t(tiles) * k / n), int(int64_t(tiles) * (k + 1) / n));
    }
  } else {
    run(0, tiles);
  }
}

void int8_gemm(const BcqMatrixView& w, const float* X, int batch, float* Y) {
  int8_gemm(w.shape(), plane_tiles(w), X, batch, Y);
}

}  // namespace gptqt::kernels
