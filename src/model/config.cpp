#include "model/config.h"

#include <cmath>

#include "core/error.h"

namespace gptqt {

void validate_config(const ModelConfig& c, const std::string& where) {
  auto in = [&](const char* what, int v, int lo, int hi) {
    GPTQT_CHECK(v >= lo && v <= hi, "{}: {} = {} is out of range [{}, {}]", where, what, v, lo, hi);
  };
  // Far above any released model, and low enough that products of two of them
  // (matrix sizes) fit easily in 64 bits and a row index in 32.
  in("layers", c.n_layers, 1, 1024);
  in("hidden size", c.hidden, 1, 1 << 16);
  in("feed-forward size", c.ffn, 1, 1 << 18);
  in("attention heads", c.n_heads, 1, 1024);
  in("key/value heads", c.n_kv_heads, 1, c.n_heads);
  in("head size", c.head_dim, 1, 1024);
  in("vocabulary size", c.vocab, 1, 1 << 22);
  in("context length", c.max_ctx, 1, 1 << 24);
  in("embedding size", c.embed_dim, 1, 1 << 16);
  in("position offset", c.pos_offset, 0, 16);
  GPTQT_CHECK(c.n_heads % c.n_kv_heads == 0, "{}: {} heads is not a multiple of {} key/value heads", where, c.n_heads,
              c.n_kv_heads);
  GPTQT_CHECK(c.q_dim() <= (1 << 17), "{}: {} heads of {} is too wide", where, c.n_heads, c.head_dim);
  GPTQT_CHECK(c.pos != PosKind::rope || c.head_dim % 2 == 0, "{}: rotary embedding needs an even head size, not {}",
              where, c.head_dim);
  GPTQT_CHECK(c.rotary_dim >= 0 && c.rotary_dim <= c.head_dim && c.rotary_dim % 2 == 0,
              "{}: the rotary dimensions {} must be an even number no larger than the head size {}", where,
              c.rotary_dim, c.head_dim);
  GPTQT_CHECK(std::isfinite(c.norm_eps) && c.norm_eps > 0 && c.norm_eps <= 1,
              "{}: the norm epsilon {} is not a number in (0, 1]", where, c.norm_eps);
  GPTQT_CHECK(c.pos != PosKind::rope || (std::isfinite(c.rope_theta) && c.rope_theta > 1),
              "{}: the RoPE base (theta) {} is not a finite number above 1", where, c.rope_theta);
  in("sliding window", c.sliding_window, 0, 1 << 24);
  GPTQT_CHECK(c.sliding_layers.empty() || c.sliding_layers.size() == size_t(c.n_layers),
              "{}: {} per-layer attention types for {} layers", where, c.sliding_layers.size(), c.n_layers);
  GPTQT_CHECK(c.rope_theta_local == 0 || (std::isfinite(c.rope_theta_local) && c.rope_theta_local > 1),
              "{}: the sliding layers' RoPE base {} is not a finite number above 1", where, c.rope_theta_local);
  for (const auto& [what, v] : {std::pair{"embedding scale", c.embed_scale}, {"attention scale", c.attn_scale},
                                {"attention softcap", c.attn_softcap}, {"logit softcap", c.final_softcap}})
    GPTQT_CHECK(std::isfinite(v) && v >= 0 && v < 1e6, "{}: the {} {} is out of range", where, what, v);
  GPTQT_CHECK(c.embed_scale > 0, "{}: the embedding scale is 0", where);
  const RopeScaling& r = c.rope_scaling;
  if (r.type != RopeScalingType::none && r.type != RopeScalingType::factors) {
    GPTQT_CHECK(c.pos == PosKind::rope, "{}: RoPE scaling on a model without RoPE", where);
    GPTQT_CHECK(std::isfinite(r.factor) && r.factor >= 1 && r.factor <= 1024,
                "{}: the RoPE scaling factor {} is not a number in [1, 1024]", where, r.factor);
  }
  if (r.type == RopeScalingType::llama3 || r.type == RopeScalingType::yarn || r.type == RopeScalingType::longrope)
    in("RoPE scaling original context", r.original_ctx, 1, 1 << 24);
  if (r.type == RopeScalingType::longrope)
    for (const auto* f : {&r.short_factor, &r.long_factor}) {
      GPTQT_CHECK(f->size() == size_t(c.rope_dim() / 2), "{}: longrope needs {} factors of each kind (half the "
                  "rotary dimensions), not {}", where, c.rope_dim() / 2, f->size());
      for (float v : *f)
        GPTQT_CHECK(std::isfinite(v) && v > 0 && v < 1e6, "{}: longrope factor {} is not a positive number", where, v);
    }
  if (r.type == RopeScalingType::llama3)
    GPTQT_CHECK(std::isfinite(r.low_freq_factor) && std::isfinite(r.high_freq_factor) && r.low_freq_factor > 0 &&
                    r.high_freq_factor > r.low_freq_factor,
                "{}: llama3 RoPE scaling needs 0 < low_freq_factor < high_freq_factor, not {} and {}", where,
                r.low_freq_factor, r.high_freq_factor);
  if (r.type == RopeScalingType::yarn)
    GPTQT_CHECK(std::isfinite(r.beta_fast) && std::isfinite(r.beta_slow) && r.beta_slow > 0 && r.beta_fast > 0,
                "{}: yarn RoPE scaling needs positive beta_fast and beta_slow", where);
  GPTQT_CHECK(std::isfinite(r.attn_factor) && r.attn_factor > 0 && r.attn_factor < 100,
              "{}: the RoPE attention factor {} is out of range", where, r.attn_factor);
}

}  // namespace gptqt
