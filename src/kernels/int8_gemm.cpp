#include "kernels/int8_gemm.h"

#include <algorithm>
#include <array>
#include <cmath>

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

void int8_decode_scalar(const BcqMatrixView& w, int r, int c0, int c1, const int8_t* code_of, Int8Tile& tile, int i) {
  for (int c = c0; c < c1; c += 8) {  // eight columns at a time: byte c/8 of each plane, spread
    uint64_t patterns = 0;
    for (int j = 0; j < w.bits; ++j) patterns |= kSpread[w.plane_row(j, r)[c / 32] >> (c % 32) & 0xFF] << j;
    int32_t sum = 0;
    for (int k = 0; k < 8 && c + k < c1; ++k) {
      const int8_t q = code_of[patterns >> (8 * k) & 0xF];
      tile.codes[(size_t((c + k) / kInt8Quad) * kInt8TileRows + i) * kInt8Quad + (c + k) % kInt8Quad] = q;
      sum += q;
    }
    tile.code_sum128[size_t(c / kInt8BlockCols) * kInt8TileRows + i] += 128 * sum;
  }
}

}  // namespace detail

void decode_int8_tile(const BcqMatrixView& w, int r0, Int8Tile& tile) {
  const QuantShape s = w.shape();
  tile.rows = std::min(kInt8TileRows, w.rows - r0);
  tile.cols = w.cols;
  tile.group_cols = s.group_cols();
  tile.n_groups = s.n_groups();
  tile.quads = (w.cols + kInt8Quad - 1) / kInt8Quad;
  tile.n_blocks = (w.cols + kInt8BlockCols - 1) / kInt8BlockCols;
  tile.codes.assign(size_t(tile.quads) * kInt8TileRows * kInt8Quad, 0);
  tile.scale.assign(size_t(tile.n_groups) * kInt8TileRows, 0.f);
  tile.offset.assign(size_t(tile.n_groups) * kInt8TileRows, 0.f);
  tile.code_sum128.assign(size_t(tile.n_blocks) * kInt8TileRows, 0);
  const int levels = 1 << w.bits;
  const auto decode = active_isa() >= Isa::avx2 ? detail::int8_decode_avx2 : detail::int8_decode_scalar;
  for (int i = 0; i < tile.rows; ++i) {
    const int r = r0 + i;
    for (int g = 0; g < tile.n_groups; ++g) {
      float a = 0.f;
      for (int j = 0; j < w.bits; ++j) a += std::fabs(w.alpha_at(g, j, r));
      const float step = a / float(kInt8CodeMax);
      int8_t code_of[16] = {};  // by sign pattern: bit j set = +α_j
      for (int p = 0; p < levels && step > 0.f; ++p) {
        float v = 0.f;
        for (int j = 0; j < w.bits; ++j) v += (p >> j & 1) ? w.alpha_at(g, j, r) : -w.alpha_at(g, j, r);
        code_of[p] = int8_t(std::clamp(int(std::nearbyint(v / step)), -kInt8CodeMax, kInt8CodeMax));
      }
      const size_t at = size_t(g) * kInt8TileRows + i;
      tile.scale[at] = step;
      tile.offset[at] = w.offset_at(g, r);
      decode(w, r, s.group_begin(g), s.group_end(g), code_of, tile, i);
    }
  }
}

void quantize_activations(const float* X, int batch, int cols, int group_cols, Int8Activations& out) {
  GPTQT_CHECK(X && batch >= 1 && cols >= 1 && group_cols >= 1, "int8 activations: bad shape {}x{}, groups of {}",
              batch, cols, group_cols);
  out.batch = batch;
  out.cols = cols;
  out.padded_cols = (cols + kInt8Quad - 1) / kInt8Quad * kInt8Quad;
  out.group_cols = group_cols;
  out.n_groups = (cols + group_cols - 1) / group_cols;
  out.n_blocks = (cols + kInt8BlockCols - 1) / kInt8BlockCols;
  out.u.assign(size_t(batch) * out.padded_cols, 128);
  out.scale.resize(size_t(batch) * out.n_blocks);
  out.group_sum.resize(size_t(batch) * out.n_groups);
  out.outliers.resize(size_t(batch) * kMaxOutliers);
  out.n_outliers.resize(size_t(batch));
  thread_local std::vector<float> x;
  for (int t = 0; t < batch; ++t) {
    x.assign(X + int64_t(t) * cols, X + int64_t(t + 1) * cols);
    for (int g = 0; g < out.n_groups; ++g) {
      const int c0 = g * group_cols, c1 = std::min(cols, c0 + group_cols);
      out.group_sum[size_t(t) * out.n_groups + g] = sum8(x.data() + c0, c1 - c0);
    }
    out.n_outliers[size_t(t)] = extract_outliers(x.data(), cols, out.outliers.data() + size_t(t) * kMaxOutliers);
    uint8_t* u = out.u.data() + size_t(t) * out.padded_cols;
    for (int b = 0; b < out.n_blocks; ++b) {
      const int c0 = b * kInt8BlockCols, c1 = std::min(cols, c0 + kInt8BlockCols);
      const float m = max_abs8(x.data() + c0, c1 - c0);
      const float inv = m > 0.f ? 127.f / m : 0.f;
      out.scale[size_t(t) * out.n_blocks + b] = m / 127.f;
      // x·inv is within ±127 (+ rounding), where adding and taking away 1.5·2^23
      // rounds to the nearest integer, ties to even, in a loop the compiler vectorizes.
      for (int c = c0; c < c1; ++c) {
        const float r = (x[size_t(c)] * inv + 12582912.f) - 12582912.f;
        u[c] = uint8_t(128 + int(std::min(127.f, std::max(-127.f, r))));
      }
    }
  }
}

void int8_gemm(const BcqMatrixView& w, const Int8Activations& x, float* Y) {
  w.check();
  GPTQT_CHECK(x.batch >= 1 && x.cols == w.cols && x.group_cols == w.shape().group_cols(),
              "int8_gemm: activations for {} columns in groups of {} do not fit weights {}x{} in groups of {}", x.cols,
              x.group_cols, w.rows, w.cols, w.shape().group_cols());
  const auto kernel = active_isa() >= Isa::avx2 ? detail::int8_tile_gemm_avx2 : detail::int8_tile_gemm_scalar;
  const int tiles = (w.rows + kInt8TileRows - 1) / kInt8TileRows;
  auto run = [&](int i) {
    thread_local Int8Tile tile;
    decode_int8_tile(w, i * kInt8TileRows, tile);
    kernel(tile, x, Y + size_t(i) * kInt8TileRows, w.rows);
  };
  if (tiles > 1 && worth_threads(int64_t(w.rows) * w.cols / 8 * x.batch)) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < tiles; ++i) run(i);
  } else {
    for (int i = 0; i < tiles; ++i) run(i);
  }
}

void int8_gemm(const BcqMatrixView& w, const float* X, int batch, float* Y) {
  thread_local Int8Activations scratch;
  quantize_activations(X, batch, w.cols, w.shape().group_cols(), scratch);
  int8_gemm(w, scratch, Y);
}

}  // namespace gptqt::kernels
