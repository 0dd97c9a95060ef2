// Keys and values of past positions, per layer, for incremental decoding.
#pragma once
#include <algorithm>
#include <vector>

#include "model/attention.h"
#include "model/config.h"

namespace gptqt {

// Head-major: the keys (and values) of one head are one run of positions, which a
// generated token's attention reads front to back (token-major rows would make it
// pick a head's 64 floats out of every row).
struct KVCache {
  KVCache(const ModelConfig& cfg, int max_tokens)
      : capacity(max_tokens), n_kv_heads(cfg.n_kv_heads), head_dim(cfg.head_dim),
        k(size_t(cfg.n_layers), std::vector<float>(size_t(max_tokens) * cfg.kv_dim())),
        v(size_t(cfg.n_layers), std::vector<float>(size_t(max_tokens) * cfg.kv_dim())) {}
  int capacity, n_kv_heads, head_dim;
  int n_past = 0;  // positions already stored (advanced by the caller after all blocks ran)
  std::vector<std::vector<float>> k, v;  // [layer][kv head][position][head_dim]
  KvLayout layout() const { return {head_dim, int64_t(capacity) * head_dim}; }
  // Keys and values of positions n_past .. n_past + T - 1 of a layer, from token-major
  // rows (n_kv_heads * head_dim each, as the layers write them).
  void store(int layer, int T, const float* k_rows, const float* v_rows) {
    const KvLayout l = layout();
    for (int t = 0; t < T; ++t)
      for (int h = 0; h < n_kv_heads; ++h) {
        const int64_t at = (n_past + t) * l.row_stride + h * l.head_stride;
        const size_t from = (size_t(t) * n_kv_heads + h) * head_dim;
        std::copy_n(k_rows + from, head_dim, k[size_t(layer)].data() + at);
        std::copy_n(v_rows + from, head_dim, v[size_t(layer)].data() + at);
      }
  }
};

}  // namespace gptqt
