// The forward pass against logits from an independent implementation (Hugging
// Face transformers), generated once by scripts/fixtures/make_model_fixtures.py.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/model.h"
#include "reference_logits.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;
using nlohmann::json;

namespace {

// Every row within tol (reference_logits.h); prints the worst.
void expect_logits_match(const Model& m, const std::vector<int32_t>& tokens, const json& ref_logits,
                         const json& vocab_ids, double tol, const std::string& what) {
  const double worst = worst_row_error(m, tokens, ref_logits, vocab_ids);
  EXPECT_LT(worst, tol) << what;
  std::printf("%s: worst relative logit error %.2e over %zu positions\n", what.c_str(), worst, tokens.size());
}

void check_fixture(const std::string& name, const std::string& model_path) {
  json ref = read_json(fixtures_dir() + "/models/" + name + "/reference.json");
  Model m = load_model(model_path);
  EXPECT_EQ(m.cfg.vocab, ref["vocab_size"].get<int>());
  const json ids = ref.contains("vocab_ids") ? ref["vocab_ids"] : json();
  expect_logits_match(m, ref["tokens"].get<std::vector<int32_t>>(), ref["logits"], ids, 1e-4, name);
  if (ref.contains("tokens_long"))
    expect_logits_match(m, ref["tokens_long"].get<std::vector<int32_t>>(), ref["logits_long"], ids, 1e-4,
                        name + " (long)");
}

}  // namespace

class TinyCheckpoint : public testing::TestWithParam<const char*> {};

TEST_P(TinyCheckpoint, LogitsMatchTransformers) {
  check_fixture(GetParam(), fixtures_dir() + "/models/" + GetParam());
}

INSTANTIATE_TEST_SUITE_P(Families, TinyCheckpoint,
                         testing::Values("tiny-llama", "tiny-llama-tied", "tiny-opt", "tiny-opt-350m-style",
                                         "tiny-bloom", "tiny-bloom-6h", "tiny-qwen2", "tiny-qwen3", "tiny-mistral",
                                         "tiny-llama3-rope", "tiny-llama-yarn", "tiny-llama-linear",
                                         "tiny-llama-rope-old-schema", "tiny-gemma2", "tiny-gemma3", "tiny-phi3",
                                         "tiny-phi3-old-schema", "tiny-phi3-mini", "tiny-llama-dynamic"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (!isalnum(c)) c = '_';
                           return s;
                         });

TEST(RealModel, Stories260KLogitsMatch) {
  std::string path = data_dir() + "/stories260K/tinyllamas-stories-260k-f32.gguf";
  if (!file_exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  check_fixture("stories260K", path);
}

TEST(RealModel, SmolLM2LogitsMatch) {
  std::string path = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!file_exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  if (!file_exists(fixtures_dir() + "/models/smollm2/reference.json")) FAIL() << "fixture missing";
  check_fixture("smollm2", path);
}

// SmolLM2's tied embedding is Q8_0, so the int8 head (which then also serves the
// embeddings, without the fp32 table) must give the fp32 head's logits.
TEST(RealModel, SmolLM2Int8HeadIsLossless) {
  std::string path = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!file_exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  Model f32 = load_model(path, {.head = "f32"});
  Model int8 = load_model(path, {.head = "int8"});
  EXPECT_FALSE(f32.w.tok_embd.empty());
  EXPECT_TRUE(int8.w.tok_embd.empty()) << "the tied int8 head should replace the fp32 embedding table";
  EXPECT_EQ(int8.n_params(), f32.n_params());
  const std::vector<int32_t> tokens = {504, 3575, 282, 4649, 314, 0, 49151};
  const std::vector<float> a = f32.forward(tokens), b = int8.forward(tokens);
  ASSERT_EQ(a.size(), b.size());
  float worst = 0, top = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
    top = std::max(top, std::abs(a[i]));
  }
  EXPECT_LT(worst, 1e-5f * top);
}

