#include "model/kv_cache.h"

#include <algorithm>

#include "kernels/half_rows.h"

namespace gptqt {

KVCache::KVCache(const ModelConfig& cfg, int max_tokens, KvType type)
    : capacity(max_tokens), n_kv_heads(cfg.n_kv_heads), head_dim(cfg.head_dim), type(type) {
  const size_t n = size_t(max_tokens) * cfg.kv_dim();
  if (type == KvType::f16) {
    k16_.assign(size_t(cfg.n_layers), std::vector<uint16_t>(n));
    v16_.assign(size_t(cfg.n_layers), std::vector<uint16_t>(n));
  } else {
    k32_.assign(size_t(cfg.n_layers), std::vector<float>(n));
    v32_.assign(size_t(cfg.n_layers), std::vector<float>(n));
  }
}

void KVCache::store(int layer, int T, const float* k_rows, const float* v_rows) {
  const int64_t head_stride = int64_t(capacity) * head_dim;
  for (int t = 0; t < T; ++t)
    for (int h = 0; h < n_kv_heads; ++h) {
      const int64_t at = int64_t(n_past + t) * head_dim + h * head_stride;
      const float* k = k_rows + (size_t(t) * n_kv_heads + h) * head_dim;
      const float* v = v_rows + (size_t(t) * n_kv_heads + h) * head_dim;
      if (type == KvType::f16) {
        kernels::f32_to_f16_row(k, head_dim, k16_[size_t(layer)].data() + at);
        kernels::f32_to_f16_row(v, head_dim, v16_[size_t(layer)].data() + at);
      } else {
        std::copy_n(k, head_dim, k32_[size_t(layer)].data() + at);
        std::copy_n(v, head_dim, v32_[size_t(layer)].data() + at);
      }
    }
}

KvView KVCache::view(int layer) const {
  const int64_t head_stride = int64_t(capacity) * head_dim;
  if (type == KvType::f16)
    return {k16_[size_t(layer)].data(), v16_[size_t(layer)].data(), type, head_dim, head_stride};
  return {k32_[size_t(layer)].data(), v32_[size_t(layer)].data(), type, head_dim, head_stride};
}

size_t KVCache::bytes() const {
  size_t b = 0;
  for (const auto& l : k16_) b += 2 * l.size() * sizeof(uint16_t);
  for (const auto& l : k32_) b += 2 * l.size() * sizeof(float);
  return b;
}

}  // namespace gptqt
