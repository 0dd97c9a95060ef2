// Whole WikiText-2 test text (the GPTQ "\n\n"-joined rows): token counts and id
// hashes against the references, and the encoding speed.
#include <gtest/gtest.h>

#include <chrono>

#include "text/text_file.h"
#include "text/tokenizer_load.h"
#include "tokenizer_test_util.h"

namespace gptqt {
namespace {

using test::data_dir;

const std::string kWikiText = "/wikitext-2-raw/wikitext-2-raw-v1.test.gptq.txt";

// Optimized builds take about 0.1 s; the bound is for "a couple of seconds at most".
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
constexpr double kMaxSeconds = 5.0;
#else
constexpr double kMaxSeconds = 60.0;  // unoptimized or sanitized builds
#endif

std::vector<int32_t> timed_encode(const Tokenizer& tok, const std::string& text, const char* name) {
  auto t0 = std::chrono::steady_clock::now();
  auto ids = tok.encode(text, /*add_special=*/false);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ INFO     ] %s: %zu bytes -> %zu tokens in %.3f s (%.1f MB/s)\n", name, text.size(),
              ids.size(), s, text.size() / s / 1e6);
  EXPECT_LT(s, kMaxSeconds) << "tokenizing WikiText-2 test should take a couple of seconds at most";
  return ids;
}

TEST(TokenizerWikiText, SmolLM2MatchesLlamaCppCount) {
  const std::string model = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  REQUIRE_DATA(model);
  REQUIRE_DATA(data_dir() + kWikiText);
  const Tokenizer tok = from_gguf(GgufFile(model));
  const std::string text = read_text_file(data_dir() + kWikiText);
  const auto ids = timed_encode(tok, text, "SmolLM2");
  EXPECT_EQ(ids.size(), 304978u);  // llama.cpp's count (shared data README); no BOS is added
  EXPECT_EQ(tok.encode(text).size(), 304978u);
  const auto g = test::read_golden("smollm2_gguf.json")["wikitext_test"];
  EXPECT_EQ(ids.size(), g["n_tokens"].get<size_t>());
  EXPECT_EQ(test::fnv1a64_hex(ids), g["fnv1a64"].get<std::string>());
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(TokenizerWikiText, Llama2MatchesSentencePiece) {
  const std::string model = data_dir() + "/tokenizers/llama2-32k/tokenizer.model";
  REQUIRE_DATA(model);
  REQUIRE_DATA(data_dir() + kWikiText);
  const Tokenizer tok = from_sentencepiece_model(model);
  const std::string text = read_text_file(data_dir() + kWikiText);
  const auto ids = timed_encode(tok, text, "Llama-2");
  const auto g = test::read_golden("llama2_spm.json")["wikitext_test"];
  EXPECT_EQ(ids.size(), g["n_tokens"].get<size_t>());
  EXPECT_EQ(test::fnv1a64_hex(ids), g["fnv1a64"].get<std::string>());
  EXPECT_EQ(tok.decode(ids), text);
}

}  // namespace
}  // namespace gptqt
