// Causal multi-head attention over already-projected Q, K, V (GQA aware, optional ALiBi).
#pragma once
#include <cstdint>
#include <vector>

namespace gptqt {

struct AttentionShape {
  int n_heads, n_kv_heads, head_dim;
  int window = 0;      // > 0: a query at position i sees positions i - window + 1 .. i only
  float scale = 0.f;   // of the scores q.k (0: 1/sqrt(head_dim))
  float softcap = 0.f;  // > 0: scores become softcap * tanh(scores / softcap) before the softmax
};

// Where the key (or value) of position p for key/value head h lies in k (or v):
// p * row_stride + h * head_stride floats in, head_dim of them.
struct KvLayout {
  int64_t row_stride, head_stride;
};
// Rows of n_kv_heads * head_dim, one per position (what a linear layer writes).
inline KvLayout token_major(const AttentionShape& s) { return {int64_t(s.n_kv_heads) * s.head_dim, s.head_dim}; }

// q: T x (n_heads*head_dim) for positions S-T .. S-1; k, v: positions 0 .. S-1 laid out
// as `kv` says. out: T x (n_heads*head_dim). alibi: per-head slopes or empty.
void causal_attention(const AttentionShape& s, const float* q, int T, const float* k, const float* v, int S,
                      KvLayout kv, const std::vector<float>& alibi, float* out);

}  // namespace gptqt
