// Keys and values of past positions, per layer, for incremental decoding.
#pragma once
#include <cstdint>
#include <vector>

#include "model/attention.h"
#include "model/config.h"

namespace gptqt {

// Head-major: the keys (and values) of one head are one run of positions, which a
// generated token's attention reads front to back (token-major rows would make it
// pick a head's 64 values out of every row). fp16 (the default, as llama.cpp's) or
// fp32 elements.
struct KVCache {
  KVCache(const ModelConfig& cfg, int max_tokens, KvType type = KvType::f16);
  int capacity, n_kv_heads, head_dim;
  KvType type;
  int n_past = 0;  // positions already stored (advanced by the caller after all blocks ran)

  // Keys and values of positions n_past .. n_past + T - 1 of a layer, from token-major
  // fp32 rows (n_kv_heads * head_dim each, as the layers write them).
  void store(int layer, int T, const float* k_rows, const float* v_rows);
  // A layer's positions 0 .. n_past + T - 1 once its new ones are stored.
  KvView view(int layer) const;
  size_t bytes() const;

 private:
  // [layer][kv head][position][head_dim]; one pair is used, as `type` says.
  std::vector<std::vector<float>> k32_, v32_;
  std::vector<std::vector<uint16_t>> k16_, v16_;
};

}  // namespace gptqt
