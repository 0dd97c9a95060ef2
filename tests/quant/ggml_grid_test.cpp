// llama.cpp's legacy block grids as a fitter (quant/ggml_grid.h): the levels the
// solver picks are exactly what the written blocks hold, RTN without the search is
// llama-quantize's formula, the search never does worse on its own objective, and
// GPTQ onto the grid beats RTN on the layer's output error.
#include "quant/ggml_grid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "io/ggml_blocks.h"
#include "io/ggml_pack.h"
#include "quant/gptq_solver.h"
#include "quant/rtn.h"
#include "quant_test_util.h"

namespace gptqt::quant {
namespace {

const GgmlType kTypes[] = {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0};

// The layer as llama.cpp would read it from the written blocks.
std::vector<float> through_blocks(const QuantizedLinear& q, GgmlType t) {
  const GgmlTypeTraits& tr = *ggml_type_traits(uint32_t(t));
  std::vector<float> out(size_t(q.rows) * q.cols);
  std::vector<uint8_t> block(size_t(tr.block_bytes));
  for (int r = 0; r < q.rows; ++r)
    for (int g = 0; g < q.n_groups(); ++g) {
      const GgmlBlock b = ggml_block_of(q, t, r, g);
      pack_ggml_block(t, b.d, b.m, b.q, block.data());
      dequantize_ggml(uint32_t(t), block.data(), &out[size_t(r) * q.cols + size_t(g) * 32], 32, "test");
    }
  return out;
}

GptqOptions g32() {
  GptqOptions o;
  o.group_size = 32;
  return o;
}

TEST(GgmlGrid, TheSolversLevelsAreTheWrittenBlocks) {
  const test::Problem p = test::correlated_problem(24, 96, 3);
  for (GgmlType t : kTypes)
    for (bool search : {false, true}) {
      const GgmlFitter fitter(t, search);
      for (bool solver : {false, true}) {
        const QuantizedLinear q = solver ? gptq_quantize(p.w.data(), p.rows, p.cols, p.h.data(), fitter, g32()).weights
                                         : quantize_rtn(p.w.data(), p.rows, p.cols, fitter, 32);
        const std::vector<float> ours = dequantize(q), theirs = through_blocks(q, t);
        double worst = 0;
        for (size_t i = 0; i < ours.size(); ++i)
          worst = std::max(worst, double(std::abs(ours[i] - theirs[i])) / (std::abs(theirs[i]) + 1e-3));
        // The same levels; only float rounding of offset ± alphas against d·q + m differs.
        EXPECT_LT(worst, 1e-6) << fitter.describe() << (solver ? " gptq" : " rtn");
      }
    }
}

TEST(GgmlGrid, WithoutTheSearchRtnIsLlamaQuantizesFormula) {
  const std::vector<float> w = test::random_matrix(8, 64, 11);
  for (GgmlType t : kTypes) {
    const QuantizedLinear q = quantize_rtn(w.data(), 8, 64, GgmlFitter(t, false), 32);
    for (int r = 0; r < 8; ++r)
      for (int g = 0; g < 2; ++g) {
        const float* x = &w[size_t(r) * 64 + size_t(g) * 32];
        float amax = 0, max = 0, mn = x[0], mx = x[0];
        for (int i = 0; i < 32; ++i) {
          if (std::abs(x[i]) > amax) amax = std::abs(x[i]), max = x[i];
          mn = std::min(mn, x[i]), mx = std::max(mx, x[i]);
        }
        const GgmlBlock b = ggml_block_of(q, t, r, g);
        const int bits = ggml_legacy_bits(t);
        auto f16 = [](float v) { return f16_to_f32(f32_to_f16(v)); };
        if (t == GgmlType::Q8_0) {
          EXPECT_EQ(b.d, f16(amax / 127));
        } else if (ggml_legacy_has_min(t)) {
          EXPECT_EQ(b.d, f16((mx - mn) / float((1 << bits) - 1)));
          EXPECT_EQ(b.m, f16(mn));
        } else {
          EXPECT_EQ(b.d, f16(max / -float(1 << (bits - 1))));
        }
        for (int i = 0; i < 32; ++i) {  // the nearest level of the block's grid
          const int zero = std::max(0, ggml_legacy_zero(t));
          const float lo = t == GgmlType::Q8_0 ? -128 : 0, hi = lo + float((1 << bits) - 1);
          const float want = ggml_legacy_has_min(t) ? std::clamp(std::nearbyint((x[i] - b.m) / b.d), lo, hi)
                                                    : std::clamp(std::nearbyint(x[i] / b.d) + zero, lo, hi);
          EXPECT_NEAR(b.q[i], want, 1e-9) << ggml_type_name(uint32_t(t)) << " row " << r << " element " << i;
        }
      }
  }
}

TEST(GgmlGrid, TheSearchLowersTheWeightedErrorOfEveryBlock) {
  const test::Problem p = test::correlated_problem(16, 64, 5);
  std::vector<float> importance(64);
  for (int c = 0; c < 64; ++c) importance[c] = float(p.h[size_t(c) * 64 + c]);
  for (GgmlType t : kTypes) {
    // The solver passes H's diagonal as the importance; fit the groups directly with it.
    GroupGrid grid_plain, grid_search;
    double total_plain = 0, total_search = 0;
    for (int g = 0; g < 2; ++g) {
      const MatrixView view{p.w.data() + g * 32, p.rows, 32, p.cols, 1};
      GgmlFitter(t, false).fit(view, importance.data() + g * 32, grid_plain);
      GgmlFitter(t, true).fit(view, importance.data() + g * 32, grid_search);
      std::vector<uint8_t> codes(size_t(p.rows));
      std::vector<float> vp(size_t(p.rows)), vs(size_t(p.rows));
      std::vector<double> ep(size_t(p.rows), 0), es(size_t(p.rows), 0);
      for (int c = 0; c < 32; ++c) {
        std::vector<float> col(size_t(p.rows));
        for (int r = 0; r < p.rows; ++r) col[r] = p.w[size_t(r) * p.cols + g * 32 + c];
        grid_plain.quantize(col.data(), codes.data(), vp.data());
        grid_search.quantize(col.data(), codes.data(), vs.data());
        for (int r = 0; r < p.rows; ++r) {
          ep[r] += importance[g * 32 + c] * double(col[r] - vp[r]) * (col[r] - vp[r]);
          es[r] += importance[g * 32 + c] * double(col[r] - vs[r]) * (col[r] - vs[r]);
        }
      }
      for (int r = 0; r < p.rows; ++r) {
        EXPECT_LE(es[r], ep[r] * (1 + 1e-6)) << ggml_type_name(uint32_t(t)) << " row " << r << " group " << g;
        total_plain += ep[r], total_search += es[r];
      }
    }
    EXPECT_LT(total_search, 0.97 * total_plain) << ggml_type_name(uint32_t(t)) << ": the search should find better "
                                                   "scales somewhere";
  }
}

TEST(GgmlGrid, GptqOntoTheGridBeatsRtnOnTheOutputError) {
  const test::Problem p = test::correlated_problem(32, 128, 9);
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0}) {
    const GgmlFitter fitter(t, false);
    const double rtn = test::loss_of(p, quantize_rtn(p.w.data(), p.rows, p.cols, fitter, 32));
    const double gptq = test::loss_of(p, gptq_quantize(p.w.data(), p.rows, p.cols, p.h.data(), fitter, g32()).weights);
    EXPECT_LT(gptq, 0.8 * rtn) << ggml_type_name(uint32_t(t));
  }
}

TEST(GgmlGrid, LayersOffTheGridAreRefused) {
  const std::vector<float> w = test::random_matrix(4, 64, 2);
  const QuantizedLinear q4 = quantize_rtn(w.data(), 4, 64, GgmlFitter(GgmlType::Q4_0, false), 32);
  EXPECT_THROW(ggml_block_of(q4, GgmlType::Q5_0, 0, 0), Error) << "4 bits are not Q5_0's";
  EXPECT_NO_THROW(ggml_block_of(q4, GgmlType::Q4_1, 0, 0)) << "Q4_0's grid is a Q4_1 grid with m = -8d";
  QuantizedLinear off = q4;
  off.scale[0] *= 1.0001f;  // not an fp16 value any more
  EXPECT_THROW(ggml_block_of(off, GgmlType::Q4_0, 0, 0), Error);
  EXPECT_THROW(quantize_rtn(w.data(), 4, 64, GgmlFitter(GgmlType::Q4_0, false), 64), Error) << "groups of 64";
  EXPECT_THROW(GgmlFitter(GgmlType::Q4_K, false), Error);
}

}  // namespace
}  // namespace gptqt::quant
