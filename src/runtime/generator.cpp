#include "runtime/generator.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"

namespace gptqt {

std::vector<int32_t> generate(const Model& model, const std::vector<int32_t>& prompt, int n, Sampler& sampler,
                              const std::vector<int32_t>& stop_ids, const std::function<void(int32_t)>& on_token,
                              GenerationStats* stats) {
  using Clock = std::chrono::steady_clock;
  GPTQT_CHECK(!prompt.empty(), "generation needs a prompt of at least one token");
  const int V = model.cfg.vocab;
  const int total = int(prompt.size()) + n;
  GPTQT_CHECK(model.cfg.pos != PosKind::learned || total <= model.cfg.max_ctx,
              "{} prompt + {} new tokens exceed the model's context of {}", prompt.size(), n, model.cfg.max_ctx);
  KVCache cache(model.cfg, total, model.kv_type);
  auto t0 = Clock::now();
  std::vector<float> logits = model.forward(prompt, &cache, LogitsFor::last);
  auto t1 = Clock::now();
  std::vector<int32_t> out;
  const float* last = logits.data();
  for (int i = 0; i < n; ++i) {
    for (int v = 0; v < V; ++v)
      GPTQT_CHECK(std::isfinite(last[v]), "the model produced a non-finite logit (token {}) after {} tokens: its "
                  "weights or settings make the forward pass overflow", v, prompt.size() + i);
    int32_t id = sampler.next(last, V);
    out.push_back(id);
    if (on_token) on_token(id);
    if (std::find(stop_ids.begin(), stop_ids.end(), id) != stop_ids.end() || i + 1 == n) break;
    logits = model.forward({id}, &cache);
    last = logits.data();
  }
  if (stats) {
    stats->prompt_tokens = int(prompt.size());
    stats->generated = int(out.size());
    stats->prompt_seconds = std::chrono::duration<double>(t1 - t0).count();
    stats->generate_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  }
  return out;
}

}  // namespace gptqt
