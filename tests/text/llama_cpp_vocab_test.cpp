// Tokenizers of many model families against the ids Hugging Face's tokenizers give:
// llama.cpp's own tokenizer test set (vocabulary-only GGUF files with test texts and
// expected ids, made by llama.cpp's convert_hf_to_gguf_update.py from each model's
// tokenizer.json), fetched by scripts/fetch_vocab_fixtures.sh into models/vocab/.
// As in llama.cpp's test-tokenizer-0: no BOS/EOS added, special tokens not parsed.
#include <gtest/gtest.h>

#include <sstream>

#include "text/tokenizer_load.h"
#include "core/error.h"
#include "test_paths.h"
#include "text/text_file.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {

// Cases of a .inp file, each ended by "\n__ggml_vocab_test__\n".
std::vector<std::string> read_cases(const std::string& path) {
  const std::string text = read_text_file(path), sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> cases;
  for (size_t p = 0, q; (q = text.find(sep, p)) != std::string::npos; p = q + sep.size())
    cases.push_back(text.substr(p, q - p));
  return cases;
}

std::vector<std::vector<int32_t>> read_ids(const std::string& path) {
  std::istringstream in(read_text_file(path));
  std::vector<std::vector<int32_t>> all;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    all.emplace_back();
    for (int32_t id; ls >> id;) all.back().push_back(id);
  }
  return all;
}

class LlamaCppVocab : public ::testing::TestWithParam<const char*> {};

TEST_P(LlamaCppVocab, IdsAreHuggingFaces) {
  const std::string base = source_dir() + "/models/vocab/ggml-vocab-" + GetParam() + ".gguf";
  if (!file_exists(base)) GTEST_SKIP() << base << " absent: bash scripts/fetch_vocab_fixtures.sh";
  const Tokenizer tok = from_gguf(GgufFile(base));
  const std::vector<std::string> cases = read_cases(base + ".inp");
  const std::vector<std::vector<int32_t>> expected = read_ids(base + ".out");
  ASSERT_EQ(cases.size(), expected.size());
  ASSERT_GE(cases.size(), 30u);
  int wrong = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<int32_t> got = tok.encode(cases[i], false);
    if (got != expected[i]) ++wrong;
    EXPECT_EQ(got, expected[i]) << "case " << i << ": \"" << cases[i] << "\"";
  }
  std::printf("%s: %zu cases, %d differ\n", GetParam(), cases.size(), wrong);
}

INSTANTIATE_TEST_SUITE_P(, LlamaCppVocab,
                         ::testing::Values("llama-bpe", "qwen2", "phi-3", "gpt-2", "llama-spm", "starcoder", "refact",
                                           "mpt", "command-r"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return s;
                         });

// Pre-tokenizers gptqt does not have are refused by name, not approximated.
TEST(LlamaCppVocabRefused, UnknownPreTokenizersAreNamed) {
  for (const char* name : {"deepseek-llm", "deepseek-coder", "falcon"}) {
    const std::string path = source_dir() + "/models/vocab/ggml-vocab-" + name + ".gguf";
    if (!file_exists(path)) GTEST_SKIP() << path << " absent: bash scripts/fetch_vocab_fixtures.sh";
    try {
      from_gguf(GgufFile(path));
      ADD_FAILURE() << name << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("unknown pre-tokenizer '") + name + "'"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
