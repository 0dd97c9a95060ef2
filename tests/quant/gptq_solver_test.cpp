#include "quant/gptq_solver.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "core/error.h"
#include "quant/bcq_grid.h"
#include "quant/gptqt_grid.h"
#include "quant/linear_grid.h"
#include "quant/rtn.h"
#include "quant_test_util.h"

using namespace gptqt;
using namespace gptqt::quant;
using namespace gptqt::quant::test;

namespace {

// Textbook GPTQ, unblocked, in double with Eigen: explicit H⁻¹, then its upper Cholesky
// factor; the 3-bit linear grid refitted on the current weights at every group start.
std::vector<uint8_t> naive_gptq(const Problem& p, int group, double damp, double* loss) {
  const int n = p.cols;
  Eigen::MatrixXd h = Eigen::Map<const Eigen::MatrixXd>(p.h.data(), n, n);
  h.diagonal().array() += damp * h.diagonal().mean();
  const Eigen::MatrixXd u = Eigen::MatrixXd(h.inverse()).llt().matrixU();
  Eigen::MatrixXd w(p.rows, n);
  for (int r = 0; r < p.rows; ++r)
    for (int c = 0; c < n; ++c) w(r, c) = p.w[r * n + c];
  std::vector<uint8_t> codes(p.w.size());
  std::vector<LinearParams> params(p.rows);
  *loss = 0;
  for (int i = 0; i < n; ++i) {
    if (i % group == 0)
      for (int r = 0; r < p.rows; ++r) {
        std::vector<float> cur(std::min(group, n - i));
        for (size_t k = 0; k < cur.size(); ++k) cur[k] = float(w(r, i + k));
        params[r] = fit_linear(cur.data(), int(cur.size()), {.bits = 3});
      }
    for (int r = 0; r < p.rows; ++r) {
      const int code = linear_code(float(w(r, i)), params[r], 7);
      codes[r * n + i] = uint8_t(code);
      const double err = (w(r, i) - linear_value(code, params[r])) / u(i, i);
      *loss += err * err / 2;
      for (int j = i + 1; j < n; ++j) w(r, j) -= err * u(i, j);
    }
  }
  return codes;
}

}  // namespace

TEST(Gptq, WithIdentityHessianEqualsRtn) {
  const int rows = 9, cols = 70;
  const std::vector<float> w = random_matrix(rows, cols, 1);
  const std::vector<double> h = identity(cols);
  const LinearFitter linear({.bits = 3});
  const BcqFitter bcq({.bits = 2});
  const GptqtFitter gptqt({.bits = 3});
  for (const GridFitter* f : std::initializer_list<const GridFitter*>{&linear, &bcq, &gptqt})
    for (int g : {-1, 32}) {
      const GptqResult res = gptq_quantize(w.data(), rows, cols, h.data(), *f, {.group_size = g, .block_size = 16});
      const QuantizedLinear rtn = quantize_rtn(w.data(), rows, cols, *f, g);
      EXPECT_EQ(res.weights.codes, rtn.codes) << f->describe() << " g=" << g;
      EXPECT_EQ(res.weights.alpha, rtn.alpha);
      EXPECT_EQ(res.weights.offset, rtn.offset);
      EXPECT_FALSE(res.report.fallback_rtn);
    }
}

