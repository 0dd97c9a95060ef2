#include "quant/rtn.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "quant/bcq_grid.h"
#include "quant/gptqt_grid.h"
#include "quant/linear_grid.h"
#include "quant_test_util.h"

using namespace gptqt;
using namespace gptqt::quant;
using namespace gptqt::quant::test;

TEST(Rtn, LinearMatchesPerGroupReferenceWithRaggedGroup) {
  const int rows = 5, cols = 70, g = 32;  // groups of 32, 32, 6
  const std::vector<float> w = random_matrix(rows, cols, 1);
  const QuantizedLinear q = quantize_rtn(w.data(), rows, cols, LinearFitter({.bits = 4}), g);
  ASSERT_EQ(q.n_groups(), 3);
  ASSERT_TRUE(q.has_linear_params());
  const std::vector<float> deq = dequantize(q);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const int b = c / g * g, n = std::min(g, cols - b);
      const LinearParams p = fit_linear(&w[r * cols + b], n, {.bits = 4});
      const int code = linear_code(w[r * cols + c], p, 15);
      EXPECT_EQ(q.codes[r * cols + c], code);
      EXPECT_NEAR(deq[r * cols + c], linear_value(code, p), 1e-6);
      EXPECT_EQ(q.scale[(c / g) * rows + r], p.scale);
      EXPECT_EQ(q.zero[(c / g) * rows + r], p.zero);
    }
}

TEST(Rtn, EveryFitterGivesAValidLayer) {
  const int rows = 7, cols = 50;
  const std::vector<float> w = random_matrix(rows, cols, 2);
  const LinearFitter linear({.bits = 3});
  const BcqFitter bcq({.bits = 3});
  const GptqtFitter gptqt({.bits = 3});
  for (const GridFitter* f : std::initializer_list<const GridFitter*>{&linear, &bcq, &gptqt}) {
    for (int g : {-1, 16}) {
      const QuantizedLinear q = quantize_rtn(w.data(), rows, cols, *f, g);
      EXPECT_NO_THROW(validate(q));
      EXPECT_EQ(q.has_linear_params(), f == &linear);
      const std::vector<float> deq = dequantize(q);
      double err = 0, norm = 0;
      for (size_t i = 0; i < w.size(); ++i) err += std::pow(w[i] - deq[i], 2), norm += w[i] * w[i];
      EXPECT_LT(err, 0.1 * norm) << f->describe() << " g=" << g;
    }
  }
}

TEST(Rtn, NonFiniteWeightsAreAnError) {
  std::vector<float> w = random_matrix(3, 4, 3);
  w[6] = INFINITY;
  try {
    quantize_rtn(w.data(), 3, 4, LinearFitter({.bits = 4}), -1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 1, column 2"), std::string::npos) << e.what();
  }
}
