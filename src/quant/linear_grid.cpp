#include "quant/linear_grid.h"

#include <cfloat>
#include <cmath>

#include "core/error.h"

namespace gptqt::quant {

LinearParams linear_params(float xmin, float xmax, int bits, bool symmetric) {
  const float maxq = float((1 << bits) - 1);
  if (symmetric) {
    xmax = std::max(-xmin, xmax);
    xmin = -xmax;
  }
  if (xmin == 0.f && xmax == 0.f) xmin = -1.f, xmax = 1.f;
  LinearParams p;
  // A range of a few denormals would give a zero scale and w/s = inf; the smallest normal
  // scale still reproduces such weights as 0, which is all they can be.
  p.scale = std::max((xmax - xmin) / maxq, FLT_MIN);
  p.zero = symmetric ? float(1 << (bits - 1)) : round_clamped(-xmin / p.scale);
  return p;
}

LinearParams fit_linear(const float* w, int n, const LinearGridOptions& o) {
  float xmin = 0.f, xmax = 0.f;
  for (int i = 0; i < n; ++i) xmin = std::min(xmin, w[i]), xmax = std::max(xmax, w[i]);
  LinearParams best = linear_params(xmin, xmax, o.bits, o.symmetric);
  if (!o.mse) return best;
  const int maxq = (1 << o.bits) - 1;
  double best_err = INFINITY;
  const int steps = int(o.mse_max_shrink * o.mse_grid);
  for (int i = 0; i < steps; ++i) {
    const float p = 1.f - float(i) / float(o.mse_grid);
    const LinearParams lp = linear_params(p * xmin, p * xmax, o.bits, o.symmetric);
    double err = 0;
    for (int k = 0; k < n; ++k)
      err += std::pow(std::fabs(linear_value(linear_code(w[k], lp, maxq), lp) - w[k]), o.mse_norm);
    if (err < best_err) best_err = err, best = lp;
  }
  return best;
}

void linear_to_binary(LinearParams p, int bits, float* alpha, std::ptrdiff_t alpha_stride, float* offset) {
  for (int j = 0; j < bits; ++j) alpha[j * alpha_stride] = std::ldexp(p.scale, j - 1);
  *offset = float(double(p.scale) * (double((1 << bits) - 1) / 2 - double(p.zero)));
}

LinearFitter::LinearFitter(LinearGridOptions options) : options_(options) {
  GPTQT_CHECK(options_.bits >= 1 && options_.bits <= kMaxBits, "linear grid: bits must be 1..{}, got {}",
              kMaxBits, options_.bits);
  GPTQT_CHECK(!options_.mse || (options_.mse_grid > 0 && options_.mse_max_shrink > 0.f &&
                                options_.mse_max_shrink <= 1.f && options_.mse_norm > 0.f),
              "linear grid: bad MSE search (grid {}, max shrink {}, norm {})", options_.mse_grid,
              options_.mse_max_shrink, options_.mse_norm);
}

std::string LinearFitter::describe() const {
  return fmt::format("linear {}-bit {}{}", options_.bits, options_.symmetric ? "sym" : "asym",
                     options_.mse ? fmt::format(" mse(norm {})", options_.mse_norm) : "");
}

void LinearFitter::fit_row(const float* w, int n, const float*, int row, GroupGrid& grid) const {
  const LinearParams p = fit_linear(w, n, options_);
  grid.scale(row) = p.scale;
  grid.zero(row) = p.zero;
  linear_to_binary(p, options_.bits, &grid.alpha(0, row), grid.rows(), &grid.offset(row));
}

}  // namespace gptqt::quant
