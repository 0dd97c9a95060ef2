// Speed as llama-bench measures it: prompt processing (ppN: N tokens in one
// batched pass, fresh context) and text generation (tgN: N tokens one at a
// time through the KV cache), tokens/s as median and standard deviation over
// repetitions, after one warm-up run.
#pragma once
#include <string>
#include <vector>

#include "model/model.h"

namespace gptqt {

struct SpeedResult {
  std::string test;  // "pp512", "tg128"
  int tokens = 0;
  double median_tps = 0, stddev_tps = 0;
  std::vector<double> samples_tps;
};

SpeedResult bench_prompt(const Model& m, int n_tokens, int repetitions);
SpeedResult bench_generation(const Model& m, int n_tokens, int repetitions);

// Bytes of weights a generated token reads (every linear layer, the head, one embedding row).
double weight_bytes_per_token(const Model& m);

}  // namespace gptqt
