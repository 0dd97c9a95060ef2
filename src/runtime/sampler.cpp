#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>

namespace gptqt {

int32_t Sampler::next(const float* logits, int vocab) {
  if (o_.temperature <= 0.f) return int32_t(std::max_element(logits, logits + vocab) - logits);
  cand_.resize(size_t(vocab));
  for (int i = 0; i < vocab; ++i) cand_[size_t(i)] = {logits[i], i};
  size_t k = o_.top_k > 0 ? std::min<size_t>(size_t(o_.top_k), cand_.size()) : cand_.size();
  std::partial_sort(cand_.begin(), cand_.begin() + long(k), cand_.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  cand_.resize(k);
  // Softmax over the candidates at the temperature, then the smallest prefix with mass >= top_p.
  const float top = cand_[0].first;
  double sum = 0;
  for (auto& c : cand_) sum += (c.first = std::exp((c.first - top) / o_.temperature));
  double mass = 0;
  size_t keep = 0;
  while (keep < cand_.size() && (keep == 0 || mass < o_.top_p * sum)) mass += cand_[keep++].first;
  double r = std::uniform_real_distribution<double>(0.0, mass)(rng_);
  for (size_t i = 0; i < keep; ++i) {
    r -= cand_[i].first;
    if (r <= 0) return cand_[i].second;
  }
  return cand_[keep - 1].second;
}

}  // namespace gptqt
