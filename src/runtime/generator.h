// Text generation over any loaded model (fp32, dequantized or LUT-packed
// weights): the prompt in one batched pass, then one token at a time with the
// KV cache, each token handed to a callback as soon as it exists.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "model/model.h"
#include "runtime/sampler.h"
#include "text/tokenizer.h"

namespace gptqt {

struct GenerationStats {
  int prompt_tokens = 0, generated = 0;
  double prompt_seconds = 0, generate_seconds = 0;
};

// Generates up to n tokens after `prompt` (token ids); stops early after any of
// `stop_ids` (EOS, an end-of-turn token) and returns the generated ids.
// on_token(id) runs for each new token.
std::vector<int32_t> generate(const Model& model, const std::vector<int32_t>& prompt, int n, Sampler& sampler,
                              const std::vector<int32_t>& stop_ids, const std::function<void(int32_t)>& on_token,
                              GenerationStats* stats = nullptr);

}  // namespace gptqt
