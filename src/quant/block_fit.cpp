#include "quant/block_fit.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "quant/rounding.h"

namespace gptqt::quant {

namespace {

constexpr float kSmallestF16 = 5.9604645e-8f;  // 2^-24: a scale for a group of zeros

}  // namespace

LinearParams zero_point_grid(int half, bool q8, float d) {
  if (q8) return {std::max(std::abs(d), kSmallestF16), 128.f};
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

double affine_error(const float* w, const float* imp, int n, float d, float m, int maxq, int* codes) {
  double e = 0;
  for (int i = 0; i < n; ++i) {
    const int c = d > 0 ? int(std::clamp(round_clamped((w[i] - m) / d), 0.f, float(maxq))) : 0;
    if (codes) codes[i] = c;
    const double r = double(w[i]) - (double(m) + double(d) * c);
    e += (imp ? imp[i] : 1.0) * r * r;
  }
  return e;
}

LinearParams fit_zero_point(int half, bool q8, const float* w, int n, const float* imp, bool search,
                            ScaleRounding round) {
  const int side = q8 ? 127 : half;  // the extreme code's distance from zero on the longer side
  const int maxq = q8 ? 255 : 2 * half - 1;
  float amax = 0, max = 0;  // max: the weight of largest magnitude, with its sign
  for (int i = 0; i < n; ++i)
    if (std::abs(w[i]) > amax) amax = std::abs(w[i]), max = w[i];
  // llama-quantize's choice: the extreme weight on the grid's longer side (−2^(k−1)·d), or amax/127.
  LinearParams best = zero_point_grid(half, q8, round(q8 ? amax / 127 : max / float(-side)));
  if (!search || amax == 0) return best;
  double best_err = weighted_error(w, imp, n, best, maxq);
  // Candidate codes from slightly different inverse scales, then the weighted least-squares
  // scale for those codes, rounded to fp16 (as llama.cpp's importance-matrix search does).
  const int lo = q8 ? -127 : -half, hi = q8 ? 127 : half - 1;
  for (int step = -9; step <= 9; ++step) {
    const float iscale = q8 ? (127 + 0.1f * step) / amax : -(side + 0.1f * step) / max;
    double sum_xl = 0, sum_ll = 0;
    for (int i = 0; i < n; ++i) {
      const int l = int(std::clamp(round_clamped(iscale * w[i]), float(lo), float(hi)));
      const double wt = imp ? imp[i] : 1.0;
      sum_xl += wt * w[i] * l, sum_ll += wt * double(l) * l;
    }
    if (sum_ll <= 0) continue;
    const LinearParams p = zero_point_grid(half, q8, round(float(sum_xl / sum_ll)));
    const double e = weighted_error(w, imp, n, p, maxq);
    if (e < best_err) best_err = e, best = p;
  }
  return best;
}

std::pair<float, float> fit_with_min(int maxq, const float* w, int n, const float* imp, bool search,
                                     ScaleRounding round) {
  const auto [mn_it, mx_it] = std::minmax_element(w, w + n);
  const float mn = *mn_it, mx = *mx_it;
  std::pair<float, float> best{round((mx - mn) / float(maxq)), round(mn)};  // llama-quantize's choice
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
      const float d = round(float((s_wc * s_1 - s_c * s_w) / det));
      const float m = round(float((s_cc * s_w - s_c * s_wc) / det));
      if (!(d > 0)) continue;
      const double e = affine_error(w, imp, n, d, m, maxq);
      if (e < best_err) best_err = e, best = {d, m};
    }
  return best;
}

}  // namespace gptqt::quant
