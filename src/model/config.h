// What a decoder-only model is, in the few switches that tell the families apart.
#pragma once
#include <string>
#include <vector>

namespace gptqt {

enum class Family { llama, opt, bloom, gemma, phi3 };
enum class NormKind { rms, layer };
enum class PosKind { rope, learned, alibi };
enum class RopeStyle { half, interleaved };  // HF rotate_half vs GGUF's adjacent pairs
enum class ActKind { silu_gated, relu, gelu_tanh, gelu_tanh_gated };  // gated: act(gate) * up

// RoPE frequency scaling, from config.json's rope_scaling / rope_parameters or
// GGUF's rope.scaling.* keys; model/rope.cpp turns it into inverse frequencies.
// `factors`: per-frequency divisors given as a tensor (GGUF's rope_freqs.weight,
// which llama.cpp's converter writes for Llama 3.x instead of the parameters).
// `dynamic` (NTK) and `longrope` (Phi-3) depend on the length of the sequence a
// forward call runs over, as transformers computes them (rope_for_length()).
enum class RopeScalingType { none, linear, llama3, yarn, factors, dynamic, longrope };
struct RopeScaling {
  RopeScalingType type = RopeScalingType::none;
  float factor = 1.f;
  float low_freq_factor = 1.f, high_freq_factor = 4.f;  // llama3
  int original_ctx = 0;                                 // llama3, yarn: the context trained without scaling
  float beta_fast = 32.f, beta_slow = 1.f;              // yarn: the ramp between the two regimes
  bool truncate = true;                                 // yarn: round the ramp's ends to whole dimensions
  float attn_factor = 1.f;                              // yarn, longrope: multiplies cos and sin
  // longrope: per-frequency divisors for sequences up to original_ctx, and beyond it
  std::vector<float> short_factor, long_factor;

  bool depends_on_length() const { return type == RopeScalingType::dynamic || type == RopeScalingType::longrope; }
};

struct ModelConfig {
  Family family = Family::llama;
  std::string arch;  // as named by the file, e.g. "llama", "OPTForCausalLM"
  int n_layers = 0, hidden = 0, ffn = 0, n_heads = 0, n_kv_heads = 0, head_dim = 0, vocab = 0;
  int max_ctx = 0;
  float norm_eps = 1e-5f;
  NormKind norm = NormKind::rms;
  PosKind pos = PosKind::rope;
  RopeStyle rope_style = RopeStyle::half;
  float rope_theta = 10000.f;
  RopeScaling rope_scaling;
  int rotary_dim = 0;         // Phi-3/4: RoPE on the first rotary_dim dimensions of each head (0: all)
  ActKind act = ActKind::silu_gated;
  bool bias = false;          // linears carry biases (OPT, BLOOM)
  bool post_ln = false;       // OPT-350M: LayerNorm after each residual add
  bool embed_norm = false;    // BLOOM: LayerNorm on the token embeddings
  bool final_norm = true;     // OPT post-LN models have none
  int embed_dim = 0;          // OPT word_embed_proj_dim (== hidden unless project_in/out exist)
  int pos_offset = 0;         // OPT learned positions start at row 2
  bool tied_head = false;
  bool qkv_bias = false;      // Qwen2: biases on q, k and v only
  bool qk_norm = false;       // Qwen3: RMSNorm over each head of q and k, before RoPE
  int sliding_window = 0;     // Mistral v0.1: a query sees itself and the W - 1 positions before (0: all)
  std::vector<bool> sliding_layers;  // Gemma: which layers use the window (empty: all, when it is set)
  float rope_theta_local = 0.f;      // Gemma 3: RoPE base of the sliding layers, unscaled (0: as the others)
  float embed_scale = 1.f;           // Gemma: token embeddings times sqrt(hidden)
  bool post_norms = false;           // Gemma 2/3: RMSNorm on the attention and MLP outputs before the residual add
  float attn_scale = 0.f;            // query scale (0: 1/sqrt(head_dim); Gemma: 1/sqrt(query_pre_attn_scalar))
  float attn_softcap = 0.f;          // Gemma 2: scores become cap * tanh(scores / cap) (0: none)
  float final_softcap = 0.f;         // Gemma 2: the same on the logits

  int q_dim() const { return n_heads * head_dim; }
  int rope_dim() const { return rotary_dim > 0 ? rotary_dim : head_dim; }
  bool gated() const { return act == ActKind::silu_gated || act == ActKind::gelu_tanh_gated; }  // act(gate) * up
  bool is_sliding(int layer) const {
    return sliding_window > 0 && (sliding_layers.empty() || sliding_layers[size_t(layer)]);
  }
  int kv_dim() const { return n_kv_heads * head_dim; }
};

// Every config, whatever file it came from (config.json, GGUF metadata, a
// packed header), passes here before a model is built: sizes positive, within
// bounds that keep every derived size far from overflow, and consistent; the
// norm epsilon and RoPE base finite and positive. Error naming `where` otherwise.
void validate_config(const ModelConfig& c, const std::string& where);

}  // namespace gptqt
