// What a decoder-only model is, in the few switches that tell the families apart.
#pragma once
#include <string>

namespace gptqt {

enum class Family { llama, opt, bloom };
enum class NormKind { rms, layer };
enum class PosKind { rope, learned, alibi };
enum class RopeStyle { half, interleaved };  // HF rotate_half vs GGUF's adjacent pairs
enum class ActKind { silu_gated, relu, gelu_tanh };

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
  ActKind act = ActKind::silu_gated;
  bool bias = false;          // linears carry biases (OPT, BLOOM)
  bool post_ln = false;       // OPT-350M: LayerNorm after each residual add
  bool embed_norm = false;    // BLOOM: LayerNorm on the token embeddings
  bool final_norm = true;     // OPT post-LN models have none
  int embed_dim = 0;          // OPT word_embed_proj_dim (== hidden unless project_in/out exist)
  int pos_offset = 0;         // OPT learned positions start at row 2
  bool tied_head = false;

  int q_dim() const { return n_heads * head_dim; }
  int kv_dim() const { return n_kv_heads * head_dim; }
};

const char* family_name(Family f);

// Every config, whatever file it came from (config.json, GGUF metadata, a
// packed header), passes here before a model is built: sizes positive, within
// bounds that keep every derived size far from overflow, and consistent; the
// norm epsilon and RoPE base finite and positive. Error naming `where` otherwise.
void validate_config(const ModelConfig& c, const std::string& where);

}  // namespace gptqt
