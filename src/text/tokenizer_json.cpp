#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/json_read.h"
#include "text/byte_level_bpe.h"
#include "text/pretokenizer_patterns.h"
#include "text/tokenizer_load.h"

namespace gptqt {
namespace {

using json = nlohmann::json;

std::string type_of(const json& j) {
  return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
}

// json::value() throws on an explicit null; tokenizer.json writes null for "unset".
template <typename T>
T get_or(const json& o, const char* key, T fallback) {
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? fallback : it->get<T>();
}

// A literal string as a PCRE2 pattern: ASCII punctuation escaped.
std::string quote_literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x80 && !std::isalnum(static_cast<unsigned char>(c))) out += '\\';
    out += c;
  }
  return out;
}

struct PreTokenizer {
  std::vector<std::string> patterns;
  bool byte_level = false;
};

void add_pre_tokenizer(const json& p, PreTokenizer& pre) {
  const std::string t = type_of(p);
  GPTQT_CHECK(!pre.byte_level, "pre_tokenizer '{}' after ByteLevel is not supported", t);
  if (t == "Sequence") {
    for (const json& q : p.at("pretokenizers")) add_pre_tokenizer(q, pre);
  } else if (t == "ByteLevel") {
    GPTQT_CHECK(!get_or(p, "add_prefix_space", false), "ByteLevel with add_prefix_space is not supported");
    if (get_or(p, "use_regex", true)) pre.patterns.push_back(kGpt2Pattern);
    pre.byte_level = true;
  } else if (t == "Split") {
    const std::string behavior = p.at("behavior").get<std::string>();
    GPTQT_CHECK(behavior == "Isolated" && !get_or(p, "invert", false),
                "Split pre-tokenizer with behavior '{}'{} is not supported (only Isolated)", behavior,
                get_or(p, "invert", false) ? " and invert" : "");
    const json& pat = p.at("pattern");
    pre.patterns.push_back(pat.contains("Regex") ? pat["Regex"].get<std::string>()
                                                 : quote_literal(pat.at("String").get<std::string>()));
  } else if (t == "Digits") {
    pre.patterns.push_back(get_or(p, "individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)");
  } else {
    fail("unsupported pre_tokenizer '{}'", t);
  }
}

// A token id as the file gives it: an integer below the largest vocabulary a
// model config may declare (model/config.cpp), not a float or a number cut to 32 bits.
int32_t token_id(const json& v) {
  constexpr int64_t kMaxVocab = int64_t(1) << 22;
  GPTQT_CHECK(v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() < kMaxVocab,
              "token id {} is not an integer in [0, {})", v.dump().substr(0, 40), kMaxVocab);
  return int32_t(v.get<int64_t>());
}

// BOS/EOS that the post-processor puts around a single sequence.
void apply_post_processor(const json& p, SpecialTokenIds& s) {
  const std::string t = type_of(p);
  if (p.is_null() || t == "ByteLevel") return;  // ByteLevel only trims offsets
  if (t == "Sequence") {
    for (const json& q : p.at("processors")) apply_post_processor(q, s);
  } else if (t == "TemplateProcessing") {
    const json& single = p.at("single");
    bool after = false;
    for (const json& item : single) {
      if (item.contains("Sequence")) {
        after = true;
        continue;
      }
      const std::string name = item.at("SpecialToken").at("id").get<std::string>();
      const json& ids = p.at("special_tokens").at(name).at("ids");
      GPTQT_CHECK(ids.size() == 1, "post_processor special token '{}' stands for {} ids", name, ids.size());
      int32_t id = token_id(ids[0]);
      bool& add = after ? s.add_eos : s.add_bos;
      GPTQT_CHECK(!add, "post_processor adds more than one token {} the text", after ? "after" : "before");
      add = true;
      (after ? s.eos : s.bos) = id;
    }
  } else if (t == "RobertaProcessing" || t == "BertProcessing") {
    s.bos = token_id(p.at("cls").at(1));
    s.eos = token_id(p.at("sep").at(1));
    s.add_bos = s.add_eos = true;
  } else {
    fail("unsupported post_processor '{}'", t);
  }
}

// bos_token / eos_token of a tokenizer_config.json: a string or {"content": ...}.
std::string config_token(const json& cfg, const char* key) {
  auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->at("content").get<std::string>();
}

Tokenizer parse(const json& j, const std::string& path) {
  GPTQT_CHECK(j.is_object() && j.contains("model"), "not a tokenizer.json (no \"model\")");
  const json& m = j["model"];
  GPTQT_CHECK(type_of(m) == "BPE",
              "unsupported tokenizer model type '{}' (only byte-level BPE is implemented)", type_of(m));
  GPTQT_CHECK(get_or(m, "dropout", 0.0) == 0.0, "BPE dropout is not supported");
  GPTQT_CHECK(get_or(m, "continuing_subword_prefix", std::string()).empty() &&
                  get_or(m, "end_of_word_suffix", std::string()).empty(),
              "BPE continuing_subword_prefix / end_of_word_suffix are not supported");
  const json normalizer = j.value("normalizer", json());
  GPTQT_CHECK(normalizer.is_null(), "unsupported normalizer '{}'", type_of(normalizer));
  const json decoder = j.value("decoder", json());
  GPTQT_CHECK(decoder.is_null() || type_of(decoder) == "ByteLevel", "unsupported decoder '{}'",
              type_of(decoder));

  PreTokenizer pre;
  const json pre_tokenizer = j.value("pre_tokenizer", json());
  if (!pre_tokenizer.is_null()) add_pre_tokenizer(pre_tokenizer, pre);
  GPTQT_CHECK(pre.byte_level, "not a byte-level BPE tokenizer (no ByteLevel pre_tokenizer)");

  // Vocabulary: the model's tokens, then the added tokens (which may extend it).
  std::vector<std::string> tokens;
  std::vector<TokenType> types;
  auto put = [&](int32_t id, const std::string& text, TokenType type) {
    if (static_cast<size_t>(id) >= tokens.size()) {
      tokens.resize(id + 1);
      types.resize(id + 1, TokenType::Unused);
    }
    GPTQT_CHECK(tokens[id].empty() || tokens[id] == text, "token id {} is both '{}' and '{}'", id, tokens[id],
                text);
    tokens[id] = text;
    types[id] = type;
  };
  for (const auto& [text, id] : m.at("vocab").items()) put(token_id(id), text, TokenType::Normal);
  for (const json& a : j.value("added_tokens", json::array())) {
    const std::string content = a.at("content").get<std::string>();
    GPTQT_CHECK(
        !get_or(a, "lstrip", false) && !get_or(a, "rstrip", false) && !get_or(a, "single_word", false),
        "added token '{}' uses lstrip/rstrip/single_word, which is not supported", content);
    put(token_id(a.at("id")), content,
        get_or(a, "special", false) ? TokenType::Control : TokenType::UserDefined);
  }
  for (size_t id = 0; id < tokens.size(); ++id)
    GPTQT_CHECK(!tokens[id].empty(), "token id {} is missing from the vocabulary", id);

  // Merges: "left right" strings, or [left, right] pairs in newer files.
  std::vector<std::pair<std::string, std::string>> merges;
  for (const json& mg : m.at("merges")) {
    if (mg.is_array()) {
      GPTQT_CHECK(mg.size() == 2, "malformed merge {}", mg.dump());
      merges.emplace_back(mg[0].get<std::string>(), mg[1].get<std::string>());
    } else {
      const std::string s = mg.get<std::string>();
      size_t sp = s.find(' ', 1);
      GPTQT_CHECK(sp != std::string::npos, "malformed merge '{}'", s);
      merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    }
  }

  std::vector<float> scores(tokens.size(), 0.0f);
  Vocab vocab(std::move(tokens), std::move(scores), std::move(types));
  ByteLevelBpeOptions opt{std::move(pre.patterns), get_or(m, "ignore_merges", false), -1};
  const std::string unk = get_or(m, "unk_token", std::string());
  if (!unk.empty()) opt.unk_id = vocab.find(unk);

  SpecialTokenIds special;
  apply_post_processor(j.value("post_processor", json()), special);
  const auto config_path = std::filesystem::path(path).parent_path() / "tokenizer_config.json";
  if (std::filesystem::exists(config_path)) {
    const json cfg = read_json_file(config_path.string());
    GPTQT_CHECK(cfg.is_object(), "{} is not a JSON object", config_path.string());
    if (special.bos < 0) special.bos = vocab.find(config_token(cfg, "bos_token"));
    if (special.eos < 0) special.eos = vocab.find(config_token(cfg, "eos_token"));
  }
  auto model = std::make_shared<ByteLevelBpe>(std::move(vocab), merges, std::move(opt));
  return Tokenizer(std::move(model), special);
}

}  // namespace

Tokenizer from_tokenizer_json(const std::string& path) {
  const json j = read_json_file(path);
  try {
    return parse(j, path);
  } catch (const json::exception& e) {
    fail("{}: malformed tokenizer.json: {}", path, e.what());
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
}

}  // namespace gptqt
