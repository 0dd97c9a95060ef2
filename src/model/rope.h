// Rotary position embedding: the inverse frequencies of a model, with its RoPE
// scaling (linear, Llama 3, YaRN, or per-frequency factors from a GGUF file),
// and the rotation of query and key heads.
#pragma once
#include <vector>

#include "model/config.h"

namespace gptqt {

// inv_freq[i] for i < d/2, d = c.rope_dim(): theta^(-2i/d), rescaled as the config
// says; `factors` (GGUF's rope_freqs.weight, d/2 divisors) is used when the
// scaling type is `factors`. seq_len (max position + 1 of the forward call) picks
// LongRoPE's short or long factors and sets dynamic NTK's base; 0 means a sequence
// within the trained context. Formulas as transformers' modeling_rope_utils.
std::vector<double> rope_inv_freq(const ModelConfig& c, const std::vector<float>& factors, int seq_len = 0);

// The rotation of positions pos0..pos0+T-1 by each frequency, computed once for the
// queries and the keys (in double: a position times a frequency is large): cos and
// sin of pos · inv_freq[i], times attn_factor (YaRN, LongRoPE), [T][half].
struct RopeAngles {
  int T = 0, half = 0;
  std::vector<float> cos, sin;
};
RopeAngles rope_angles(const std::vector<double>& inv_freq, float attn_factor, int T, int pos0);
// The same, kept for the last two sets of arguments asked on this thread: every block
// of a forward pass rotates the same positions (by two sets of frequencies where local
// layers have their own, Gemma 3), and a sine and a cosine per angle cost more than
// a generated token's rotation.
const RopeAngles& rope_angles_cached(const std::vector<double>& inv_freq, float attn_factor, int T, int pos0);

// In place on T rows of n_heads heads of head_dim: the first 2 * half dimensions of
// each head (all of it but for partial rotary), pairs (i, i + d/2) for
// RopeStyle::half, (2i, 2i+1) for interleaved, rotated by the angles.
void apply_rope(RopeStyle style, const RopeAngles& angles, float* x, int n_heads, int head_dim);

}  // namespace gptqt
