// Bad or unsupported tokenizer input is a gptqt::Error with a clear message, never a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "text/tokenizer_load.h"
#include "tokenizer_test_util.h"

namespace gptqt {
namespace {

using test::data_dir;
using test::fixtures_dir;
using test::temp_dir;
using ::testing::HasSubstr;

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no gptqt::Error thrown";
  return {};
}

// A GGUF v3 file with the given string metadata and no tensors.
std::string gguf_with_strings(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string b = "GGUF";
  auto u32 = [&](uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); };
  auto u64 = [&](uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); };
  auto str = [&](const std::string& s) {
    u64(s.size());
    b += s;
  };
  u32(3);
  u64(0);
  u64(kv.size());
  for (const auto& [k, v] : kv) {
    str(k);
    u32(8);  // string
    str(v);
  }
  return b;
}

std::string tiny_json() { return read_file(fixtures_dir() + "/tokenizer/tiny_gpt2/tokenizer.json"); }

std::string json_error(const std::string& content) {
  const std::string path = temp_dir() + "/tokenizer.json";
  write_file(path, content);
  return error_of([&] { from_tokenizer_json(path); });
}

TEST(TokenizerErrors, GgufWithoutTokenizer) {
  const std::string path = temp_dir() + "/no_tokenizer.gguf";
  write_file(path, gguf_with_strings({{"general.architecture", "llama"}}));
  EXPECT_THAT(error_of([&] { from_gguf(GgufFile(path)); }), HasSubstr("tokenizer.ggml.model"));
  EXPECT_THAT(error_of([&] { load_tokenizer(path); }), HasSubstr("no tokenizer"));
}

TEST(TokenizerErrors, GgufUnknownTokenizerType) {
  const std::string path = temp_dir() + "/bert.gguf";
  write_file(path, gguf_with_strings({{"tokenizer.ggml.model", "bert"}}));
  EXPECT_THAT(error_of([&] { from_gguf(GgufFile(path)); }), HasSubstr("unsupported tokenizer type 'bert'"));
}

TEST(TokenizerErrors, GgufUnknownPreTokenizer) {
  // The vocabulary is read only after the pre-tokenizer name is known.
  const std::string path = temp_dir() + "/pre.gguf";
  write_file(path, gguf_with_strings({{"tokenizer.ggml.model", "gpt2"}, {"tokenizer.ggml.pre", "klingon"}}));
  EXPECT_THAT(error_of([&] { from_gguf(GgufFile(path)); }), HasSubstr("unknown pre-tokenizer 'klingon'"));
}

TEST(TokenizerErrors, GgufWithoutVocabulary) {
  const std::string path = temp_dir() + "/novocab.gguf";
  write_file(path, gguf_with_strings({{"tokenizer.ggml.model", "llama"}}));
  EXPECT_THAT(error_of([&] { from_gguf(GgufFile(path)); }), HasSubstr("tokenizer.ggml.tokens"));
}

TEST(TokenizerErrors, TruncatedSentencePieceModel) {
  const std::string src = data_dir() + "/tokenizers/llama2-32k/tokenizer.model";
  REQUIRE_DATA(src);
  const std::string bytes = read_file(src);
  for (size_t keep : {bytes.size() / 2, bytes.size() - 3, size_t{7}}) {
    const std::string path = temp_dir() + "/tokenizer.model";
    write_file(path, bytes.substr(0, keep));
    EXPECT_THAT(error_of([&] { from_sentencepiece_model(path); }), HasSubstr("truncated")) << keep;
  }
}

TEST(TokenizerErrors, GarbageSentencePieceModel) {
  const std::string path = temp_dir() + "/tokenizer.model";
  write_file(path, std::string("\x0f\xff\xff\xff garbage", 12));
  EXPECT_THAT(error_of([&] { from_sentencepiece_model(path); }), HasSubstr(path));
  write_file(path, "");
  EXPECT_THAT(error_of([&] { from_sentencepiece_model(path); }), HasSubstr("no pieces"));
}

TEST(TokenizerErrors, CorruptTokenizerJson) {
  const std::string good = tiny_json();
  EXPECT_THAT(json_error(good.substr(0, good.size() / 2)), HasSubstr("not valid JSON"));
  EXPECT_THAT(json_error("[1, 2, 3]"), HasSubstr("no \"model\""));
  EXPECT_THAT(json_error(""), HasSubstr("not valid JSON"));
}

TEST(TokenizerErrors, UnsupportedTokenizerJson) {
  auto j = nlohmann::json::parse(tiny_json());
  auto with = [&](const char* pointer, nlohmann::json value) {
    auto k = j;
    k[nlohmann::json::json_pointer(pointer)] = std::move(value);
    return json_error(k.dump());
  };
  EXPECT_THAT(with("/model/type", "Unigram"), HasSubstr("unsupported tokenizer model type 'Unigram'"));
  EXPECT_THAT(with("/normalizer", {{"type", "NFKC"}}), HasSubstr("unsupported normalizer 'NFKC'"));
  EXPECT_THAT(with("/pre_tokenizer", {{"type", "Whitespace"}}),
              HasSubstr("unsupported pre_tokenizer 'Whitespace'"));
  EXPECT_THAT(with("/pre_tokenizer", nullptr), HasSubstr("not a byte-level BPE"));
  EXPECT_THAT(with("/post_processor", {{"type", "Mystery"}}),
              HasSubstr("unsupported post_processor 'Mystery'"));
  EXPECT_THAT(with("/added_tokens/0/rstrip", true), HasSubstr("rstrip"));
  EXPECT_THAT(with("/model/merges/0", "nosuch token"), HasSubstr("not in the vocabulary"));
  // Ids are integers in range, not floats or numbers cut to 32 bits.
  EXPECT_THAT(with("/added_tokens/0/id", 4294967297.0), HasSubstr("is not an integer in [0, 4194304)"));
  EXPECT_THAT(with("/added_tokens/0/id", int64_t(4294967297)), HasSubstr("is not an integer in [0, 4194304)"));
  EXPECT_THAT(with("/added_tokens/0/id", -1), HasSubstr("is not an integer"));
}

TEST(TokenizerErrors, LoadTokenizerPaths) {
  EXPECT_THAT(error_of([] { load_tokenizer("/nonexistent/model.gguf"); }), HasSubstr("no such file"));
  const std::string dir = temp_dir();
  EXPECT_THAT(error_of([&] { load_tokenizer(dir); }), HasSubstr("no tokenizer.json or tokenizer.model"));
  write_file(dir + "/notes.txt", "hello");
  EXPECT_THAT(error_of([&] { load_tokenizer(dir + "/notes.txt"); }), HasSubstr("not a tokenizer file"));
}

TEST(TokenizerErrors, DecodeRejectsBadIds) {
  const Tokenizer tok = from_tokenizer_json(fixtures_dir() + "/tokenizer/tiny_gpt2/tokenizer.json");
  EXPECT_THAT(error_of([&] { tok.decode(std::vector<int32_t>{5, 1000}); }), HasSubstr("token id 1000"));
  EXPECT_THAT(error_of([&] { tok.token_to_piece(-1); }), HasSubstr("token id -1"));
}

TEST(TokenizerErrors, InvalidUtf8IsAnErrorForByteLevel) {
  const Tokenizer tok = from_tokenizer_json(fixtures_dir() + "/tokenizer/tiny_gpt2/tokenizer.json");
  EXPECT_THAT(error_of([&] {
                tok.encode(
                    "abc\xff"
                    "def");
              }),
              HasSubstr("UTF-8"));
}

}  // namespace
}  // namespace gptqt