TEST(Gptq, NeverWorseThanRtnOnCorrelatedInputs) {
  struct Shape {
    int rows, cols, group;
  };
  const LinearFitter linear3({.bits = 3}), linear2({.bits = 2});
  const BcqFitter bcq({.bits = 2});
  const GptqtFitter gptqt({.bits = 2, .search = CriticalPointSearch::alternating});
  for (Shape s : {Shape{16, 64, -1}, Shape{12, 100, 32}, Shape{10, 72, 16}})
    for (unsigned seed : {1u, 2u, 3u})
      for (const GridFitter* f : std::initializer_list<const GridFitter*>{&linear3, &linear2, &bcq, &gptqt}) {
        const Problem p = correlated_problem(s.rows, s.cols, seed);
        const GptqResult res = gptq_quantize(p.w.data(), p.rows, p.cols, p.h.data(), *f, {.group_size = s.group});
        const double gptq = loss_of(p, res.weights);
        const double rtn = loss_of(p, quantize_rtn(p.w.data(), p.rows, p.cols, *f, s.group));
        EXPECT_LE(gptq, rtn) << f->describe() << " " << s.rows << "x" << s.cols << " g" << s.group << " seed " << seed;
        EXPECT_GT(res.report.loss, 0);
      }
}

TEST(Gptq, MatchesUnblockedReference) {
  // Small blocks and groups that start mid-block exercise the lazy batch update.
  const Problem p = correlated_problem(20, 60, 7);
  double ref_loss;
  const std::vector<uint8_t> ref = naive_gptq(p, 12, 0.01, &ref_loss);
  const GptqResult res =
      gptq_quantize(p.w.data(), p.rows, p.cols, p.h.data(), LinearFitter({.bits = 3}), {.group_size = 12, .block_size = 8});
  size_t same = 0;
  for (size_t i = 0; i < ref.size(); ++i) same += ref[i] == res.weights.codes[i];
  EXPECT_GE(same, ref.size() * 99 / 100);  // fp32 vs fp64 may flip a rare near-tie
  EXPECT_NEAR(res.report.loss, ref_loss, 0.01 * ref_loss);
}

TEST(Gptq, KnownAnswerTwoCorrelatedInputs) {
  // H = [[1, ρ, 0], [ρ, 1, 0], [0, 0, 1]], no damping. Column 0's rounding error e0 = w0 − q0
  // moves w1 to w1 + ρ·e0 (the OBS update); column 2 is uncorrelated and stays put.
  const double rho = 0.9;
  const std::vector<double> h = {1, rho, 0, rho, 1, 0, 0, 0, 1};
  const std::vector<float> w = {0.3f, 0.5f, 0.62f};
  const GptqResult res = gptq_quantize(w.data(), 1, 3, h.data(), LinearFitter({.bits = 2}), {.damp = 0});
  const LinearParams p = fit_linear(w.data(), 3, {.bits = 2});  // s = 0.62/3, z = 0
  const int q0 = linear_code(w[0], p, 3);
  const float e0 = w[0] - linear_value(q0, p);
  const int q1 = linear_code(w[1] + float(rho) * e0, p, 3);
  ASSERT_NE(q1, linear_code(w[1], p, 3));  // the compensation changes the rounding
  EXPECT_EQ(res.weights.codes, (std::vector<uint8_t>{uint8_t(q0), uint8_t(q1), uint8_t(linear_code(w[2], p, 3))}));
  // Proxy loss: e0²/[H⁻¹]_00 + e1²/[H_{1:}⁻¹]_11, halved; [H⁻¹]_00 = 1/(1 − ρ²), the rest is 1.
  const double e1 = w[1] + rho * e0 - linear_value(q1, p), e2 = w[2] - linear_value(linear_code(w[2], p, 3), p);
  EXPECT_NEAR(res.report.loss, (e0 * e0 * (1 - rho * rho) + e1 * e1 + e2 * e2) / 2, 1e-6);
  EXPECT_EQ(res.report.damp, 0);
}

TEST(Gptq, DampingRecoversAnIndefiniteHessian) {
  Problem p = correlated_problem(6, 20, 4);
  p.h = naive_hessian(correlated_activations(5, 20, 9), 5, 20);  // rank 5 of 20
  double mean = 0;
  for (int i = 0; i < 20; ++i) mean += p.h[i * 20 + i] / 20;
  for (int i = 0; i < 20; ++i) p.h[i * 20 + i] -= 0.05 * mean;
  const GptqResult res = gptq_quantize(p.w.data(), p.rows, p.cols, p.h.data(), LinearFitter({.bits = 3}), {});
  EXPECT_FALSE(res.report.fallback_rtn);
  EXPECT_NEAR(res.report.damp, 0.1, 1e-12);
  EXPECT_EQ(res.report.damp_tries, 2);
  EXPECT_TRUE(std::isfinite(res.report.loss));
}

