// Causal multi-head attention over already-projected Q, K, V (GQA aware, optional ALiBi).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gptqt {

struct AttentionShape {
  int n_heads, n_kv_heads, head_dim;
  int window = 0;      // > 0: a query at position i sees positions i - window + 1 .. i only
  float scale = 0.f;   // of the scores q.k (0: 1/sqrt(head_dim))
  float softcap = 0.f;  // > 0: scores become softcap * tanh(scores / softcap) before the softmax
};

// What a KV cache holds its keys and values in: fp32, or fp16 (llama.cpp's default:
// half the bytes that a generated token's attention reads, and half the memory).
enum class KvType { f32, f16 };
KvType parse_kv_type(const std::string& s);  // "f32" or "f16"
const char* kv_type_name(KvType t);

// Keys and values of positions 0 .. S-1: the key (or value) of position p for key/value
// head h lies p * row_stride + h * head_stride elements into k (or v), head_dim of them.
struct KvView {
  const void* k;
  const void* v;
  KvType type;
  int64_t row_stride, head_stride;
};
// fp32 rows of n_kv_heads * head_dim, one per position (what a linear layer writes).
inline KvView token_major(const AttentionShape& s, const float* k, const float* v) {
  return {k, v, KvType::f32, int64_t(s.n_kv_heads) * s.head_dim, s.head_dim};
}

// q: T x (n_heads*head_dim) for positions S-T .. S-1. out: T x (n_heads*head_dim).
// alibi: per-head slopes or empty.
void causal_attention(const AttentionShape& s, const float* q, int T, const KvView& kv, int S,
                      const std::vector<float>& alibi, float* out);

}  // namespace gptqt