TEST(RealModel, Stories260KGreedyContinuationIsTheKnownStory) {
  std::string path = data_dir() + "/stories260K/tinyllamas-stories-260k-f32.gguf";
  if (!file_exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  json ref = read_json(fixtures_dir() + "/models/stories260K/reference.json");
  Model m = load_model(path);
  // Greedy with the KV cache must reproduce the reference's argmax chain.
  std::vector<int32_t> toks = ref["tokens"].get<std::vector<int32_t>>();
  std::vector<int32_t> prompt(toks.begin(), toks.begin() + ref["prompt_tokens"].size());
  KVCache cache(m.cfg, 64);
  std::vector<float> logits = m.forward(prompt, &cache);
  std::vector<int32_t> out = prompt;
  while (out.size() < toks.size()) {
    const float* last = logits.data() + (logits.size() / m.cfg.vocab - 1) * m.cfg.vocab;
    int32_t best = int32_t(std::max_element(last, last + m.cfg.vocab) - last);
    out.push_back(best);
    logits = m.forward({best}, &cache);
  }
  EXPECT_EQ(out, toks);
}

// An fp16 KV cache (the default, as llama.cpp's) rounds keys and values to 11
// significant bits: a prompt and then tokens one at a time through it stay close to
// the fp32 cache's logits and pick the same tokens.
TEST(RealModel, SmolLM2Fp16CacheKeepsTheLogits) {
  std::string path = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!file_exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  const Model m = load_model(path, {.head = "int8"});
  const std::vector<int32_t> prompt = {504, 3575, 282, 4649, 314, 0, 1848, 2114};
  KVCache c16(m.cfg, 64, KvType::f16), c32(m.cfg, 64, KvType::f32);
  std::vector<float> a = m.forward(prompt, &c32, LogitsFor::last), b = m.forward(prompt, &c16, LogitsFor::last);
  double worst = 0;
  for (int step = 0; step < 24; ++step) {
    float top = 0, diff = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      top = std::max(top, std::abs(a[i]));
      diff = std::max(diff, std::abs(a[i] - b[i]));
    }
    worst = std::max(worst, double(diff / top));
    const int32_t next = int32_t(std::max_element(a.begin(), a.end()) - a.begin());
    ASSERT_EQ(next, std::max_element(b.begin(), b.end()) - b.begin()) << "step " << step;
    a = m.forward({next}, &c32);
    b = m.forward({next}, &c16);
  }
  std::printf("fp16 cache: worst relative logit difference %.2e over 24 steps\n", worst);
  EXPECT_LT(worst, 1e-2);
  EXPECT_GT(worst, 0.0) << "the fp16 cache should round something";
}

