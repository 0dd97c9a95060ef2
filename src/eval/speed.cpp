#include "eval/speed.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "core/error.h"
#include "core/median.h"
#include "model/int8_linear.h"

namespace gptqt {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<int32_t> random_tokens(const Model& m, int n) {
  std::mt19937 rng(42);
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& v : t) v = int32_t(rng() % uint32_t(m.cfg.vocab));
  return t;
}

SpeedResult summarize(std::string test, int tokens, int depth, std::vector<double> tps) {
  SpeedResult r{std::move(test), tokens, depth, median(tps), 0, tps};
  const size_t n = tps.size();
  double mean = 0, var = 0;
  for (double v : tps) mean += v / double(n);
  for (double v : tps) var += (v - mean) * (v - mean);
  r.stddev_tps = n > 1 ? std::sqrt(var / double(n - 1)) : 0;
  return r;
}

template <typename F>
std::vector<double> repeat(int repetitions, int tokens, F run, const std::function<void()>& before_each = {}) {
  run();  // warm-up: page in the weights, size the buffers
  std::vector<double> tps;
  for (int i = 0; i < repetitions; ++i) {
    if (before_each) before_each();
    auto t0 = Clock::now();
    run();
    tps.push_back(tokens / std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return tps;
}

// A cache holding `depth` tokens of context (one prefill, not timed), room for n more.
KVCache context_of(const Model& m, int depth, int n) {
  GPTQT_CHECK(depth >= 0 && depth + n <= m.cfg.max_ctx, "depth {} + {} tokens exceed the model's context {}", depth, n,
              m.cfg.max_ctx);
  KVCache cache(m.cfg, depth + n, m.kv_type);
  if (depth > 0) m.forward(random_tokens(m, depth), &cache, LogitsFor::last);
  return cache;
}

std::string test_name(const char* kind, int n, int depth) {
  return kind + std::to_string(n) + (depth > 0 ? " @ d" + std::to_string(depth) : "");
}

}  // namespace

SpeedResult bench_prompt(const Model& m, int n, int repetitions, int depth) {
  const std::vector<int32_t> tokens = random_tokens(m, n);
  if (depth == 0) {  // a fresh context, no cache: what a first prompt costs
    auto tps = repeat(repetitions, n, [&] { m.forward(tokens, nullptr, LogitsFor::last); });
    return summarize(test_name("pp", n, depth), n, depth, std::move(tps));
  }
  KVCache cache = context_of(m, depth, n);
  auto tps = repeat(repetitions, n, [&] {
    cache.n_past = depth;  // each run overwrites the same positions after the context
    m.forward(tokens, &cache, LogitsFor::last);
  });
  return summarize(test_name("pp", n, depth), n, depth, std::move(tps));
}

SpeedResult bench_generation(const Model& m, int n, int repetitions, int depth,
                             const std::function<void()>& before_each) {
  const std::vector<int32_t> tokens = random_tokens(m, n);
  KVCache cache = context_of(m, depth, n);
  auto tps = repeat(
      repetitions, n,
      [&] {
        cache.n_past = depth;
        for (int i = 0; i < n; ++i) m.forward({tokens[size_t(i)]}, &cache);
      },
      before_each);
  return summarize(test_name("tg", n, depth), n, depth, std::move(tps));
}

namespace {

template <class F>
void for_each_linear(const Model& m, F f) {
  for (const auto& blk : m.w.blocks)
    for (const auto& l : blk.lin)
      if (l.op) f(*l.op);
  for (const Linear* l : {&m.w.head, &m.w.project_in, &m.w.project_out})
    if (l->op) f(*l->op);
}

}  // namespace

double weight_bytes_per_token(const Model& m) {
  double b = double(m.cfg.embed_dim) * 4;  // one embedding row
  for_each_linear(m, [&](const LinearOp& op) { b += double(op.weight_bytes()); });
  return b;
}

double kv_bytes_at(const Model& m, int pos) {
  double positions = 0;
  for (int l = 0; l < m.cfg.n_layers; ++l)
    positions += m.cfg.is_sliding(l) ? std::min(pos, m.cfg.sliding_window) : pos;
  return positions * 2 * m.cfg.kv_dim() * (m.kv_type == KvType::f16 ? 2 : 4);
}

double generation_bytes_per_token(const Model& m, int n_tokens, int depth) {
  double kv = 0;
  for (int i = 0; i < n_tokens; ++i) kv += kv_bytes_at(m, depth + i);
  return weight_bytes_per_token(m) + kv / std::max(n_tokens, 1);
}

WeightFootprint weight_footprint(const Model& m) {
  WeightFootprint f;
  double params = 0;
  for_each_linear(m, [&](const LinearOp& op) {
    f.bytes += double(op.weight_bytes());
    params += double(op.rows()) * op.cols();
  });
  f.linear_bits_per_weight = params > 0 ? 8 * f.bytes / params : 0;
  f.bytes += double(m.w.tok_embd.size() + m.w.pos_embd.size()) * sizeof(float);
  // int8 embeddings count unless the int8 head holds the same matrix (a packed head does not)
  const auto* int8_head = dynamic_cast<const Int8Linear*>(m.w.head.op.get());
  if (m.w.tok_embd_int8 && !(int8_head && &int8_head->matrix() == m.w.tok_embd_int8.get()))
    f.bytes += double(m.w.tok_embd_int8->q.size() + m.w.tok_embd_int8->scale.size() * sizeof(float));
  return f;
}

}  // namespace gptqt
