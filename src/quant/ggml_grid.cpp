#include "quant/ggml_grid.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/half.h"
#include "io/ggml_pack.h"
#include "quant/linear_grid.h"
#include "quant/rounding.h"

namespace gptqt::quant {

namespace {

constexpr float kSmallestF16 = 5.9604645e-8f;  // 2^-24: a scale for a group of zeros

// The linear grid (s, z) of a _0 type with fp16 scale d (see the header).
LinearParams zero_point_grid(GgmlType t, float d) {
  if (t == GgmlType::Q8_0) return {std::max(std::abs(d), kSmallestF16), 128.f};
  const int half = ggml_legacy_zero(t);
  if (d < 0) return {-d, float(half - 1)};
  return {std::max(d, kSmallestF16), float(half)};
}

double weighted_error(const float* w, const float* imp, int n, LinearParams p, int maxq) {
  double e = 0;
  for (int i = 0; i < n; ++i) {
    const double r = double(w[i]) - linear_value(linear_code(w[i], p, maxq), p);
    e += (imp ? imp[i] : 1.0) * r * r;
  }
  return e;
}

// ŵ = m + d·c, c = clamp(round((w − m)/d)).
double affine_error(const float* w, const float* imp, int n, float d, float m, int maxq, int* codes = nullptr) {
  double e = 0;
  for (int i = 0; i < n; ++i) {
    const int c = d > 0 ? int(std::clamp(round_clamped((w[i] - m) / d), 0.f, float(maxq))) : 0;
    if (codes) codes[i] = c;
    const double r = double(w[i]) - (double(m) + double(d) * c);
    e += (imp ? imp[i] : 1.0) * r * r;
  }
  return e;
}

LinearParams fit_zero_point(GgmlType t, const float* w, int n, const float* imp, bool search) {
  const bool q8 = t == GgmlType::Q8_0;
  const int half = q8 ? 127 : ggml_legacy_zero(t), maxq = q8 ? 255 : 2 * half - 1;
  float amax = 0, max = 0;  // max: the weight of largest magnitude, with its sign
  for (int i = 0; i < n; ++i)
    if (std::abs(w[i]) > amax) amax = std::abs(w[i]), max = w[i];
  // llama-quantize's choice: the extreme weight on the grid's longer side (−2^(k−1)·d), or amax/127.
  LinearParams best = zero_point_grid(t, round_to_f16(q8 ? amax / 127 : max / float(-half)));
  if (!search || amax == 0) return best;
  double best_err = weighted_error(w, imp, n, best, maxq);
  // Candidate codes from slightly different inverse scales, then the weighted least-squares
  // scale for those codes, rounded to fp16 (as llama.cpp's importance-matrix search does).
  const int lo = q8 ? -127 : -half, hi = q8 ? 127 : half - 1;
  for (int step = -9; step <= 9; ++step) {
    const float iscale = q8 ? (127 + 0.1f * step) / amax : -(half + 0.1f * step) / max;
    double sum_xl = 0, sum_ll = 0;
    for (int i = 0; i < n; ++i) {
      const int l = int(std::clamp(round_clamped(iscale * w[i]), float(lo), float(hi)));
      const double wt = imp ? imp[i] : 1.0;
      sum_xl += wt * w[i] * l, sum_ll += wt * double(l) * l;
    }
    if (sum_ll <= 0) continue;
    const LinearParams p = zero_point_grid(t, round_to_f16(float(sum_xl / sum_ll)));
    const double e = weighted_error(w, imp, n, p, maxq);
    if (e < best_err) best_err = e, best = p;
  }
  return best;
}

std::pair<float, float> fit_with_min(GgmlType t, const float* w, int n, const float* imp, bool search) {
  const int maxq = (1 << ggml_legacy_bits(t)) - 1;
  const auto [mn_it, mx_it] = std::minmax_element(w, w + n);
  const float mn = *mn_it, mx = *mx_it;
  std::pair<float, float> best{round_to_f16((mx - mn) / float(maxq)), round_to_f16(mn)};  // llama-quantize's choice
  if (!search || mx == mn) return best;
  double best_err = affine_error(w, imp, n, best.first, best.second, maxq);
  std::vector<int> codes(static_cast<size_t>(n));
  const float range = mx - mn;
  // Ranges trimmed at either end, each refitted by weighted least squares for its codes.
  for (int a = 0; a <= 6; ++a)
    for (int b = 0; b <= 6; ++b) {
      const float lo = mn + 0.02f * a * range, hi = mx - 0.02f * b * range;
      affine_error(w, nullptr, n, (hi - lo) / float(maxq), lo, maxq, codes.data());
      double s_cc = 0, s_c = 0, s_1 = 0, s_wc = 0, s_w = 0;
      for (int i = 0; i < n; ++i) {
        const double wt = imp ? imp[i] : 1.0, c = codes[i];
        s_cc += wt * c * c, s_c += wt * c, s_1 += wt, s_wc += wt * w[i] * c, s_w += wt * w[i];
      }
      const double det = s_cc * s_1 - s_c * s_c;
      if (!(det > 1e-12 * s_cc * s_1)) continue;
      const float d = round_to_f16(float((s_wc * s_1 - s_c * s_w) / det));
      const float m = round_to_f16(float((s_cc * s_w - s_c * s_wc) / det));
      if (!(d > 0)) continue;
      const double e = affine_error(w, imp, n, d, m, maxq);
      if (e < best_err) best_err = e, best = {d, m};
    }
  return best;
}

}  // namespace

GgmlFitter::GgmlFitter(GgmlType type, bool search) : type_(type), search_(search) {
  GPTQT_CHECK(is_ggml_legacy_type(type), "--format {}: the formats are Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0",
              ggml_type_name(uint32_t(type)));
}

int GgmlFitter::bits() const { return ggml_legacy_bits(type_); }

std::string GgmlFitter::describe() const {
  return fmt::format("ggml {}{}", ggml_type_name(uint32_t(type_)), search_ ? " (weighted scale search)" : "");
}

QuantRule GgmlFitter::rule() const { return ggml_legacy_has_min(type_) ? QuantRule::nearest : QuantRule::linear; }

void GgmlFitter::check_group_size(int n) const {
  GPTQT_CHECK(n == kGgmlLegacyBlock, "{} holds groups of {} weights, not {}", ggml_type_name(uint32_t(type_)),
              kGgmlLegacyBlock, n);
}

void GgmlFitter::fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const {
  const int bits = ggml_legacy_bits(type_);
  if (ggml_legacy_has_min(type_)) {
    const auto [d, m] = fit_with_min(type_, w, n, importance, search_);
    for (int j = 0; j < bits; ++j) grid.alpha(j, row) = std::ldexp(d, j - 1);
    grid.offset(row) = float(double(m) + double(d) * ((1 << bits) - 1) / 2);
    return;
  }
  const LinearParams p = fit_zero_point(type_, w, n, importance, search_);
  grid.scale(row) = p.scale;
  grid.zero(row) = p.zero;
  linear_to_binary(p, bits, &grid.alpha(0, row), grid.rows(), &grid.offset(row));
}

GgmlBlock ggml_block_of(const QuantizedLinear& q, GgmlType type, int row, int group) {
  const int bits = ggml_legacy_bits(type);
  const std::string name = ggml_type_name(uint32_t(type));
  GPTQT_CHECK(q.bits == bits && q.group_size == kGgmlLegacyBlock && q.cols % kGgmlLegacyBlock == 0 &&
                  !q.groups_follow_perm,
              "a {}-bit layer in groups of {} is not on {}'s grid ({} bits in groups of 32 along the rows)", q.bits,
              q.group_size, name, bits);
  GgmlBlock b;
  const size_t gr = size_t(group) * q.rows + row;
  const uint8_t* codes = &q.codes[size_t(row) * q.cols + size_t(group) * kGgmlLegacyBlock];
  if (ggml_legacy_has_min(type)) {
    b.d = 2 * q.alpha[(size_t(group) * bits) * q.rows + row];
    for (int j = 0; j < bits; ++j)
      GPTQT_CHECK(q.alpha[(size_t(group) * bits + j) * q.rows + row] == std::ldexp(b.d, j - 1),
                  "row {} group {}: the levels are not evenly spaced, so not {}'s", row, group, name);
    const float m = float(double(q.offset[gr]) - double(b.d) * ((1 << bits) - 1) / 2);
    b.m = round_to_f16(m);
    GPTQT_CHECK(std::abs(m - b.m) <= 1e-3f * std::abs(b.d) + 1e-6f * std::abs(m),
                "row {} group {}: the minimum {} is not an fp16 value, so not {}'s", row, group, m, name);
    for (int i = 0; i < kGgmlLegacyBlock; ++i) b.q[i] = codes[i];
  } else {
    GPTQT_CHECK(q.has_linear_params(), "a layer without a linear grid is not on {}'s grid", name);
    const float s = q.scale[gr], z = q.zero[gr];
    const int half = ggml_legacy_zero(type);
    if (type == GgmlType::Q8_0) {
      GPTQT_CHECK(z == 128.f, "row {} group {}: zero point {} is not Q8_0's 128", row, group, z);
      b.d = s;
      for (int i = 0; i < kGgmlLegacyBlock; ++i) b.q[i] = int(codes[i]) - 128;
    } else {
      GPTQT_CHECK(z == float(half) || z == float(half - 1), "row {} group {}: zero point {} is not {}'s", row,
                  group, z, name);
      const bool flipped = z == float(half - 1);
      b.d = flipped ? -s : s;
      for (int i = 0; i < kGgmlLegacyBlock; ++i) b.q[i] = flipped ? 2 * half - 1 - codes[i] : codes[i];
    }
    GPTQT_CHECK(round_to_f16(b.d) == b.d, "row {} group {}: scale {} is not an fp16 value, so not {}'s", row, group, b.d,
                name);
  }
  return b;
}

}  // namespace gptqt::quant
