#include "quant/scale_refit.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "quant/bcq_grid.h"
#include "quant/gptq_solver.h"
#include "quant/gptqt_grid.h"
#include "quant/linear_grid.h"
#include "quant_test_util.h"

using namespace gptqt;
using namespace gptqt::quant;
using namespace gptqt::quant::test;

namespace {

using Layer = Problem;

// 200 columns in groups of 64: a short last group, and groups coupled through H.
Layer layer(unsigned seed, int rows = 23, int cols = 200) { return correlated_problem(rows, cols, seed, 3 * cols, int(seed + 7)); }

QuantizedLinear solved(const Layer& l, const GridFitter& fitter, bool act_order = false) {
  GptqOptions o;
  o.group_size = 64;
  o.act_order = act_order;
  return gptq_quantize(l.w.data(), l.rows, l.cols, l.h.data(), fitter, o).weights;
}

// Independent check of optimality: with the codes fixed, the gradient of the loss in every
// row's parameters, Aᵀ H (w − ŵ), is zero at a least-squares minimum. Built in double
// with Eigen from the definition of the levels, not from the refit's own matrices.
double relative_gradient(const Layer& l, const QuantizedLinear& q) {
  const int G = q.n_groups(), P = q.has_linear_params() ? 1 : q.bits + 1;
  const std::vector<int> gidx = q.group_index();
  const Eigen::MatrixXd h = Eigen::Map<const Eigen::MatrixXd>(l.h.data(), l.cols, l.cols);
  double worst = 0;
  for (int r = 0; r < l.rows; ++r) {
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(l.cols, G * P);
    Eigen::VectorXd e(l.cols);
    for (int c = 0; c < l.cols; ++c) {
      const unsigned code = q.codes[size_t(r) * l.cols + c];
      const int g = gidx[c];
      if (P == 1)
        a(c, g) = double(code) - q.zero[size_t(g) * q.rows + r];
      else
        for (int p = 0; p < P; ++p) a(c, g * P + p) = p == 0 ? 1.0 : ((code >> (p - 1)) & 1u) ? 1.0 : -1.0;
      e(c) = double(l.w[size_t(r) * l.cols + c]) - q.value(r, c, gidx);
    }
    const Eigen::VectorXd grad = a.transpose() * h * e;
    const double scale = (a.transpose() * h * a).diagonal().cwiseSqrt().norm() * std::sqrt(e.dot(h * e));
    worst = std::max(worst, grad.norm() / scale);
  }
  return worst;
}

void expect_refit_is_the_minimum(const Layer& l, QuantizedLinear q, double min_gain) {
  const double before = loss_of(l, q);
  const std::vector<uint8_t> codes = q.codes;
  const RefitReport rep = refit_scales(q, l.w.data(), l.h_f32().data());
  const double after = loss_of(l, q);
  EXPECT_EQ(q.codes, codes);
  EXPECT_NEAR(rep.loss_before, before, 1e-4 * before);
  EXPECT_NEAR(rep.loss_after, after, 1e-4 * before);
  EXPECT_LE(after, before * (1 + 1e-6));
  EXPECT_LT(after, before * (1 - min_gain)) << "before " << before << " after " << after;
  EXPECT_LT(relative_gradient(l, q), 1e-3);
}

}  // namespace

TEST(ScaleRefit, BinaryCodingReachesTheLeastSquaresMinimum) {
  const Layer l = layer(1);
  expect_refit_is_the_minimum(l, solved(l, BcqFitter({.bits = 3})), 0.01);
  expect_refit_is_the_minimum(l, solved(l, GptqtFitter({.bits = 2})), 0.01);
  expect_refit_is_the_minimum(l, solved(l, GptqtFitter({.bits = 3}), /*act_order=*/true), 0.01);
}

TEST(ScaleRefit, LinearGridKeepsItsIntegerGrid) {
  const Layer l = layer(2);
  QuantizedLinear q = solved(l, LinearFitter({.bits = 3}));
  const std::vector<float> zero = q.zero;
  expect_refit_is_the_minimum(l, q, 0.001);
  refit_scales(q, l.w.data(), l.h_f32().data());
  EXPECT_EQ(q.zero, zero);
  for (int g = 0; g < q.n_groups(); ++g)
    for (int r = 0; r < q.rows; ++r) {
      const size_t i = size_t(g) * q.rows + r;
      for (int j = 0; j < q.bits; ++j) EXPECT_EQ(q.alpha[(size_t(g) * q.bits + j) * q.rows + r], std::ldexp(q.scale[i], j - 1));
      // Every level is scale·(code − zero): the grid is still an integer one.
      for (unsigned code = 0; code < 8; ++code)
        EXPECT_NEAR(level_value(&q.alpha[size_t(g) * q.bits * q.rows + r], q.rows, q.offset[i], q.bits, code),
                    q.scale[i] * (float(code) - q.zero[i]), 1e-5f * std::abs(q.scale[i]) * 8);
    }
}

TEST(ScaleRefit, ARefittedLayerIsNotChangedBySecondRefit) {
  const Layer l = layer(3);
  QuantizedLinear q = solved(l, BcqFitter({.bits = 2}));
  refit_scales(q, l.w.data(), l.h_f32().data());
  const double once = loss_of(l, q);
  const RefitReport again = refit_scales(q, l.w.data(), l.h_f32().data());
  EXPECT_NEAR(loss_of(l, q), once, 1e-5 * once);
  EXPECT_NEAR(again.loss_after, again.loss_before, 1e-5 * once);
}

TEST(ScaleRefit, UndeterminedDirectionsKeepTheirValues) {
  // One bit plane equal to +1 over a whole group: its α and the offset cannot be told apart.
  const Layer l = layer(4, 5, 64);
  QuantizedLinear q = solved(l, BcqFitter({.bits = 2}));
  for (int c = 0; c < q.cols; ++c) q.codes[c] |= 2;  // row 0: bit 1 set everywhere
  const double before = loss_of(l, q);
  refit_scales(q, l.w.data(), l.h_f32().data());
  for (float v : q.alpha) EXPECT_TRUE(std::isfinite(v));
  for (float v : q.offset) EXPECT_TRUE(std::isfinite(v));
  EXPECT_LT(loss_of(l, q), before);
  EXPECT_LT(relative_gradient(l, q), 1e-3);
}

TEST(ScaleRefit, TheSolverOptionRefitsAgainstItsDampedHessian) {
  const Layer l = layer(5);
  GptqOptions o;
  o.group_size = 64;
  const GptqtFitter fitter({.bits = 2});
  const GptqResult plain = gptq_quantize(l.w.data(), l.rows, l.cols, l.h.data(), fitter, o);
  o.refit_scales = true;
  const GptqResult refit = gptq_quantize(l.w.data(), l.rows, l.cols, l.h.data(), fitter, o);
  EXPECT_EQ(refit.weights.codes, plain.weights.codes);  // the sweep is the same; only the scales move
  EXPECT_LT(refit.report.loss_after_refit, refit.report.loss_before_refit);
  EXPECT_LT(loss_of(l, refit.weights), loss_of(l, plain.weights));
}
