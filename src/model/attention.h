// Causal multi-head attention over already-projected Q, K, V (GQA aware, optional ALiBi).
#pragma once
#include <vector>

namespace gptqt {

struct AttentionShape {
  int n_heads, n_kv_heads, head_dim;
  int window = 0;      // > 0: a query at position i sees positions i - window + 1 .. i only
  float scale = 0.f;   // of the scores q.k (0: 1/sqrt(head_dim))
  float softcap = 0.f;  // > 0: scores become softcap * tanh(scores / softcap) before the softmax
};

// q: T x (n_heads*head_dim) for positions S-T .. S-1; k, v: S x (n_kv_heads*head_dim)
// for positions 0 .. S-1. out: T x (n_heads*head_dim). alibi: per-head slopes or empty.
void causal_attention(const AttentionShape& s, const float* q, int T, const float* k, const float* v, int S,
                      const std::vector<float>& alibi, float* out);

}  // namespace gptqt
