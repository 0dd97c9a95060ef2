// Incoherence processing in the forward pass (model/rotation.h): a model whose every
// linear input is rotated, with its weights rotated to match, computes the same logits
// in fp32; the seeds survive the packed header's JSON and bad ones are refused.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "model/model.h"
#include "model/rotation.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {

// max |a - b| / max |a|
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double mx = 0, diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    mx = std::max(mx, double(std::abs(a[i])));
    diff = std::max(diff, double(std::abs(a[i] - b[i])));
  }
  return diff / mx;
}

// Every block's inputs and the head's rotated, the weights with them.
void rotate_everything(Model& m, uint64_t seed) {
  m.rotations.blocks.resize(size_t(m.cfg.n_layers));
  for (int b = 0; b < m.cfg.n_layers; ++b) {
    m.rotations.blocks[size_t(b)] = make_block_rotations(m.cfg, seed, b);
    rotate_block_weights(m.w.blocks[size_t(b)], m.rotations.blocks[size_t(b)]);
  }
  m.rotations.head = make_head_rotation(m.cfg, seed);
  rotate_weights(m.w.head, *m.rotations.head);
}

std::vector<int32_t> some_tokens(int vocab, int n) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) t[size_t(i)] = int32_t((i * 7919 + 13) % vocab);
  return t;
}

void expect_same_logits(const std::string& path, int n_tokens) {
  const Model plain = load_model(path);
  Model rotated = load_model(path);
  const std::vector<float> w0 = plain.w.blocks[0][LinearRole::q].dense()->weights();
  rotate_everything(rotated, 42);
  // The stored weights did change (the rotation is not the identity)...
  const std::vector<float>& w1 = rotated.w.blocks[0][LinearRole::q].dense()->weights();
  EXPECT_GT(relative_error(w0, w1), 0.1) << path;
  // ...and the model computes what it did: whole passes and, through the cache, one token at a time.
  const std::vector<int32_t> tokens = some_tokens(plain.cfg.vocab, n_tokens);
  const double whole = relative_error(plain.forward(tokens), rotated.forward(tokens));
  KVCache ca(plain.cfg, n_tokens, KvType::f32), cb(rotated.cfg, n_tokens, KvType::f32);  // only the rotation differs
  double stepwise = 0;
  for (int32_t t : tokens) stepwise = std::max(stepwise, relative_error(plain.forward({t}, &ca), rotated.forward({t}, &cb)));
  EXPECT_LT(whole, 1e-4) << path;
  EXPECT_LT(stepwise, 1e-4) << path;
  std::printf("%s: rotated logits within %.2e (whole pass), %.2e (stepwise)\n", path.c_str(), whole, stepwise);
}

}  // namespace

TEST(Rotation, RotatedModelsKeepTheirLogits) {
  for (const char* name : {"tiny-llama", "tiny-llama-tied", "tiny-opt", "tiny-opt-350m-style", "tiny-bloom",
                           "tiny-qwen2", "tiny-qwen3", "tiny-gemma2", "tiny-gemma3", "tiny-phi3"})
    expect_same_logits(fixtures_dir() + "/models/" + name, 24);
}

// SmolLM2's widths (576 = 36·16, 1536 = 12·128) use the Paley factors.
TEST(Rotation, SmolLM2KeepsItsLogits) {
  const std::string path = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!file_exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  expect_same_logits(path, 20);
}

TEST(Rotation, SeedsRoundTripThroughJson) {
  const ModelConfig c = load_model_config(fixtures_dir() + "/models/tiny-llama");
  ModelRotations r;
  for (int b = 0; b < c.n_layers; ++b) r.blocks.push_back(make_block_rotations(c, 5, b));
  r.blocks[1].in[size_t(LinearInput::o)] = nullptr;  // an input left as it is
  r.head = make_head_rotation(c, 5);
  EXPECT_EQ(r.seed_count(), int64_t(c.n_layers) * kNumLinearInputs - 1 + 1);
  const ModelRotations back = ModelRotations::from_json(nlohmann::json::parse(r.to_json().dump()), c, "test");
  ASSERT_EQ(back.blocks.size(), r.blocks.size());
  for (size_t b = 0; b < r.blocks.size(); ++b)
    for (int i = 0; i < kNumLinearInputs; ++i) {
      const Rotation* x = r.blocks[b][LinearInput(i)];
      const Rotation* y = back.blocks[b][LinearInput(i)];
      ASSERT_EQ(bool(x), bool(y));
      if (x) {
        EXPECT_EQ(x->seed(), y->seed());
        EXPECT_EQ(x->size(), y->size());
      }
    }
  EXPECT_EQ(back.head->seed(), r.head->seed());
  // Different blocks and inputs draw different seeds.
  EXPECT_NE(r.blocks[0][LinearInput::attn]->seed(), r.blocks[1][LinearInput::attn]->seed());
  EXPECT_NE(r.blocks[0][LinearInput::attn]->seed(), r.blocks[0][LinearInput::mlp]->seed());
  EXPECT_FALSE(ModelRotations::from_json(nullptr, c, "test").any());
}

TEST(Rotation, MalformedSeedsAreRefused) {
  const ModelConfig c = load_model_config(fixtures_dir() + "/models/tiny-llama");
  ModelRotations r;
  for (int b = 0; b < c.n_layers; ++b) r.blocks.push_back(make_block_rotations(c, 5, b));
  const nlohmann::json good = r.to_json();
  auto refused = [&](nlohmann::json j, const std::string& says) {
    try {
      ModelRotations::from_json(j, c, "gptqt.json");
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  nlohmann::json j = good;
  j["kind"] = "givens";
  refused(j, "not a hadamard rotation");
  j["kind"] = 3;
  refused(j, "not a hadamard rotation");
  j = good;
  j["blocks"].erase(j["blocks"].begin());
  refused(j, "lists 1 blocks for a model of 2");
  j = good;
  j["blocks"][0][2] = -3;
  refused(j, "block 0 mlp is not an unsigned integer");
  j = good;
  j["blocks"][1] = {1, 2};
  refused(j, "block 1's rotation seeds are not a list of 4");
  j = good;
  j["head"] = "x";
  refused(j, "the head is not an unsigned integer");
}
