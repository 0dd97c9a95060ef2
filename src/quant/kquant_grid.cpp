#include "quant/kquant_grid.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/half.h"
#include "quant/block_fit.h"
#include "quant/linear_grid.h"
#include "quant/rounding.h"

namespace gptqt::quant {

namespace {

constexpr float kSmallestF16 = 5.9604645e-8f;  // 2^-24: d of a super-block of zeros

int round_to_int(double x) { return int(std::lround(x)); }

// The sub-block's best float scale (signed: the sign orients the grid's longer side) for a type without a minimum.
float signed_scale(const KQuantGrid& g, const float* w, int n, const float* imp, bool search) {
  const LinearParams p = fit_zero_point(g.zero, false, w, n, imp, search, keep_float);
  return p.zero == float(g.zero) ? p.scale : -p.scale;
}

// A nonzero d: fp16, at least the smallest subnormal in magnitude.
float fp16_scale(float d) {
  const float h = round_to_f16(d);
  return std::abs(h) >= kSmallestF16 ? h : std::copysign(kSmallestF16, d == 0 ? 1.f : d);
}

}  // namespace

KQuantFitter::KQuantFitter(GgmlType type, bool search) : type_(type), grid_(kquant_grid(type)), search_(search) {}

std::string KQuantFitter::describe() const {
  return fmt::format("ggml {}{}", ggml_type_name(uint32_t(type_)), search_ ? " (weighted scale search)" : "");
}

void KQuantFitter::check_group_size(int n) const {
  GPTQT_CHECK(n == grid_.sub_block, "{} holds sub-blocks of {} weights, not {}", ggml_type_name(uint32_t(type_)),
              grid_.sub_block, n);
}

void KQuantFitter::start_super_block(const MatrixView& w, const float* importance) const {
  GPTQT_CHECK(w.cols == kGgmlSuperBlock, "{}: rows must be whole super-blocks of {} weights",
              ggml_type_name(uint32_t(type_)), kGgmlSuperBlock);
  d_.resize(size_t(w.rows));
  dmin_.resize(size_t(w.rows));
  const KQuantGrid& g = grid_;
  const int maxq = (1 << g.bits) - 1;
#pragma omp parallel
  {
    std::vector<float> row(kGgmlSuperBlock);
#pragma omp for schedule(dynamic, 16)
    for (int r = 0; r < w.rows; ++r) {
      for (int c = 0; c < kGgmlSuperBlock; ++c) row[c] = w(r, c);
      // The scale of largest magnitude goes on the extreme integer (the longer side's for
      // signed scales), so every sub-block's fits within sc's range.
      float s_ext = 0, ml_ext = 0;
      for (int j = 0; j < g.sub_blocks(); ++j) {
        const float* x = &row[size_t(j) * g.sub_block];
        const float* imp = importance ? importance + j * g.sub_block : nullptr;
        if (g.has_min) {
          const auto [s, mn] = fit_with_min(maxq, x, g.sub_block, imp, search_, keep_float);
          s_ext = std::max(s_ext, s);
          if (std::abs(mn) > std::abs(ml_ext)) ml_ext = -mn;
        } else {
          const float s = signed_scale(g, x, g.sub_block, imp, search_);
          if (std::abs(s) > std::abs(s_ext)) s_ext = s;
        }
      }
      d_[size_t(r)] = fp16_scale(g.has_min ? s_ext / float(g.sc_hi) : s_ext / float(g.sc_lo));
      dmin_[size_t(r)] = g.has_min ? round_to_f16(ml_ext / float(g.m_hi)) : 0.f;
    }
  }
}

void KQuantFitter::fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const {
  const KQuantGrid& g = grid_;
  GPTQT_CHECK(size_t(row) < d_.size(), "internal: a k-quant group fitted before its super-block");
  const int maxq = (1 << g.bits) - 1, reach = search_ ? 2 : 0;  // integers tried either side of the nearest
  const float d = d_[size_t(row)], dmin = dmin_[size_t(row)];
  if (g.has_min) {
    const auto [s, mn] = fit_with_min(maxq, w, n, importance, search_, keep_float);
    const int sc0 = std::clamp(round_to_int(s / d), 1, g.sc_hi);
    const int m0 = dmin != 0 ? std::clamp(round_to_int(-mn / dmin), 0, g.m_hi) : 0;
    float best_dl = 0, best_ml = 0;
    double best_err = INFINITY;
    for (int sc = std::max(1, sc0 - reach); sc <= std::min(g.sc_hi, sc0 + reach); ++sc)
      for (int m = std::max(0, m0 - reach); m <= std::min(dmin != 0 ? g.m_hi : 0, m0 + reach); ++m) {
        const float dl = d * float(sc), ml = dmin * float(m);  // in fp32, as ggml computes them
        const double e = affine_error(w, importance, n, dl, -ml, maxq);
        if (e < best_err) best_err = e, best_dl = dl, best_ml = ml;
      }
    for (int j = 0; j < g.bits; ++j) grid.alpha(j, row) = std::ldexp(best_dl, j - 1);
    grid.offset(row) = float(double(-best_ml) + double(best_dl) * maxq / 2);
    return;
  }
  const float s = signed_scale(g, w, n, importance, search_);
  int sc0 = std::clamp(round_to_int(s / d), g.sc_lo, g.sc_hi);
  if (sc0 == 0) sc0 = (s < 0) == (d < 0) ? 1 : -1;  // a zero scale has no grid; the smallest has
  LinearParams best;
  double best_err = INFINITY;
  for (int sc = std::max(g.sc_lo, sc0 - reach); sc <= std::min(g.sc_hi, sc0 + reach); ++sc) {
    if (sc == 0) continue;
    const LinearParams p = zero_point_grid(g.zero, false, d * float(sc));
    const double e = weighted_error(w, importance, n, p, maxq);
    if (e < best_err) best_err = e, best = p;
  }
  grid.scale(row) = best.scale;
  grid.zero(row) = best.zero;
  linear_to_binary(best, g.bits, &grid.alpha(0, row), grid.rows(), &grid.offset(row));
}

namespace {

// Integers k_j in [lo, hi] and an fp16 f with fp32(f·k_j) within tol_j of v_j for every j:
// the candidates for the value of largest magnitude, longest integers first. False if none.
bool split_scales(const double* v, const double* tol, int n, int lo, int hi, float& f, int* k) {
  int ext = 0;
  for (int j = 1; j < n; ++j)
    if (std::abs(v[j]) > std::abs(v[ext])) ext = j;
  if (v[ext] == 0) {
    f = 0;
    std::fill_n(k, n, 0);
    return true;
  }
  for (int mag = std::max(-lo, hi); mag >= 1; --mag)
    for (int c : {mag, -mag}) {
      if (c < lo || c > hi) continue;
      const float cand = round_to_f16(float(v[ext] / c));
      bool ok = cand != 0;
      for (int j = 0; ok && j < n; ++j) {
        k[j] = round_to_int(v[j] / cand);
        ok = k[j] >= lo && k[j] <= hi && std::abs(double(cand * float(k[j])) - v[j]) <= tol[j];
      }
      if (ok) return f = cand, true;
    }
  return false;
}

}  // namespace

KQuantBlock kquant_block_of(const QuantizedLinear& q, GgmlType type, int row, int super_block) {
  const KQuantGrid g = kquant_grid(type);
  const std::string name = ggml_type_name(uint32_t(type));
  GPTQT_CHECK(q.bits == g.bits && q.group_size == g.sub_block && q.cols % kGgmlSuperBlock == 0 &&
                  !q.groups_follow_perm,
              "a {}-bit layer in groups of {} is not on {}'s grid ({} bits in sub-blocks of {}, rows of whole "
              "super-blocks of 256)", q.bits, q.group_size, name, g.bits, g.sub_block);
  GPTQT_CHECK(g.has_min || q.has_linear_params(), "a layer without a linear grid is not on {}'s grid", name);
  const int maxq = (1 << g.bits) - 1, n = g.sub_blocks();
  KQuantBlock b;
  double dl[16], ml[16], exact[16] = {}, tol[16];
  bool flipped[16] = {};
  for (int j = 0; j < n; ++j) {
    const int group = super_block * n + j;
    const size_t gr = size_t(group) * q.rows + row;
    if (g.has_min) {
      const float a = q.alpha[(size_t(group) * g.bits) * q.rows + row];
      for (int i = 0; i < g.bits; ++i)
        GPTQT_CHECK(q.alpha[(size_t(group) * g.bits + i) * q.rows + row] == std::ldexp(a, i),
                    "row {} group {}: the levels are not evenly spaced, so not {}'s", row, group, name);
      dl[j] = 2.0 * a;
      ml[j] = dl[j] * maxq / 2 - double(q.offset[gr]);
      tol[j] = 1e-3 * std::abs(dl[j]) + 1e-6 * std::abs(ml[j]);  // the offset's fp32 rounding, with room
    } else {
      const float z = q.zero[gr];
      GPTQT_CHECK(z == float(g.zero) || z == float(g.zero - 1), "row {} group {}: zero point {} is not {}'s", row,
                  group, z, name);
      flipped[j] = z != float(g.zero);
      dl[j] = flipped[j] ? -double(q.scale[gr]) : double(q.scale[gr]);
    }
  }
  GPTQT_CHECK(split_scales(dl, exact, n, g.sc_lo, g.sc_hi, b.d, b.sc),
              "row {} super-block {}: the sub-block scales are not integer multiples of one fp16 scale, so not {}'s",
              row, super_block, name);
  if (g.has_min)
    GPTQT_CHECK(split_scales(ml, tol, n, 0, g.m_hi, b.dmin, b.m),
                "row {} super-block {}: the sub-block minimums are not integer multiples of one fp16 value, so not "
                "{}'s", row, super_block, name);
  const uint8_t* codes = &q.codes[size_t(row) * q.cols + size_t(super_block) * kGgmlSuperBlock];
  for (int e = 0; e < kGgmlSuperBlock; ++e) b.q[e] = flipped[e / g.sub_block] ? maxq - codes[e] : codes[e];
  return b;
}

}  // namespace gptqt::quant
