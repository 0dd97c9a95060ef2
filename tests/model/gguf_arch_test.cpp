// GGUF loading of the qwen2, qwen3, phi3 and llama (Llama 3 RoPE, YaRN) architectures:
// tiny GGUF files written the way llama.cpp's converter writes them (Llama's q/k rows
// permuted into adjacent RoPE pairs, Qwen's left in Hugging Face order, Llama 3's RoPE
// scaling as a rope_freqs tensor of divisors, YaRN as rope.scaling.* keys) by scripts/fixtures/make_gguf_fixtures.py from the
// tiny Hugging Face fixtures, against those fixtures' transformers logits.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/model.h"
#include "reference_logits.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;
using nlohmann::json;

namespace {

struct Expect {
  const char* fixture;
  const char* arch;
  RopeStyle rope_style;
  bool qkv_bias, qk_norm, tied_head;
  int head_dim;
  RopeScalingType scaling;
  Family family = Family::llama;
};

void check(const Expect& e) {
  const std::string dir = fixtures_dir() + "/models/" + e.fixture;
  const std::string path = dir + "/model.gguf";
  ASSERT_TRUE(file_exists(path)) << path << ": run scripts/fixtures/make_gguf_fixtures.py";
  const json ref = read_json(dir + "/reference.json");
  const Model m = load_model(path);

  EXPECT_EQ(m.cfg.arch, e.arch);
  EXPECT_EQ(m.cfg.family, e.family);
  EXPECT_EQ(m.cfg.rope_style, e.rope_style);
  EXPECT_EQ(m.cfg.qkv_bias, e.qkv_bias);
  EXPECT_EQ(m.cfg.qk_norm, e.qk_norm);
  EXPECT_EQ(m.cfg.tied_head, e.tied_head);
  EXPECT_EQ(m.cfg.head_dim, e.head_dim);
  EXPECT_EQ(m.cfg.rope_scaling.type, e.scaling);
  EXPECT_EQ(m.cfg.vocab, ref["vocab_size"].get<int>());

  // The same numbers as the Hugging Face folder gives, but for the RoPE layout.
  const Model hf = load_model(dir);
  EXPECT_EQ(m.cfg.hidden, hf.cfg.hidden);
  EXPECT_EQ(m.cfg.ffn, hf.cfg.ffn);
  EXPECT_EQ(m.cfg.n_layers, hf.cfg.n_layers);
  EXPECT_EQ(m.cfg.n_heads, hf.cfg.n_heads);
  EXPECT_EQ(m.cfg.n_kv_heads, hf.cfg.n_kv_heads);
  EXPECT_EQ(m.cfg.head_dim, hf.cfg.head_dim);
  EXPECT_EQ(m.cfg.max_ctx, hf.cfg.max_ctx);
  EXPECT_EQ(m.cfg.rope_theta, hf.cfg.rope_theta);
  EXPECT_EQ(m.cfg.norm_eps, hf.cfg.norm_eps);
  EXPECT_EQ(m.cfg.tied_head, hf.cfg.tied_head);
  EXPECT_EQ(m.cfg.qkv_bias, hf.cfg.qkv_bias);
  EXPECT_EQ(m.cfg.qk_norm, hf.cfg.qk_norm);
  EXPECT_EQ(m.cfg.rotary_dim, hf.cfg.rotary_dim);
  EXPECT_EQ(m.cfg.sliding_window, hf.cfg.sliding_window);
  if (e.scaling == RopeScalingType::yarn) {  // GGUF keys for what config.json says
    EXPECT_EQ(m.cfg.rope_scaling.original_ctx, hf.cfg.rope_scaling.original_ctx);
    EXPECT_EQ(m.cfg.rope_scaling.factor, hf.cfg.rope_scaling.factor);
    EXPECT_EQ(m.cfg.rope_scaling.beta_fast, hf.cfg.rope_scaling.beta_fast);
    EXPECT_EQ(m.cfg.rope_scaling.beta_slow, hf.cfg.rope_scaling.beta_slow);
    EXPECT_NEAR(m.cfg.rope_scaling.attn_factor, hf.cfg.rope_scaling.attn_factor, 1e-6);
  }
  if (e.scaling == RopeScalingType::longrope) {  // GGUF keys and tensors for what config.json says
    EXPECT_EQ(m.cfg.rope_scaling.original_ctx, hf.cfg.rope_scaling.original_ctx);
    EXPECT_EQ(m.cfg.rope_scaling.short_factor, hf.cfg.rope_scaling.short_factor);
    EXPECT_EQ(m.cfg.rope_scaling.long_factor, hf.cfg.rope_scaling.long_factor);
    EXPECT_NEAR(m.cfg.rope_scaling.attn_factor, hf.cfg.rope_scaling.attn_factor, 1e-6);
  }
  // Llama 3's divisors give the inverse frequencies transformers' llama3 rescaling gives.
  ASSERT_EQ(m.w.rope_inv_freq.size(), hf.w.rope_inv_freq.size());
  for (size_t i = 0; i < m.w.rope_inv_freq.size(); ++i)
    EXPECT_NEAR(m.w.rope_inv_freq[i], hf.w.rope_inv_freq[i], 1e-6 * hf.w.rope_inv_freq[i]) << i;

  const double short_err = worst_row_error(m, ref["tokens"].get<std::vector<int32_t>>(), ref["logits"]);
  const double long_err = worst_row_error(m, ref["tokens_long"].get<std::vector<int32_t>>(), ref["logits_long"]);
  EXPECT_LT(short_err, 1e-4) << e.fixture;
  EXPECT_LT(long_err, 1e-4) << e.fixture << " (long)";
  std::printf("%s GGUF: worst relative logit error %.2e (tokens), %.2e (tokens_long)\n", e.fixture, short_err,
              long_err);
}

}  // namespace