TEST(Gptq, HopelessHessianFallsBackToRtn) {
  const int rows = 5, cols = 8;
  const std::vector<float> w = random_matrix(rows, cols, 5);
  std::vector<double> h = identity(cols);
  for (double& v : h) v = -v;
  const LinearFitter fitter({.bits = 3});
  const GptqResult res = gptq_quantize(w.data(), rows, cols, h.data(), fitter, {.act_order = true});
  EXPECT_TRUE(res.report.fallback_rtn);
  EXPECT_EQ(res.report.damp_tries, 5);
  EXPECT_TRUE(std::isnan(res.report.loss));
  EXPECT_EQ(res.weights.codes, quantize_rtn(w.data(), rows, cols, fitter, -1).codes);
}

TEST(Gptq, ActOrderHelpsWhenImportantInputsComeLast) {
  // The last 6 inputs carry 8× larger activations. In natural order they are quantized last,
  // with nothing left to absorb their errors; act-order puts them first.
  const int rows = 24, cols = 48, tokens = 400;
  std::vector<float> x = correlated_activations(tokens, cols, 11);
  for (int t = 0; t < tokens; ++t)
    for (int c = cols - 6; c < cols; ++c) x[t * cols + c] *= 8.f;
  const Problem p{rows, cols, random_matrix(rows, cols, 12), naive_hessian(x, tokens, cols)};
  const LinearFitter fitter({.bits = 2});
  const GptqResult plain = gptq_quantize(p.w.data(), rows, cols, p.h.data(), fitter, {});
  const GptqResult act = gptq_quantize(p.w.data(), rows, cols, p.h.data(), fitter, {.act_order = true});
  EXPECT_LT(loss_of(p, act.weights), loss_of(p, plain.weights));
  ASSERT_EQ(act.weights.perm.size(), size_t(cols));
  for (int i = 0; i < 6; ++i) EXPECT_GE(act.weights.perm[i], cols - 6);  // the big ones first
}

TEST(Gptq, ActOrderAndStaticGroupsGiveValidLayers) {
  const Problem p = correlated_problem(10, 44, 13);  // groups of 16: 16, 16, 12
  const LinearFitter fitter({.bits = 3});
  const QuantizedLinear rtn = quantize_rtn(p.w.data(), p.rows, p.cols, fitter, 16);
  const double rtn_loss = loss_of(p, rtn);
  for (bool act : {false, true})
    for (bool stat : {false, true}) {
      const GptqResult res =
          gptq_quantize(p.w.data(), p.rows, p.cols, p.h.data(), fitter, {.group_size = 16, .act_order = act, .static_groups = stat});
      const QuantizedLinear& q = res.weights;
      EXPECT_NO_THROW(validate(q));
      EXPECT_EQ(q.perm.empty(), !act);
      EXPECT_EQ(q.groups_follow_perm, act && !stat);
      // Codes are stored in original column order: dequantize() must agree with the grids.
      const std::vector<float> deq = dequantize(q);
      const std::vector<int> gidx = q.group_index();
      for (int r = 0; r < p.rows; ++r)
        for (int c = 0; c < p.cols; ++c) {
          const LinearParams lp{q.scale[gidx[c] * p.rows + r], q.zero[gidx[c] * p.rows + r]};
          EXPECT_NEAR(deq[r * p.cols + c], linear_value(q.codes[r * p.cols + c], lp), 1e-5);
        }
      // Static groups are fitted on the original weights: the same grids as RTN.
      if (stat) {
        EXPECT_EQ(q.scale, rtn.scale);
        EXPECT_EQ(q.zero, rtn.zero);
      }
      EXPECT_LE(loss_of(p, q), rtn_loss) << "act " << act << " static " << stat;
    }
}

