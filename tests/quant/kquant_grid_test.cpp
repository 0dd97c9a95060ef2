// llama.cpp's k-quant grids as a fitter (quant/kquant_grid.h): the levels the solver
// picks are exactly what the written super-blocks hold (with act-order's static groups
// too), sharing one fp16 scale per super-block costs little against a free fp16 scale
// per sub-block, the search lowers the weighted error, GPTQ beats RTN on the output
// error, and layers off the grid are refused.
#include "quant/kquant_grid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "io/ggml_blocks.h"
#include "io/ggml_pack.h"
#include "quant/ggml_grid.h"
#include "quant/gptq_solver.h"
#include "quant/rtn.h"
#include "quant_test_util.h"

namespace gptqt::quant {
namespace {

const GgmlType kTypes[] = {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

// The layer as llama.cpp would read it from the written super-blocks.
std::vector<float> through_blocks(const QuantizedLinear& q, GgmlType t) {
  const GgmlTypeTraits& tr = *ggml_type_traits(uint32_t(t));
  std::vector<float> out(size_t(q.rows) * q.cols);
  std::vector<uint8_t> block(size_t(tr.block_bytes));
  for (int r = 0; r < q.rows; ++r)
    for (int s = 0; s < q.cols / kGgmlSuperBlock; ++s) {
      const KQuantBlock b = kquant_block_of(q, t, r, s);
      pack_kquant_block(t, b.d, b.dmin, b.sc, b.m, b.q, block.data());
      dequantize_ggml(uint32_t(t), block.data(), &out[size_t(r) * q.cols + size_t(s) * kGgmlSuperBlock],
                      kGgmlSuperBlock, "test");
    }
  return out;
}

GptqOptions groups_of(GgmlType t) {
  GptqOptions o;
  o.group_size = kquant_grid(t).sub_block;
  return o;
}

TEST(KQuantGrid, TheSolversLevelsAreTheWrittenBlocks) {
  const test::Problem p = test::correlated_problem(8, 512, 3);
  for (GgmlType t : kTypes)
    for (bool search : {false, true}) {
      const KQuantFitter fitter(t, search);
      for (int how = 0; how < 3; ++how) {  // RTN, GPTQ, GPTQ with act-order on static groups
        GptqOptions o = groups_of(t);
        o.act_order = o.static_groups = how == 2;
        const QuantizedLinear q = how == 0 ? quantize_rtn(p.w.data(), p.rows, p.cols, fitter, o.group_size)
                                           : gptq_quantize(p.w.data(), p.rows, p.cols, p.h.data(), fitter, o).weights;
        const std::vector<float> ours = dequantize(q), theirs = through_blocks(q, t);
        double worst = 0;
        for (size_t i = 0; i < ours.size(); ++i)
          worst = std::max(worst, double(std::abs(ours[i] - theirs[i])) / (std::abs(theirs[i]) + 1e-3));
        // The same levels; only float rounding of offset ± alphas against d·sc·q − dmin·m differs.
        EXPECT_LT(worst, 1e-6) << fitter.describe() << " way " << how;
      }
    }
}

// One fp16 d per 256 weights with 6-bit multiples per sub-block, against an fp16 scale (and
// minimum) of each 32 weights' own: Q4_K/Q5_K's RTN error stays close to Q4_1/Q5_1's.
TEST(KQuantGrid, SharedSuperBlockScalesCostLittle) {
  const std::vector<float> w = test::random_matrix(16, 512, 21);
  auto error = [&](const QuantizedLinear& q) {
    const std::vector<float> y = dequantize(q);
    double e = 0;
    for (size_t i = 0; i < w.size(); ++i) e += double(w[i] - y[i]) * (w[i] - y[i]);
    return e;
  };
  const std::pair<GgmlType, GgmlType> pairs[] = {{GgmlType::Q4_K, GgmlType::Q4_1}, {GgmlType::Q5_K, GgmlType::Q5_1}};
  for (const auto& [k, legacy] : pairs) {
    const double ek = error(quantize_rtn(w.data(), 16, 512, KQuantFitter(k, true), 32));
    const double el = error(quantize_rtn(w.data(), 16, 512, GgmlFitter(legacy, true), 32));
    EXPECT_LT(ek, 1.15 * el) << ggml_type_name(uint32_t(k)) << " against " << ggml_type_name(uint32_t(legacy));
  }
  // Each more bit roughly quarters the error (6 bits down to 2).
  double last = 0;
  for (GgmlType t : {GgmlType::Q6_K, GgmlType::Q5_K, GgmlType::Q4_K, GgmlType::Q3_K, GgmlType::Q2_K}) {
    const double e = error(quantize_rtn(w.data(), 16, 512, KQuantFitter(t, true), kquant_grid(t).sub_block));
    EXPECT_GT(e, 2.5 * last) << ggml_type_name(uint32_t(t));
    last = e;
  }
}

TEST(KQuantGrid, TheSearchLowersTheWeightedError) {
  const test::Problem p = test::correlated_problem(16, 512, 5);
  std::vector<float> importance(512);
  for (int c = 0; c < 512; ++c) importance[c] = float(p.h[size_t(c) * 512 + c]);
  for (GgmlType t : kTypes) {
    auto weighted = [&](bool search) {
      const QuantizedLinear q =
          quantize_rtn(p.w.data(), p.rows, p.cols, KQuantFitter(t, search), kquant_grid(t).sub_block, importance.data());
      const std::vector<float> y = dequantize(q);
      double e = 0;
      for (size_t i = 0; i < y.size(); ++i) e += importance[i % 512] * double(p.w[i] - y[i]) * (p.w[i] - y[i]);
      return e;
    };
    EXPECT_LT(weighted(true), 0.97 * weighted(false)) << ggml_type_name(uint32_t(t));
  }
}

TEST(KQuantGrid, GptqOntoTheGridBeatsRtnOnTheOutputError) {
  const test::Problem p = test::correlated_problem(32, 256, 9);
  for (GgmlType t : {GgmlType::Q3_K, GgmlType::Q4_K}) {
    const KQuantFitter fitter(t, true);
    const double rtn = test::loss_of(p, quantize_rtn(p.w.data(), p.rows, p.cols, fitter, kquant_grid(t).sub_block));
    const double gptq =
        test::loss_of(p, gptq_quantize(p.w.data(), p.rows, p.cols, p.h.data(), fitter, groups_of(t)).weights);
    EXPECT_LT(gptq, 0.8 * rtn) << ggml_type_name(uint32_t(t));
  }
}

TEST(KQuantGrid, LayersOffTheGridAreRefused) {
  const std::vector<float> w = test::random_matrix(4, 512, 2);
  const QuantizedLinear q4 = quantize_rtn(w.data(), 4, 512, GgmlFitter(GgmlType::Q4_1, true), 32);
  EXPECT_THROW(kquant_block_of(q4, GgmlType::Q4_K, 0, 0), Error) << "free fp16 scales are not one d's multiples";
  const QuantizedLinear k4 = quantize_rtn(w.data(), 4, 512, KQuantFitter(GgmlType::Q4_K, true), 32);
  EXPECT_THROW(kquant_block_of(k4, GgmlType::Q5_K, 0, 0), Error) << "4 bits are not Q5_K's";
  QuantizedLinear off = k4;
  off.alpha[0] *= 1.001f;  // one sub-block's scale moved off d's multiples
  for (size_t j = 1; j < 4; ++j) off.alpha[j * 4] *= 1.001f;
  EXPECT_THROW(kquant_block_of(off, GgmlType::Q4_K, 0, 0), Error);
  EXPECT_THROW(quantize_rtn(w.data(), 4, 512, KQuantFitter(GgmlType::Q4_K, true), 16), Error) << "sub-blocks of 16";
  const std::vector<float> narrow = test::random_matrix(4, 96, 2);
  EXPECT_THROW(quantize_rtn(narrow.data(), 4, 96, KQuantFitter(GgmlType::Q6_K, true), 16), Error) << "rows of 96";
}

}  // namespace
}  // namespace gptqt::quant
