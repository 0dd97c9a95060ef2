// Keys and values of past positions, per layer, for incremental decoding.
#pragma once
#include <vector>

#include "model/config.h"

namespace gptqt {

struct KVCache {
  KVCache(const ModelConfig& cfg, int max_tokens)
      : capacity(max_tokens), kv_dim(cfg.kv_dim()),
        k(size_t(cfg.n_layers), std::vector<float>(size_t(max_tokens) * cfg.kv_dim())),
        v(size_t(cfg.n_layers), std::vector<float>(size_t(max_tokens) * cfg.kv_dim())) {}
  int capacity, kv_dim;
  int n_past = 0;  // positions already stored (advanced by the caller after all blocks ran)
  std::vector<std::vector<float>> k, v;  // [layer][pos * kv_dim]
};

}  // namespace gptqt