TEST(Gptq, NonFiniteInputsAreClearErrors) {
  const int rows = 3, cols = 4;
  std::vector<float> w = random_matrix(rows, cols, 1);
  std::vector<double> h = identity(cols);
  const LinearFitter fitter({.bits = 4});
  w[5] = NAN;
  try {
    gptq_quantize(w.data(), rows, cols, h.data(), fitter, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weight matrix has a non-finite value (nan) at row 1, column 1"), std::string::npos)
        << e.what();
  }
  w[5] = 0;
  h[2 * cols + 3] = INFINITY;
  try {
    gptq_quantize(w.data(), rows, cols, h.data(), fitter, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Hessian has a non-finite value (inf) at row 2, column 3"), std::string::npos)
        << e.what();
  }
  h[2 * cols + 3] = 0;
  EXPECT_THROW(gptq_quantize(w.data(), rows, cols, h.data(), fitter, {.block_size = 0}), Error);
  EXPECT_THROW(gptq_quantize(w.data(), rows, cols, h.data(), fitter, {.damp = -1}), Error);
}

TEST(Gptq, DeadInputsAreZeroed) {
  Problem p = correlated_problem(8, 24, 21);
  for (int dead : {3, 17})
    for (int k = 0; k < 24; ++k) p.h[dead * 24 + k] = p.h[k * 24 + dead] = 0;
  // fp32 Hessian overload, act-order on: dead inputs sort last (H_ii = 1 after the fix).
  const std::vector<float> hf(p.h.begin(), p.h.end());
  const GptqResult res = gptq_quantize(p.w.data(), p.rows, p.cols, hf.data(), LinearFitter({.bits = 3}), {.act_order = true});
  EXPECT_EQ(res.report.dead_inputs, 2);
  EXPECT_FALSE(res.report.fallback_rtn);
  const std::vector<float> deq = dequantize(res.weights);
  for (int r = 0; r < p.rows; ++r) {
    EXPECT_NEAR(deq[r * 24 + 3], 0.f, 1e-6);
    EXPECT_NEAR(deq[r * 24 + 17], 0.f, 1e-6);
  }
  for (float v : deq) EXPECT_TRUE(std::isfinite(v));
}

// Layers that read the same input share one factor of its Hessian: each gives what it
// would alone, bit for bit, and a factor made with other options is refused.
TEST(Gptq, SharedFactorGivesEachLayerItsOwnResult) {
  const Problem p = correlated_problem(12, 48, 71);
  const std::vector<float> other = random_matrix(20, 48, 72);
  const LinearFitter fitter({.bits = 3});
  for (const GptqOptions o : {GptqOptions{.group_size = 16}, GptqOptions{.group_size = 16, .act_order = true},
                              GptqOptions{.act_order = true, .static_groups = true}}) {
    const GptqFactor f = gptq_factor(p.h.data(), p.cols, o);
    EXPECT_TRUE(f.ok);
    for (const auto& [w, rows] : {std::pair{&p.w, p.rows}, std::pair{&other, 20}}) {
      const GptqResult alone = gptq_quantize(w->data(), rows, p.cols, p.h.data(), fitter, o);
      const GptqResult shared = gptq_quantize(w->data(), rows, f, fitter, o);
      EXPECT_EQ(shared.weights.codes, alone.weights.codes);
      EXPECT_EQ(shared.weights.scale, alone.weights.scale);
      EXPECT_EQ(shared.weights.perm, alone.weights.perm);
      EXPECT_EQ(shared.report.loss, alone.report.loss);
    }
    GptqOptions changed = o;
    changed.act_order = !o.act_order;
    EXPECT_THROW(gptq_quantize(p.w.data(), p.rows, f, fitter, changed), Error);
  }
}
