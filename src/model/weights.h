// The weights of a decoder, in the roles of the generic forward pass. Fused
// tensors in files (BLOOM's query_key_value) are split into q, k, v on load.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "kernels/int8_gemv.h"
#include "model/config.h"
#include "model/linear.h"

namespace gptqt {

struct Norm {
  std::vector<float> weight, bias;  // bias empty for RMSNorm
};

// The linear layers of a block, in a fixed order; names as in linear_role_name().
enum class LinearRole { q, k, v, o, gate, up, down };
constexpr int kNumLinearRoles = 7;
const char* linear_role_name(LinearRole r);
// The role of a name linear_role_name() gives; Error on any other.
LinearRole linear_role_from_name(const std::string& name);

// rows (outputs) x cols (inputs) of a role's layer in this config.
struct LinearShape {
  int rows, cols;
};
LinearShape linear_shape(const ModelConfig& c, LinearRole r);
// Whether blocks of this config have the role's layer (gate: gated activations only).
bool has_linear(const ModelConfig& c, LinearRole r);

struct BlockWeights {
  Norm attn_norm, ffn_norm;      // before attention / MLP (after them when post_ln)
  Norm q_norm, k_norm;           // Qwen3, Gemma 3: over each head (head_dim weights), before RoPE
  Norm post_attn_norm, post_ffn_norm;  // Gemma 2/3: on the attention and MLP outputs
  Linear lin[kNumLinearRoles];   // gate is absent (op == nullptr) outside Llama
  Linear& operator[](LinearRole r) { return lin[int(r)]; }
  const Linear& operator[](LinearRole r) const { return lin[int(r)]; }
};

struct ModelWeights {
  std::vector<float> tok_embd;   // vocab x embed_dim; empty when tok_embd_int8 serves instead
  std::shared_ptr<const kernels::Int8Matrix> tok_embd_int8;  // generation: int8 rows (load_model)
  std::vector<float> pos_embd;   // OPT: (max_ctx + offset) x hidden
  Norm embed_norm;               // BLOOM
  Linear project_in, project_out;  // OPT-350M
  std::vector<BlockWeights> blocks;
  Norm final_norm;
  Linear head;                   // vocab x embed_dim; a copy of tok_embd when tied
  std::vector<float> rope_freqs;      // GGUF's per-frequency divisors (RopeScalingType::factors), else empty
  std::vector<double> rope_inv_freq;  // RoPE models: the scaled inverse frequencies (model/rope.h)
  std::vector<double> rope_inv_freq_local;  // Gemma 3's sliding layers (rope_theta_local), else empty
};

}  // namespace gptqt
