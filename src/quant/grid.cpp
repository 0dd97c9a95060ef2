#include "quant/grid.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/error.h"
#include "quant/rounding.h"

namespace gptqt::quant {

void GroupGrid::reset(int rows, int bits, QuantRule rule, int inter_bits) {
  GPTQT_CHECK(rows > 0 && bits >= 1 && bits <= kMaxBits, "grid: bad shape rows={} bits={}", rows, bits);
  GPTQT_CHECK(rule != QuantRule::two_roundings || (inter_bits >= 1 && inter_bits <= kMaxBits),
              "grid: two roundings need 1..{} intermediate bits, got {}", kMaxBits, inter_bits);
  rows_ = rows, bits_ = bits, rule_ = rule;
  inter_bits_ = rule == QuantRule::two_roundings ? inter_bits : 0;
  const size_t n = rows, levels = size_t(1) << bits;
  alpha_.resize(bits * n);
  offset_.resize(n);
  table_.resize(n * levels);
  const bool linear_params = rule != QuantRule::nearest;
  scale_.resize(linear_params ? n : 0);
  zero_.resize(linear_params ? n : 0);
  map_.resize(rule == QuantRule::two_roundings ? n << inter_bits : 0);
  threshold_.resize(rule == QuantRule::nearest ? (levels - 1) * n : 0);
  order_.resize(rule == QuantRule::nearest ? levels * n : 0);
}

void GroupGrid::finalize_row(int row) {
  const int levels = 1 << bits_;
  float* table = &table_[size_t(row) * levels];
  for (int c = 0; c < levels; ++c) table[c] = level_value(&alpha_[row], rows_, offset_[row], bits_, c);
  if (rule_ != QuantRule::nearest) return;
  uint8_t* order = &order_[size_t(row) * levels];
  std::iota(order, order + levels, 0);
  std::sort(order, order + levels, [&](uint8_t a, uint8_t b) { return table[a] < table[b]; });
  for (int i = 0; i + 1 < levels; ++i)
    threshold_[size_t(i) * rows_ + row] = 0.5f * (table[order[i]] + table[order[i + 1]]);
}

void GroupGrid::quantize(const float* w, uint8_t* codes, float* values) const {
  const int rows = rows_;
  switch (rule_) {
    case QuantRule::linear: {
      const float maxq = float((1 << bits_) - 1);
      const float* s = scale_.data();
      const float* z = zero_.data();
#pragma omp simd
      for (int r = 0; r < rows; ++r)
        codes[r] = uint8_t(std::clamp(round_clamped(w[r] / s[r]) + z[r], 0.f, maxq));
      break;
    }
    case QuantRule::nearest: {
      // Rank of w among the sorted levels = number of midpoints below it; one pass per
      // midpoint keeps the loop over rows contiguous and vectorizable.
      const int levels = 1 << bits_;
      std::memset(codes, 0, rows);
      for (int t = 0; t + 1 < levels; ++t) {
        const float* thr = &threshold_[size_t(t) * rows];
#pragma omp simd
        for (int r = 0; r < rows; ++r) codes[r] += uint8_t(w[r] > thr[r]);
      }
      for (int r = 0; r < rows; ++r) codes[r] = order_[size_t(r) * levels + codes[r]];
      break;
    }
    case QuantRule::two_roundings: {
      const float maxq = float((1 << inter_bits_) - 1);
      const float* s = scale_.data();
      const float* z = zero_.data();
#pragma omp simd
      for (int r = 0; r < rows; ++r)
        codes[r] = uint8_t(std::clamp(round_clamped(w[r] / s[r]) + z[r], 0.f, maxq));
      for (int r = 0; r < rows; ++r) codes[r] = map_[(size_t(r) << inter_bits_) + codes[r]];
      break;
    }
  }
  for (int r = 0; r < rows; ++r) values[r] = table_[(size_t(r) << bits_) + codes[r]];
}

void GroupGrid::store(QuantizedLinear& q, int group) const {
  GPTQT_CHECK(q.rows == rows_ && q.bits == bits_ && group >= 0 && group < q.n_groups(),
              "grid: cannot store a {}-row {}-bit grid as group {} of a {}x{} {}-bit layer", rows_, bits_, group,
              q.rows, q.cols, q.bits);
  const size_t rows = rows_;
  std::memcpy(&q.alpha[size_t(group) * bits_ * rows], alpha_.data(), bits_ * rows * sizeof(float));
  std::memcpy(&q.offset[group * rows], offset_.data(), rows * sizeof(float));
  if (rule_ != QuantRule::linear) return;
  q.scale.resize(q.n_groups() * rows);
  q.zero.resize(q.n_groups() * rows);
  std::memcpy(&q.scale[group * rows], scale_.data(), rows * sizeof(float));
  std::memcpy(&q.zero[group * rows], zero_.data(), rows * sizeof(float));
}

// Below this many weights a group is fitted on one thread whatever the fitter.
constexpr long kParallelFitWeights = 16384;

void GridFitter::fit(const MatrixView& w, const float* importance, GroupGrid& grid) const {
  GPTQT_CHECK(w.rows > 0 && w.cols > 0, "grid fit: empty group {}x{}", w.rows, w.cols);
  check_group_size(w.cols);
  grid.reset(w.rows, bits(), rule(), inter_bits());
#pragma omp parallel if (fit_in_parallel() && long(w.rows) * w.cols >= kParallelFitWeights)
  {
    std::vector<float> row(w.cols);
#pragma omp for schedule(dynamic, 16)
    for (int r = 0; r < w.rows; ++r) {
      for (int c = 0; c < w.cols; ++c) row[c] = w(r, c);
      fit_row(row.data(), w.cols, importance, r, grid);
      grid.finalize_row(r);
    }
  }
}

void GridFitter::fit_group(const MatrixView& w, int begin, int end, const float* importance, GroupGrid& grid) const {
  const int sb = super_block();
  if (sb > 0 && begin % sb == 0) {
    const int sb_end = std::min(begin + sb, w.cols);
    start_super_block(w.columns(begin, sb_end), importance ? importance + begin : nullptr);
  }
  fit(w.columns(begin, end), importance ? importance + begin : nullptr, grid);
}

}  // namespace gptqt::quant