// The error loading the checkpoint folder `dir` gives with config.json replaced by `cfg`,
// or "accepted".
std::string load_error(const std::string& dir, const json& cfg) {
  std::ofstream(dir + "/config.json") << cfg.dump();
  try {
    load_model(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "accepted";
}

TEST(ModelLoad, BadConfigsGiveErrors) {
  std::string dir = temp_dir();
  std::filesystem::copy(fixtures_dir() + "/models/tiny-llama", dir, std::filesystem::copy_options::recursive);
  auto write = [&](const std::string& text) { std::ofstream(dir + "/config.json") << text; };
  json cfg = read_json(fixtures_dir() + "/models/tiny-llama/config.json");
  json missing = cfg;
  missing.erase("hidden_size");
  write(missing.dump());
  EXPECT_THROW(load_model(dir), Error);
  json unknown = cfg;
  unknown["model_type"] = "mamba";
  write(unknown.dump());
  EXPECT_THROW(load_model(dir), Error);
  json wrong = cfg;
  wrong["intermediate_size"] = 100;  // tensors no longer match the config
  write(wrong.dump());
  EXPECT_THROW(load_model(dir), Error);
  write("{not json");
  EXPECT_THROW(load_model(dir), Error);
  EXPECT_THROW(load_model(dir + "/nope"), Error);

  // RoPE scaling, in both schemas: unknown types and missing or mistyped parameters are named.
  auto error = [&](const json& c) { return load_error(dir, c); };
  json rope = cfg;
  rope["rope_scaling"] = {{"rope_type", "mrope"}, {"factor", 2.0}};
  EXPECT_NE(error(rope).find("rope type \"mrope\" is not supported"), std::string::npos);
  rope["rope_scaling"] = {{"rope_type", "dynamic"}};
  EXPECT_NE(error(rope).find("scaling factor 0"), std::string::npos);
  rope["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0}};
  EXPECT_NE(error(rope).find("original_max_position_embeddings"), std::string::npos);
  rope["rope_scaling"]["original_max_position_embeddings"] = "8192";
  EXPECT_NE(error(rope).find("must be an integer"), std::string::npos);
  rope["rope_scaling"]["original_max_position_embeddings"] = 8192;
  rope["rope_scaling"]["high_freq_factor"] = 0.5;
  EXPECT_NE(error(rope).find("low_freq_factor < high_freq_factor"), std::string::npos);
  json params = cfg;
  params.erase("rope_theta");
  params["rope_parameters"] = {{"rope_type", "linear"}, {"rope_theta", 10000.0}, {"factor", "two"}};
  EXPECT_NE(error(params).find("\"factor\" must be a number"), std::string::npos);
  params["rope_parameters"]["factor"] = 0.5;
  EXPECT_NE(error(params).find("scaling factor 0.5"), std::string::npos);
  json window = cfg;
  window["model_type"] = "mistral";
  window["sliding_window"] = -4;
  EXPECT_NE(error(window).find("sliding_window"), std::string::npos);
  json layers = cfg;
  layers["layer_types"] = {"sliding_attention", "full_attention"};
  EXPECT_NE(error(layers).find("per-layer attention type"), std::string::npos);
  // Architectures we do not run say what they are.
  json moe = cfg;
  moe["model_type"] = "qwen3_moe";
  moe["num_experts"] = 128;
  EXPECT_NE(error(moe).find("Mixture-of-Experts model (num_experts 128"), std::string::npos);
  json hybrid = cfg;
  hybrid["model_type"] = "qwen3_next";
  hybrid["layer_types"] = {"linear_attention", "full_attention"};
  EXPECT_NE(error(hybrid).find("hybrid model (layer type \"linear_attention\""), std::string::npos);
  json phi3 = cfg;  // Llama's separate q/k/v tensors where Phi-3's fused ones belong
  phi3["model_type"] = "phi3";
  EXPECT_NE(error(phi3).find("missing tensor model.layers.0.self_attn.qkv_proj.weight (block 0's q)"),
            std::string::npos);
  json multimodal = cfg;
  multimodal["model_type"] = "gemma3";
  multimodal["text_config"] = json::object();
  EXPECT_NE(error(multimodal).find("gemma3_text"), std::string::npos);
}

// Phi-3's fields (LongRoPE, partial rotary, fused tensors): each missing, mistyped or
// inconsistent one is named.
TEST(ModelLoad, BadPhi3ConfigsGiveErrors) {
  const std::string dir = temp_dir();
  std::filesystem::copy(fixtures_dir() + "/models/tiny-phi3-old-schema", dir, std::filesystem::copy_options::recursive);
  const json cfg = read_json(fixtures_dir() + "/models/tiny-phi3-old-schema/config.json");
  auto error = [&](const json& c) { return load_error(dir, c); };
  EXPECT_EQ(error(cfg), "accepted");
  json c = cfg;
  c["rope_scaling"].erase("long_factor");
  EXPECT_NE(error(c).find("long_factor is missing or not a list"), std::string::npos);
  c = cfg;
  c["rope_scaling"]["short_factor"][2] = "1.2";
  EXPECT_NE(error(c).find("short_factor holds \"1.2\", not a number"), std::string::npos);
  c = cfg;
  c["rope_scaling"]["short_factor"].erase(0);
  EXPECT_NE(error(c).find("longrope needs 6 factors of each kind"), std::string::npos);
  c = cfg;
  c["rope_scaling"]["long_factor"][0] = -1.0;
  EXPECT_NE(error(c).find("longrope factor -1 is not a positive number"), std::string::npos);
  c = cfg;
  c["partial_rotary_factor"] = 1.5;
  EXPECT_NE(error(c).find("partial_rotary_factor 1.5 is not in (0, 1]"), std::string::npos);
  c = cfg;
  c["partial_rotary_factor"] = "0.75";
  EXPECT_NE(error(c).find("\"partial_rotary_factor\" must be a number"), std::string::npos);
  c = cfg;
  c["original_max_position_embeddings"] = 1.5;
  EXPECT_NE(error(c).find("original_max_position_embeddings"), std::string::npos);
  c = cfg;
  c["rope_scaling"]["attention_factor"] = "big";
  EXPECT_NE(error(c).find("\"attention_factor\" must be a number"), std::string::npos);
  c = cfg;
  c["intermediate_size"] = 64;  // the fused gate_up tensor no longer matches
  EXPECT_NE(error(c).find("gate_up_proj.weight has shape 192x64, the config implies 128x64"), std::string::npos);
}

// Gemma's own fields: each missing, mistyped or inconsistent one is named.
TEST(ModelLoad, BadGemmaConfigsGiveErrors) {
  const std::string dir = temp_dir();
  std::filesystem::copy(fixtures_dir() + "/models/tiny-gemma2", dir, std::filesystem::copy_options::recursive);
  const json cfg = read_json(fixtures_dir() + "/models/tiny-gemma2/config.json");
  auto error = [&](const json& c) { return load_error(dir, c); };
  json c = cfg;
  c["layer_types"] = {"sliding_attention"};
  EXPECT_NE(error(c).find("one type per layer"), std::string::npos);
  c = cfg;
  c["layer_types"][1] = "chunked_attention";
  EXPECT_NE(error(c).find("unknown layer type"), std::string::npos);
  c = cfg;
  c["hidden_activation"] = "relu";
  EXPECT_NE(error(c).find("activation \"relu\""), std::string::npos);
  c = cfg;
  c["query_pre_attn_scalar"] = "24";
  EXPECT_NE(error(c).find("\"query_pre_attn_scalar\" must be a number"), std::string::npos);
  c = cfg;
  c["attn_logit_softcapping"] = -1.0;
  EXPECT_NE(error(c).find("attention softcap"), std::string::npos);
  c = cfg;
  c.erase("intermediate_size");
  EXPECT_NE(error(c).find("\"intermediate_size\""), std::string::npos);
  EXPECT_EQ(error(cfg), "accepted");
}
