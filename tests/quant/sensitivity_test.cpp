// The bit planner's measure (quant/sensitivity.h) on a tiny Llama: wider widths move
// the blocks less; the first block's figure is what the pipeline's own quantized
// layer does to that block's output; the model comes back as it was; a work folder
// keeps the figures for a resumed job.
#include "quant/sensitivity.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

#include "model/rotation.h"
#include "quant/work_dir.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::quant;

namespace {

std::vector<std::vector<int32_t>> calibration() {
  std::vector<std::vector<int32_t>> out;
  for (int w = 0; w < 4; ++w) {
    std::vector<int32_t> window(48);
    for (size_t i = 0; i < window.size(); ++i) window[i] = int32_t(3 + (i * 53 + size_t(w) * 101) % 250);
    out.push_back(window);
  }
  return out;
}

PipelineOptions options(bool rotate) {
  PipelineOptions opt;
  opt.method.method = "gptq";  // the machinery is the method's; GPTQ is the quicker solver here
  opt.method.rotate = rotate;
  opt.rotation_seed = 5;
  opt.calibration = calibration();
  opt.progress = false;
  return opt;
}

const std::vector<LayerWidth> kWidths = {{2, -1}, {3, 32}, {4, -1}};

Model tiny() { return load_model(gptqt::test::fixtures_dir() + "/models/tiny-llama"); }

}  // namespace

TEST(Sensitivity, WiderWidthsMoveTheBlockLess) {
  for (bool rotate : {false, true}) {
    Model m = tiny();
    const std::vector<LayerCost> costs = measure_sensitivity(m, options(rotate), kWidths, 2, nullptr);
    ASSERT_EQ(costs.size(), size_t(m.cfg.n_layers) * kNumLinearRoles);
    for (const LayerCost& c : costs) {
      ASSERT_EQ(c.error.size(), kWidths.size());
      EXPECT_GT(c.error[0], 0) << c.block << " " << linear_role_name(c.role);
      EXPECT_GT(c.error[0], 2 * c.error[2]) << c.block << " " << linear_role_name(c.role) << " rotate " << rotate;
    }
  }
}

TEST(Sensitivity, ModelComesBackAsItWas) {
  Model m = tiny();
  const std::vector<int32_t> tokens = calibration()[1];
  const std::vector<float> before = m.forward(tokens);
  measure_sensitivity(m, options(true), kWidths, 2, nullptr);
  EXPECT_FALSE(m.rotations.any());
  EXPECT_EQ(m.forward(tokens), before);
}

// Block 0 sees the same inputs in the planner and in the pipeline, so the pipeline's
// block-0 layer at a width is the layer the planner measured: its relative change of
// the block's output, computed here, is the planner's figure.
TEST(Sensitivity, FirstBlockFigureIsTheQuantizedLayersEffect) {
  const PipelineOptions opt = options(false);
  Model m = tiny();
  const std::vector<LayerCost> costs = measure_sensitivity(m, opt, kWidths, 2, nullptr);
  for (size_t w = 0; w < kWidths.size(); ++w) {
    Model q = tiny();
    PipelineOptions one = opt;
    one.method = with_width(opt.method, kWidths[w]);
    const PipelineResult r = quantize_model(q, one);
    for (LinearRole role : {LinearRole::k, LinearRole::o, LinearRole::down}) {
      Model fp = tiny(), mixed = tiny();
      const QuantizedLinear& layer = *r.blocks[0].lin[int(role)];
      mixed.w.blocks[0][role].op = std::make_unique<DenseLinear>(layer.rows, layer.cols, dequantize(layer));
      double sum = 0;
      int tokens = 0;
      for (int s = 0; s < 2; ++s) {
        const auto& win = opt.calibration[size_t(s)];
        const int T = int(win.size()), H = fp.cfg.hidden;
        std::vector<float> y(size_t(T) * H), y2(y.size());
        fp.embed(win.data(), T, 0, y.data());
        y2 = y;
        fp.block(0, y.data(), T, 0);
        mixed.block(0, y2.data(), T, 0);
        for (int t = 0; t < T; ++t) {
          double d = 0, n = 0;
          for (int i = 0; i < H; ++i) {
            d += std::pow(double(y2[size_t(t) * H + i]) - y[size_t(t) * H + i], 2);
            n += std::pow(double(y[size_t(t) * H + i]), 2);
          }
          sum += d / n;
          ++tokens;
        }
      }
      const LayerCost& c = costs[size_t(role)];
      ASSERT_EQ(c.block, 0);
      ASSERT_EQ(c.role, role);
      EXPECT_NEAR(c.error[w], sum / tokens, 1e-4 * sum / tokens) << linear_role_name(role) << " width " << w;
    }
  }
}

TEST(Sensitivity, WorkFolderKeepsTheFigures) {
  const std::string dir = gptqt::test::temp_dir() + "/work";
  const PipelineOptions opt = options(true);
  Model m = tiny();
  const WorkDir work(dir, "job A");
  const std::vector<LayerCost> first = measure_sensitivity(m, opt, kWidths, 2, &work);
  for (int b = 0; b < m.cfg.n_layers; ++b)
    EXPECT_TRUE(work.has_record(fmt::format("sensitivity_{:04}", b))) << b;
  // A resumed job reads them back (even another process's figures would be reused as they are).
  const std::vector<LayerCost> again = measure_sensitivity(m, opt, kWidths, 2, &work);
  ASSERT_EQ(again.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(again[i].role, first[i].role);
    EXPECT_EQ(again[i].error, first[i].error);
  }
  // A job with other arguments does not reuse them: its folder is refused.
  EXPECT_THROW(WorkDir other(dir, "job B"), Error);
}
