#include "model/model.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "kernels/int8_gemv.h"
#include "model/attention.h"
#include "model/ops.h"
#include "model/rope.h"

namespace gptqt {

const char* linear_role_name(LinearRole r) {
  static const char* names[] = {"q", "k", "v", "o", "gate", "up", "down"};
  return names[int(r)];
}

LinearRole linear_role_from_name(const std::string& name) {
  for (int r = 0; r < kNumLinearRoles; ++r)
    if (name == linear_role_name(LinearRole(r))) return LinearRole(r);
  fail("no linear layer is called '{}'", name);
}

bool has_linear(const ModelConfig& c, LinearRole r) { return r != LinearRole::gate || c.gated(); }

LinearShape linear_shape(const ModelConfig& c, LinearRole r) {
  switch (r) {
    case LinearRole::q: return {c.q_dim(), c.hidden};
    case LinearRole::k:
    case LinearRole::v: return {c.kv_dim(), c.hidden};
    case LinearRole::o: return {c.hidden, c.q_dim()};
    case LinearRole::gate:
    case LinearRole::up: return {c.ffn, c.hidden};
    case LinearRole::down: return {c.hidden, c.ffn};
  }
  fail("internal: bad linear role {}", int(r));
}

void Model::embed(const int32_t* tokens, int T, int pos0, float* x) const {
  const int H = cfg.hidden, E = cfg.embed_dim;
  std::vector<float> e(size_t(T) * E);
  const kernels::Int8Matrix* int8_rows = w.tok_embd.empty() ? w.tok_embd_int8.get() : nullptr;
  GPTQT_CHECK(!w.tok_embd.empty() || int8_rows, "the model has no token embedding table");
  for (int t = 0; t < T; ++t) {
    GPTQT_CHECK(tokens[t] >= 0 && tokens[t] < cfg.vocab, "token id {} outside the vocabulary (0..{})", tokens[t],
                cfg.vocab - 1);
    if (int8_rows)
      kernels::int8_dequantize_row(*int8_rows, tokens[t], &e[size_t(t) * E]);
    else
      std::memcpy(&e[size_t(t) * E], &w.tok_embd[size_t(tokens[t]) * E], E * sizeof(float));
  }
  if (cfg.embed_scale != 1.f)
    for (float& v : e) v *= cfg.embed_scale;
  if (w.project_in.op)
    w.project_in.forward(e.data(), T, x);
  else
    std::memcpy(x, e.data(), e.size() * sizeof(float));
  if (cfg.pos == PosKind::learned) {
    GPTQT_CHECK(pos0 + T <= cfg.max_ctx, "positions up to {} exceed the model's context {}", pos0 + T, cfg.max_ctx);
    for (int t = 0; t < T; ++t) {
      const float* p = &w.pos_embd[size_t(pos0 + t + cfg.pos_offset) * H];
      for (int i = 0; i < H; ++i) x[size_t(t) * H + i] += p[i];
    }
  }
  if (cfg.embed_norm) apply_norm(cfg.norm, w.embed_norm, cfg.norm_eps, x, T, H);
}

namespace {

// One block's activations, kept between calls: a prompt's are megabytes, and
// allocating and zeroing them for every block cost page faults and memsets. Every
// element is written before it is read.
struct BlockScratch {
  std::vector<float> h, q, k, v, att, up, gate;
};
thread_local BlockScratch scratch;

}  // namespace

void Model::block(int i, float* x, int T, int pos0, KVCache* cache, LinearInputObserver* observer) const {
  const BlockWeights& b = w.blocks.at(size_t(i));
  const int H = cfg.hidden, qd = cfg.q_dim(), kd = cfg.kv_dim();
  const size_t n = size_t(T) * H;

  // Attention sub-block.
  std::vector<float>& h = scratch.h;
  h.assign(x, x + n);
  if (!cfg.post_ln) apply_norm(cfg.norm, b.attn_norm, cfg.norm_eps, h.data(), T, H);
  std::vector<float>& q = scratch.q;
  q.resize(size_t(T) * qd);
  // This call's keys and values, token-major as the layers write them; a cache then
  // takes them in its own layout.
  if (cache) GPTQT_CHECK(cache->n_past + T <= cache->capacity, "KV cache full ({} positions)", cache->capacity);
  scratch.k.resize(size_t(T) * kd);
  scratch.v.resize(size_t(T) * kd);
  float* k_new = scratch.k.data();
  float* v_new = scratch.v.data();
  rotate_input(i, LinearInput::attn, h.data(), T);
  if (observer) {
    observer->observe(i, {LinearRole::q, LinearRole::k, LinearRole::v}, h.data(), T, H);
    if (observer->done()) return;
  }
  forward_same_input(h.data(), T, {{&b[LinearRole::q], q.data()}, {&b[LinearRole::k], k_new}, {&b[LinearRole::v], v_new}});
  if (cfg.qk_norm) {  // each head is a row of head_dim
    apply_norm(NormKind::rms, b.q_norm, cfg.norm_eps, q.data(), T * cfg.n_heads, cfg.head_dim);
    apply_norm(NormKind::rms, b.k_norm, cfg.norm_eps, k_new, T * cfg.n_kv_heads, cfg.head_dim);
  }
  const bool sliding = cfg.is_sliding(i);
  if (cfg.pos == PosKind::rope) {
    const bool local = sliding && !w.rope_inv_freq_local.empty();  // Gemma 3: its own base, no scaling
    // Dynamic NTK and LongRoPE: frequencies for this call's length (a few dozen pow()s).
    const std::vector<double> by_length = !local && cfg.rope_scaling.depends_on_length()
                                              ? rope_inv_freq(cfg, w.rope_freqs, pos0 + T)
                                              : std::vector<double>();
    const std::vector<double>& f = local ? w.rope_inv_freq_local : by_length.empty() ? w.rope_inv_freq : by_length;
    const float af = local ? 1.f : cfg.rope_scaling.attn_factor;
    const RopeAngles& angles = rope_angles_cached(f, af, T, pos0);
    apply_rope(cfg.rope_style, angles, q.data(), cfg.n_heads, cfg.head_dim);
    apply_rope(cfg.rope_style, angles, k_new, cfg.n_kv_heads, cfg.head_dim);
  }
  const AttentionShape shape{cfg.n_heads, cfg.n_kv_heads, cfg.head_dim, sliding ? cfg.sliding_window : 0,
                             cfg.attn_scale, cfg.attn_softcap};
  KvView kv = token_major(shape, k_new, v_new);
  int S = T;  // positions the queries attend over
  if (cache) {
    cache->store(i, T, k_new, v_new);
    kv = cache->view(i);
    S = cache->n_past + T;
  }
  static const std::vector<float> no_alibi;
  std::vector<float> slopes = cfg.pos == PosKind::alibi ? alibi_slopes(cfg.n_heads) : no_alibi;
  std::vector<float>& att = scratch.att;
  att.resize(size_t(T) * qd);
  causal_attention(shape, q.data(), T, kv, S, slopes, att.data());
  rotate_input(i, LinearInput::o, att.data(), T);
  if (observer) {
    observer->observe(i, {LinearRole::o}, att.data(), T, qd);
    if (observer->done()) return;
  }
  b[LinearRole::o].forward(att.data(), T, h.data());
  if (cfg.post_norms) apply_norm(cfg.norm, b.post_attn_norm, cfg.norm_eps, h.data(), T, H);
  for (size_t j = 0; j < n; ++j) x[j] += h[j];
  if (cfg.post_ln) apply_norm(cfg.norm, b.attn_norm, cfg.norm_eps, x, T, H);

  // MLP sub-block.
  std::copy(x, x + n, h.begin());
  if (!cfg.post_ln) apply_norm(cfg.norm, b.ffn_norm, cfg.norm_eps, h.data(), T, H);
  const size_t nf = size_t(T) * cfg.ffn;
  std::vector<float>& up = scratch.up;
  std::vector<float>& gate = scratch.gate;
  up.resize(nf);
  const bool gated = cfg.gated();
  rotate_input(i, LinearInput::mlp, h.data(), T);
  if (observer) {
    if (gated)
      observer->observe(i, {LinearRole::gate, LinearRole::up}, h.data(), T, H);
    else
      observer->observe(i, {LinearRole::up}, h.data(), T, H);
    if (observer->done()) return;
  }
  float* act = up.data();
  if (gated) {
    gate.resize(nf);
    forward_same_input(h.data(), T, {{&b[LinearRole::up], up.data()}, {&b[LinearRole::gate], gate.data()}});
    apply_activation(cfg.act, gate.data(), up.data(), nf);
    act = gate.data();
  } else {
    b[LinearRole::up].forward(h.data(), T, up.data());
    apply_activation(cfg.act, up.data(), nullptr, nf);
  }
  rotate_input(i, LinearInput::down, act, T);
  if (observer) observer->observe(i, {LinearRole::down}, act, T, cfg.ffn);
  b[LinearRole::down].forward(act, T, h.data());
  if (cfg.post_norms) apply_norm(cfg.norm, b.post_ffn_norm, cfg.norm_eps, h.data(), T, H);
  for (size_t j = 0; j < n; ++j) x[j] += h[j];
  if (cfg.post_ln) apply_norm(cfg.norm, b.ffn_norm, cfg.norm_eps, x, T, H);
}

void Model::final(const float* x, int T, float* out) const {
  const int H = cfg.hidden;
  std::vector<float> h(x, x + size_t(T) * H);
  if (cfg.final_norm) apply_norm(cfg.norm, w.final_norm, cfg.norm_eps, h.data(), T, H);
  if (w.project_out.op)
    w.project_out.forward(h.data(), T, out);
  else
    std::memcpy(out, h.data(), h.size() * sizeof(float));
}

void Model::rotate_input(int block, LinearInput in, float* x, int T) const {
  if (size_t(block) < rotations.blocks.size())
    if (const Rotation* r = rotations.blocks[size_t(block)][in]) r->apply_transpose(x, T);
}

void Model::head(const float* h, int T, float* logits) const {
  if (rotations.head) {
    std::vector<float> rotated(h, h + size_t(T) * cfg.embed_dim);
    rotations.head->apply_transpose(rotated.data(), T);
    w.head.forward(rotated.data(), T, logits);
  } else {
    w.head.forward(h, T, logits);
  }
  if (cfg.final_softcap > 0) {
    const float cap = cfg.final_softcap;
    const size_t n = size_t(T) * cfg.vocab;
#pragma omp parallel for schedule(static) if (n > (size_t(1) << 17))
    for (size_t j = 0; j < n; ++j) logits[j] = cap * std::tanh(logits[j] / cap);
  }
}

std::vector<float> Model::forward(const std::vector<int32_t>& tokens, KVCache* cache, LogitsFor which) const {
  const int T = int(tokens.size());
  const int pos0 = cache ? cache->n_past : 0;
  std::vector<float> x(size_t(T) * cfg.hidden);
  embed(tokens.data(), T, pos0, x.data());
  for (int i = 0; i < cfg.n_layers; ++i) block(i, x.data(), T, pos0, cache);
  if (cache) cache->n_past += T;
  const int first = which == LogitsFor::last && T > 0 ? T - 1 : 0, n = T - first;
  std::vector<float> h(size_t(n) * cfg.embed_dim), logits(size_t(n) * cfg.vocab);
  final(x.data() + size_t(first) * cfg.hidden, n, h.data());
  head(h.data(), n, logits.data());
  return logits;
}

void Model::load_block(int i) {
  if (block_loaded(i)) return;
  GPTQT_CHECK(stream, "internal: block {} is not loaded and the model keeps no stream", i);
  w.blocks[size_t(i)] = stream->load_block(i);
}

void Model::drop_block(int i) {
  GPTQT_CHECK(stream, "internal: dropping block {} of a model that cannot read it again", i);
  w.blocks.at(size_t(i)) = BlockWeights{};
}

void Model::load_embeddings() {
  if (!w.tok_embd.empty()) return;
  GPTQT_CHECK(stream, "internal: the embeddings are not loaded and the model keeps no stream");
  w.tok_embd = stream->load_embeddings();
}

void Model::drop_embeddings() {
  GPTQT_CHECK(stream, "internal: dropping the embeddings of a model that cannot read them again");
  std::vector<float>().swap(w.tok_embd);
}

void Model::load_head() {
  if (w.head.op) return;
  GPTQT_CHECK(stream, "internal: the head is not loaded and the model keeps no stream");
  w.head = stream->load_head();
}

// Linear weights counted from the config's shapes: streamed blocks need not be loaded.
int64_t Model::n_params() const {
  auto lin = [](const Linear& l) { return l.op ? int64_t(l.op->rows()) * l.op->cols() + int64_t(l.bias.size()) : 0; };
  int64_t n = int64_t(cfg.vocab) * cfg.embed_dim + int64_t(w.pos_embd.size()) + lin(w.project_in) + lin(w.project_out);
  for (int r = 0; r < kNumLinearRoles; ++r) {
    if (!has_linear(cfg, LinearRole(r))) continue;
    const LinearShape s = linear_shape(cfg, LinearRole(r));
    const bool bias = cfg.bias || (cfg.qkv_bias && r <= int(LinearRole::v));
    n += cfg.n_layers * (int64_t(s.rows) * s.cols + (bias ? s.rows : 0));
  }
  if (!cfg.tied_head) n += int64_t(cfg.vocab) * cfg.embed_dim;
  return n;
}

}  // namespace gptqt
