// One declarative table per model family: how its config is read and what its
// tensors are called. The generic loader (loader.cpp) and forward pass
// (model.cpp) know nothing family-specific beyond ModelConfig.
#pragma once
#include <string>

#include "model/config.h"
#include "model/weights.h"

namespace gptqt {

class GgufFile;

// Tensor names; "" = absent. Per-block names hold "{}" for the block index.
// Norms name their weight; a bias, if any, replaces ".weight" by ".bias".
struct TensorNames {
  std::string tok_embd, pos_embd, embed_norm, project_in, project_out, final_norm, head;
  std::string attn_norm, ffn_norm;
  std::string q_norm, k_norm;  // Qwen3's per-head norms
  std::string post_attn_norm, post_ffn_norm;  // Gemma
  std::string rope_freqs;      // GGUF's RoPE frequency divisors (Llama 3.x)
  std::string lin[kNumLinearRoles];
  // Fused projections, split on load; where a file lacks them, the roles' own names serve.
  std::string fused_qkv;          // q, k, v in one tensor: rows stacked q;k;v (Phi-3), or per head (BLOOM)
  bool fused_qkv_per_head = false;
  std::string fused_gate_up;      // Phi-3: the gate's rows, then the up projection's
  float norm_offset = 0;  // added to every norm weight on load: Hugging Face Gemma stores w of (1 + w)
};

// A per-block name template with "{}" replaced by the block index.
std::string block_name(const std::string& tmpl, int block);
// A weight's name without its ".weight" (the prefix of its bias and of a packed layer's tensors).
std::string weight_base(const std::string& weight_name);

struct Architecture {
  Family family;
  TensorNames hf;    // Hugging Face checkpoint names
  TensorNames gguf;  // GGUF names (empty tok_embd: no GGUF support for this family)
};

const Architecture& architecture(Family f);

// Config from a Hugging Face config.json text; Error for unknown model types or missing fields.
ModelConfig config_from_hf_json(const std::string& json_text, const std::string& where);
// Config from GGUF metadata (general.architecture "llama").
ModelConfig config_from_gguf(const GgufFile& f);

}  // namespace gptqt
