// Asymmetric calibration (quant/asymmetric.h): the target W* against independent
// solutions in Eigen (double), and in the pipeline: the first block, whose inputs
// the quantized and full-precision models share, is quantized as without it.
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "model/model.h"
#include "quant/asymmetric.h"
#include "quant/pipeline.h"
#include "quant_test_util.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::quant;
using namespace gptqt::quant::test;
using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

Mat as_matrix(const std::vector<float>& v, int rows, int cols) {
  Mat m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m(i, j) = v[size_t(i) * cols + j];
  return m;
}

// X̃ (the quantized model's inputs) and X = X̃ + a drift, with H and D as the pipeline forms them.
struct Drifted {
  int tokens, cols;
  Mat xq, xf;
  std::vector<float> h, d;
};

Drifted drifted_inputs(int tokens, int cols, float drift, unsigned seed) {
  Drifted p{tokens, cols, as_matrix(correlated_activations(tokens, cols, seed), tokens, cols), {}, {}, {}};
  p.xf = p.xq + drift * as_matrix(random_matrix(tokens, cols, seed + 3), tokens, cols);
  const Mat h = (2.0 / tokens) * p.xq.transpose() * p.xq, d = (2.0 / tokens) * p.xq.transpose() * (p.xf - p.xq);
  for (int i = 0; i < cols; ++i)
    for (int j = 0; j < cols; ++j) {
      p.h.push_back(float(h(i, j)));
      p.d.push_back(float(d(i, j)));
    }
  return p;
}

}  // namespace

TEST(Asymmetric, NoDriftKeepsTheWeights) {
  const int rows = 24, cols = 40;
  const Drifted p = drifted_inputs(160, cols, 0.f, 1);
  const std::vector<float> w = random_matrix(rows, cols, 2);
  GptqOptions o;
  const GptqFactor f = gptq_factor(p.h, cols, o);
  EXPECT_EQ(asymmetric_target(w.data(), rows, p.d, f), w);  // D = 0 exactly
}

// (H + λ·mean(diag H)·I)·(W* − W)ᵀ = D·Wᵀ, in the original column order whatever the
// processing order (act-order permutes the factor).
TEST(Asymmetric, TargetSolvesTheDampedNormalEquations) {
  const int rows = 20, cols = 48;
  for (bool act_order : {false, true}) {
    const Drifted p = drifted_inputs(200, cols, 0.3f, 5);
    const std::vector<float> w = random_matrix(rows, cols, 6);
    GptqOptions o;
    o.act_order = act_order;
    const GptqFactor f = gptq_factor(p.h, cols, o);
    ASSERT_TRUE(f.ok);
    const std::vector<float> target = asymmetric_target(w.data(), rows, p.d, f);
    const Mat hm = as_matrix(p.h, cols, cols), dm = as_matrix(p.d, cols, cols), wm = as_matrix(w, rows, cols);
    const Mat hd = hm + f.damp * hm.diagonal().mean() * Mat::Identity(cols, cols);
    const Mat expected = wm + (hd.ldlt().solve(dm * wm.transpose())).transpose();
    const double err = (as_matrix(target, rows, cols) - expected).norm() / (expected - wm).norm();
    EXPECT_LT(err, 1e-3) << "act_order " << act_order;
    EXPECT_GT((expected - wm).norm(), 0.05 * wm.norm());  // the drift moved the target
  }
}

// With little damping, W* is the least-squares fit of X̃·W*ᵀ to X·Wᵀ: its output error
// is that of Eigen's own solution, and below keeping W (most of a random drift is out of
// X̃'s reach, so only a little below).
TEST(Asymmetric, TargetFitsTheFullPrecisionOutputs) {
  const int rows = 16, cols = 32;
  const Drifted p = drifted_inputs(400, cols, 0.2f, 9);
  const std::vector<float> w = random_matrix(rows, cols, 10);
  GptqOptions o;
  o.damp = 1e-6;
  const GptqFactor f = gptq_factor(p.h, cols, o);
  ASSERT_TRUE(f.ok);
  const Mat wm = as_matrix(w, rows, cols), want = p.xf * wm.transpose();
  const Mat best = p.xq.colPivHouseholderQr().solve(want);  // cols × rows
  auto error = [&](const Mat& wt) { return (p.xq * wt - want).squaredNorm(); };
  const double ours = error(as_matrix(asymmetric_target(w.data(), rows, p.d, f), rows, cols).transpose());
  EXPECT_NEAR(ours, error(best), 1e-3 * error(best));
  EXPECT_LT(ours, 0.97 * error(wm.transpose()));
}

// Block 0's inputs are the embeddings in both models: no drift, the same layers as a
// symmetric run. From block 1 on the quantized model's inputs drift, and the layers differ.
TEST(Asymmetric, FirstBlockIsQuantizedAsWithoutIt) {
  std::vector<std::vector<int32_t>> calibration;
  for (int w = 0; w < 4; ++w) {
    std::vector<int32_t> window(48);
    for (size_t i = 0; i < window.size(); ++i) window[i] = int32_t(3 + (i * 53 + size_t(w) * 101) % 250);
    calibration.push_back(window);
  }
  auto run = [&](bool asymmetric) {
    Model m = load_model(gptqt::test::fixtures_dir() + "/models/tiny-llama");
    PipelineOptions opt;
    opt.method.method = "gptq";
    opt.method.bits = 3;
    opt.method.group_size = 32;
    opt.method.asymmetric = asymmetric;
    opt.calibration = calibration;
    opt.progress = false;
    return quantize_model(m, opt);
  };
  const PipelineResult sym = run(false), asym = run(true);
  for (int r = 0; r < kNumLinearRoles; ++r) {
    ASSERT_TRUE(sym.blocks[0].lin[r].has_value());
    EXPECT_EQ(sym.blocks[0].lin[r]->codes, asym.blocks[0].lin[r]->codes) << linear_role_name(LinearRole(r));
    EXPECT_EQ(sym.blocks[0].lin[r]->scale, asym.blocks[0].lin[r]->scale) << linear_role_name(LinearRole(r));
  }
  EXPECT_NE(sym.blocks[1].lin[int(LinearRole::q)]->codes, asym.blocks[1].lin[int(LinearRole::q)]->codes);
}