TEST(GgufArch, Qwen2LogitsMatchTransformers) {
  check({.fixture = "tiny-qwen2", .arch = "qwen2", .rope_style = RopeStyle::half, .qkv_bias = true,
         .qk_norm = false, .tied_head = true, .head_dim = 16, .scaling = RopeScalingType::none});
}

TEST(GgufArch, Qwen3LogitsMatchTransformers) {
  check({.fixture = "tiny-qwen3", .arch = "qwen3", .rope_style = RopeStyle::half, .qkv_bias = false,
         .qk_norm = true, .tied_head = false, .head_dim = 24, .scaling = RopeScalingType::none});
}

TEST(GgufArch, Llama3RopeLogitsMatchTransformers) {
  check({.fixture = "tiny-llama3-rope", .arch = "llama", .rope_style = RopeStyle::interleaved, .qkv_bias = false,
         .qk_norm = false, .tied_head = true, .head_dim = 16, .scaling = RopeScalingType::factors});
}

TEST(GgufArch, LlamaYarnLogitsMatchTransformers) {
  check({.fixture = "tiny-llama-yarn", .arch = "llama", .rope_style = RopeStyle::interleaved, .qkv_bias = false,
         .qk_norm = false, .tied_head = false, .head_dim = 16, .scaling = RopeScalingType::yarn});
}

// Phi-3 as llama.cpp's converter writes it: fused attn_qkv and ffn_up (gate;up),
// NEOX RoPE over rope.dimension_count of each head, LongRoPE factor tensors.
TEST(GgufArch, Phi4MiniLikeLogitsMatchTransformers) {
  check({.fixture = "tiny-phi3", .arch = "phi3", .rope_style = RopeStyle::half, .qkv_bias = false, .qk_norm = false,
         .tied_head = true, .head_dim = 16, .scaling = RopeScalingType::longrope, .family = Family::phi3});
}

TEST(GgufArch, Phi3MiniLikeLogitsMatchTransformers) {
  check({.fixture = "tiny-phi3-mini", .arch = "phi3", .rope_style = RopeStyle::half, .qkv_bias = false,
         .qk_norm = false, .tied_head = false, .head_dim = 16, .scaling = RopeScalingType::none,
         .family = Family::phi3});
}
