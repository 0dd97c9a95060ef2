// Comparing a model's logits with a fixture's reference.json (transformers' fp32
// logits, scripts/fixtures/make_model_fixtures.py).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/model.h"

namespace gptqt::test {

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  return nlohmann::json::parse(in);
}

// Max |ours - ref| over a row, relative to the row's max |ref|, worst over the rows.
// vocab_ids: which vocabulary entry each reference column is (null: all, in order).
inline double worst_row_error(const Model& m, const std::vector<int32_t>& tokens, const nlohmann::json& ref_logits,
                              const nlohmann::json& vocab_ids = nullptr) {
  const std::vector<float> got = m.forward(tokens);
  EXPECT_EQ(ref_logits.size(), tokens.size());
  double worst = 0;
  for (size_t t = 0; t < tokens.size() && t < ref_logits.size(); ++t) {
    const nlohmann::json& row = ref_logits[t];
    double max_ref = 0, max_diff = 0;
    for (size_t j = 0; j < row.size(); ++j) {
      const size_t id = vocab_ids.is_null() ? j : vocab_ids[j].get<size_t>();
      const double r = row[j].get<double>();
      max_ref = std::max(max_ref, std::abs(r));
      max_diff = std::max(max_diff, std::abs(double(got[t * size_t(m.cfg.vocab) + id]) - r));
    }
    worst = std::max(worst, max_diff / max_ref);
  }
  return worst;
}

}  // namespace gptqt::test
