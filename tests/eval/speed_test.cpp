// What bench counts as read per generated token: the weights, and the cache at each
// position (fp16 or fp32 keys and values; sliding-window layers only their window).
#include <gtest/gtest.h>

#include "eval/speed.h"

namespace gptqt {
namespace {

Model model_without_weights(int layers, int kv_heads, int head_dim) {
  Model m;
  m.cfg.n_layers = layers;
  m.cfg.n_kv_heads = kv_heads;
  m.cfg.head_dim = head_dim;
  m.cfg.embed_dim = 8;
  return m;
}

TEST(Speed, TheCacheReadGrowsWithThePosition) {
  Model m = model_without_weights(3, 2, 16);
  EXPECT_EQ(kv_bytes_at(m, 100), 100 * 3 * 2 * (2 * 16) * 2.0) << "layers × (k and v) × kv_dim × fp16";
  m.kv_type = KvType::f32;
  const double per_position = 3 * 2 * (2 * 16) * 4.0;  // layers × (k and v) × kv_dim × fp32
  EXPECT_EQ(kv_bytes_at(m, 0), 0.0);
  EXPECT_EQ(kv_bytes_at(m, 100), 100 * per_position);
  // tg4 at depth 10 reads at positions 10, 11, 12, 13: on average 11.5 positions.
  EXPECT_DOUBLE_EQ(generation_bytes_per_token(m, 4, 10), weight_bytes_per_token(m) + 11.5 * per_position);
  EXPECT_EQ(weight_bytes_per_token(m), 8 * 4.0) << "no layers: one embedding row";
}

TEST(Speed, SlidingLayersReadTheirWindowOnly) {
  Model m = model_without_weights(2, 1, 8);
  m.cfg.sliding_window = 4;
  m.cfg.sliding_layers = {true, false};  // Gemma's pattern in small
  m.kv_type = KvType::f32;
  const double per_layer_position = 2 * 8 * 4.0;
  EXPECT_EQ(kv_bytes_at(m, 3), 2 * 3 * per_layer_position);
  EXPECT_EQ(kv_bytes_at(m, 10), (4 + 10) * per_layer_position);
}

}  // namespace
}  // namespace gptqt
