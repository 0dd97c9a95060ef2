#include <limits>

#include "core/error.h"
#include "text/byte_level_bpe.h"
#include "text/pretokenizer_patterns.h"
#include "text/sentencepiece_bpe.h"
#include "text/tokenizer_load.h"

namespace gptqt {
namespace {

// A special token id; -1 means "none" in some files. The Tokenizer checks it against the vocabulary.
int32_t id_or(const GgufFile& g, const std::string& key, int32_t fallback) {
  return g.has(key) ? int32_t(g.get_int(key, -1, std::numeric_limits<int32_t>::max())) : fallback;
}
bool bool_or(const GgufFile& g, const std::string& key, bool fallback) {
  return g.has(key) ? g.get_bool(key) : fallback;
}

Vocab gguf_vocab(const GgufFile& g) {
  GPTQT_CHECK(g.has("tokenizer.ggml.tokens"), "{}: no tokenizer.ggml.tokens", g.path());
  std::vector<std::string> tokens = g.get_string_array("tokenizer.ggml.tokens");
  std::vector<float> scores(tokens.size(), 0.0f);
  if (g.has("tokenizer.ggml.scores")) {
    std::vector<double> s = g.get_float_array("tokenizer.ggml.scores");
    GPTQT_CHECK(s.size() == tokens.size(), "{}: {} tokens but {} scores", g.path(), tokens.size(), s.size());
    scores.assign(s.begin(), s.end());
  }
  std::vector<TokenType> types(tokens.size(), TokenType::Normal);
  if (g.has("tokenizer.ggml.token_type")) {
    std::vector<int64_t> t = g.get_int_array("tokenizer.ggml.token_type");
    GPTQT_CHECK(t.size() == tokens.size(), "{}: {} tokens but {} token types", g.path(), tokens.size(),
                t.size());
    for (size_t i = 0; i < t.size(); ++i) types[i] = token_type_from_int(t[i]);
  }
  return Vocab(std::move(tokens), std::move(scores), std::move(types));
}

// GGUF stores each merge as one string "left right" (neither part contains a space).
std::vector<std::pair<std::string, std::string>> gguf_merges(const GgufFile& g) {
  GPTQT_CHECK(g.has("tokenizer.ggml.merges"), "{}: byte-level BPE without tokenizer.ggml.merges", g.path());
  std::vector<std::pair<std::string, std::string>> merges;
  for (const std::string& m : g.get_string_array("tokenizer.ggml.merges")) {
    size_t sp = m.find(' ', 1);
    GPTQT_CHECK(sp != std::string::npos, "{}: malformed merge '{}'", g.path(), m);
    merges.emplace_back(m.substr(0, sp), m.substr(sp + 1));
  }
  return merges;
}

}  // namespace

Tokenizer from_gguf(const GgufFile& g) {
  GPTQT_CHECK(g.has("tokenizer.ggml.model"),
              "{}: no tokenizer in this GGUF file (tokenizer.ggml.model missing)", g.path());
  const std::string type = g.get_string("tokenizer.ggml.model");
  if (type == "llama") {
    SentencePieceOptions opt;
    opt.add_dummy_prefix = bool_or(g, "tokenizer.ggml.add_space_prefix", true);
    opt.remove_extra_whitespaces = bool_or(g, "tokenizer.ggml.remove_extra_whitespaces", false);
    auto model = std::make_shared<SentencePieceBpe>(gguf_vocab(g), opt,
                                                    id_or(g, "tokenizer.ggml.unknown_token_id", 0));
    SpecialTokenIds s{id_or(g, "tokenizer.ggml.bos_token_id", 1), id_or(g, "tokenizer.ggml.eos_token_id", 2),
                      bool_or(g, "tokenizer.ggml.add_bos_token", true),
                      bool_or(g, "tokenizer.ggml.add_eos_token", false)};
    return Tokenizer(std::move(model), s);
  }
  if (type == "gpt2") {
    NamedPreTokenizer pre =
        pre_tokenizer_by_name(g.has("tokenizer.ggml.pre") ? g.get_string("tokenizer.ggml.pre") : "default");
    ByteLevelBpeOptions opt{std::move(pre.patterns), pre.ignore_merges,
                            id_or(g, "tokenizer.ggml.unknown_token_id", -1)};
    auto model = std::make_shared<ByteLevelBpe>(gguf_vocab(g), gguf_merges(g), std::move(opt));
    SpecialTokenIds s{id_or(g, "tokenizer.ggml.bos_token_id", -1),
                      id_or(g, "tokenizer.ggml.eos_token_id", -1),
                      bool_or(g, "tokenizer.ggml.add_bos_token", pre.add_bos),
                      bool_or(g, "tokenizer.ggml.add_eos_token", false)};
    return Tokenizer(std::move(model), s);
  }
  fail("{}: unsupported tokenizer type '{}' (tokenizer.ggml.model; supported: llama, gpt2)", g.path(), type);
}

}  // namespace gptqt
