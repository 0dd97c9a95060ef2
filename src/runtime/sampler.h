// Choosing the next token from logits: greedy, or temperature + top-k + top-p
// sampling from a seeded generator (the same seed gives the same text).
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace gptqt {

struct SamplerOptions {
  float temperature = 0.f;  // 0: greedy
  int top_k = 40;           // 0: no limit
  float top_p = 0.95f;      // 1: no limit
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(SamplerOptions o) : o_(o), rng_(o.seed) {}
  int32_t next(const float* logits, int vocab);

 private:
  SamplerOptions o_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> cand_;
};

}  // namespace gptqt
