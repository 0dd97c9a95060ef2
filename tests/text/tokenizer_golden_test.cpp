// Every tokenizer against golden ids from the reference implementations
// (sentencepiece, Hugging Face tokenizers; see scripts/fixtures/make_tokenizer_goldens.py),
// and decode(encode(x)) == x where the tokenizer is lossless.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "text/tokenizer_load.h"
#include "tokenizer_test_util.h"

namespace gptqt {
namespace {

using test::data_dir;
using test::fixtures_dir;

std::string show(const std::string& s) { return nlohmann::json(s).dump(); }

void expect_goldens(const Tokenizer& tok, const std::string& golden, bool lossless) {
  const auto g = test::read_golden(golden);
  ASSERT_GT(g["cases"].size(), 20u);
  for (const auto& c : g["cases"]) {
    const std::string text = c["text"];
    const auto want = c["ids"].get<std::vector<int32_t>>();
    const auto got = tok.encode(text, /*add_special=*/false);
    EXPECT_EQ(got, want) << golden << ": " << show(text.substr(0, 200));
    if (c.contains("ids_with_special")) {
      EXPECT_EQ(tok.encode(text), c["ids_with_special"].get<std::vector<int32_t>>()) << show(text);
    }
    if (lossless) {
      EXPECT_EQ(tok.decode(got), text) << golden << ": " << show(text.substr(0, 200));
    }
  }
}

TEST(TokenizerGolden, Llama2SentencePieceModel) {
  const std::string path = data_dir() + "/tokenizers/llama2-32k/tokenizer.model";
  REQUIRE_DATA(path);
  Tokenizer tok = from_sentencepiece_model(path);
  EXPECT_EQ(tok.kind(), TokenizerKind::SentencePieceBpe);
  EXPECT_EQ(tok.vocab_size(), 32000);
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_EQ(tok.encode("Hello").front(), 1);
  // A model folder with tokenizer.model (and no byte-level tokenizer.json) loads it.
  const std::string dir = test::temp_dir();
  std::filesystem::create_symlink(path, dir + "/tokenizer.model");
  EXPECT_EQ(load_tokenizer(dir).encode("Hello world"), tok.encode("Hello world"));
  // Byte fallback keeps every text: decode(encode(x)) == x.
  expect_goldens(tok, "llama2_spm.json", /*lossless=*/true);
}

TEST(TokenizerGolden, Stories260kGguf) {
  const std::string path = data_dir() + "/stories260K/tinyllamas-stories-260k-f32.gguf";
  REQUIRE_DATA(path);
  Tokenizer tok = load_tokenizer(path);
  EXPECT_EQ(tok.kind(), TokenizerKind::SentencePieceBpe);
  EXPECT_EQ(tok.vocab_size(), 512);
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  const auto ids = tok.encode("Once upon a time");
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids[0], 1);  // BOS
  EXPECT_EQ(tok.token_text(ids[1]), "\xE2\x96\x81Once");
  EXPECT_EQ(tok.decode(ids), "Once upon a time");
  expect_goldens(tok, "stories260k_spm.json", /*lossless=*/true);
}

TEST(TokenizerGolden, SmolLM2Gguf) {
  const std::string path = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  REQUIRE_DATA(path);
  Tokenizer tok = from_gguf(GgufFile(path));
  EXPECT_EQ(tok.kind(), TokenizerKind::ByteLevelBpe);
  EXPECT_EQ(tok.vocab_size(), 49152);
  EXPECT_FALSE(tok.add_bos());
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  EXPECT_EQ(tok.encode("<|im_start|>"), std::vector<int32_t>{1});
  expect_goldens(tok, "smollm2_gguf.json", /*lossless=*/true);
}

class TinyTokenizerJson : public ::testing::TestWithParam<std::string> {};

TEST_P(TinyTokenizerJson, MatchesHuggingFace) {
  const std::string dir = fixtures_dir() + "/tokenizer/" + GetParam();
  Tokenizer tok = from_tokenizer_json(dir + "/tokenizer.json");
  EXPECT_EQ(tok.kind(), TokenizerKind::ByteLevelBpe);
  EXPECT_EQ(tok.vocab_size(), 1000);
  EXPECT_TRUE(tok.add_bos());  // TemplateProcessing "<s> $A"
  EXPECT_EQ(tok.token_text(tok.bos_id()), "<s>");
  expect_goldens(tok, GetParam() + ".json", /*lossless=*/true);
  // The folder form picks tokenizer.json.
  EXPECT_EQ(load_tokenizer(dir).encode("Once upon a time"), tok.encode("Once upon a time"));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TinyTokenizerJson,
                         ::testing::Values("tiny_gpt2", "tiny_llama3", "tiny_digits"));

// BOS/EOS from other post-processors, or from tokenizer_config.json when the post-processor has none.
TEST(TokenizerJson, SpecialTokensFromPostProcessorOrConfig) {
  std::ifstream f(fixtures_dir() + "/tokenizer/tiny_gpt2/tokenizer.json");
  auto j = nlohmann::json::parse(f);
  const std::string dir = test::temp_dir();
  auto load = [&](const nlohmann::json& post, const std::string& config) {
    j["post_processor"] = post;
    std::ofstream(dir + "/tokenizer.json") << j.dump();
    if (!config.empty()) std::ofstream(dir + "/tokenizer_config.json") << config;
    return load_tokenizer(dir);
  };
  const Tokenizer roberta = load(
      {{"type", "RobertaProcessing"}, {"cls", {"<s>", 0}}, {"sep", {"</s>", 1}}, {"trim_offsets", true}}, "");
  EXPECT_EQ(roberta.encode("a"), (std::vector<int32_t>{0, roberta.encode("a", false)[0], 1}));
  const Tokenizer config =
      load(nullptr, R"({"bos_token": "<|endoftext|>", "eos_token": {"content": "<|im_end|>"}})");
  EXPECT_FALSE(config.add_bos());
  EXPECT_EQ(config.token_text(config.bos_id()), "<|endoftext|>");
  EXPECT_EQ(config.token_text(config.eos_id()), "<|im_end|>");
}

}  // namespace
}  // namespace gptqt
