// Speed as llama-bench measures it: prompt processing (ppN: N tokens in one
// batched pass, logits of the last position only) and text generation (tgN: N
// tokens one at a time through the KV cache), tokens/s as median and standard
// deviation over repetitions, after one warm-up run. At depth D (llama-bench's
// -d) both run after D tokens of context already in the cache ("pp512 @ d1024"):
// the cost of attending to a long context; the D tokens' own prefill is not timed.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "model/model.h"

namespace gptqt {

struct SpeedResult {
  std::string test;  // "pp512", "tg128", "tg128 @ d1024"
  int tokens = 0, depth = 0;
  double median_tps = 0, stddev_tps = 0;
  std::vector<double> samples_tps;
};

SpeedResult bench_prompt(const Model& m, int n_tokens, int repetitions, int depth = 0);
// before_each runs before each timed repetition (not the warm-up), outside the timing:
// gptqt bench measures the read bandwidth there, so that each repetition is judged by
// the bandwidth of its own moment.
SpeedResult bench_generation(const Model& m, int n_tokens, int repetitions, int depth = 0,
                             const std::function<void()>& before_each = {});

// Bytes of weights a generated token reads (every linear layer, the head, one embedding row).
double weight_bytes_per_token(const Model& m);
// Bytes of keys and values a generated token reads at position `pos` (fp32 cache;
// sliding-window layers read their window only).
double kv_bytes_at(const Model& m, int pos);
// What a tgN test at depth D reads per token on average: the weights, and the cache
// averaged over positions D .. D + N − 1.
double generation_bytes_per_token(const Model& m, int n_tokens, int depth);

// What the loaded weights occupy: every linear layer as it runs (packed, int8 or
// fp32) plus the fp32 embedding tables; and the bits per weight of the linear
// layers alone (the head included).
struct WeightFootprint {
  double bytes = 0;
  double linear_bits_per_weight = 0;
};
WeightFootprint weight_footprint(const Model& m);

}  // namespace gptqt
