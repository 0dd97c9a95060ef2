// Tokenizer files: the input is cut at fuzz::kPartSeparator into [0] the tokenizer
// file and [1] an optional tokenizer_config.json beside it. Part 0 goes through all
// three loaders (from_tokenizer_json, from_sentencepiece_model, from_gguf; the wrong
// format is rejected in a few bytes), and every tokenizer that loads encodes a short
// text and decodes the ids. gptqt::Error is the documented rejection; anything else is a finding.
#include "core/error.h"
#include "fuzz_common.h"
#include "io/gguf.h"
#include "text/tokenizer_load.h"

namespace {

// Spaces, digits, a newline, non-ASCII UTF-8 and special-token text.
const std::string kText =
    "Hello  world! 12345 caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\n\t<s></s><|endoftext|> <unk> end";
// Not UTF-8: a tokenizer may reject it (an Error), but must not crash.
const std::string kBadText = "ab\xff\xfe\xc3 \xe6\x97";

void exercise(const gptqt::Tokenizer& t) {
  fuzz::consume(t.vocab_size());
  fuzz::consume(t.kind());
  for (bool special : {true, false}) {
    std::vector<int32_t> ids = t.encode(kText, special);
    std::string back = t.decode(ids);
    fuzz::consume(back);
    for (int32_t id : ids) fuzz::consume(t.token_to_piece(id));
  }
  fuzz::consume(t.encode("", true));
  try {
    fuzz::consume(t.decode(t.encode(kBadText, true)));
  } catch (const gptqt::Error&) {
  }
  const int32_t n = t.vocab_size();
  for (int32_t id : {0, 1, 2, 3, n / 2, n - 1}) {
    if (id < 0 || id >= n) continue;
    fuzz::consume(t.token_text(id));
    fuzz::consume(t.token_to_piece(id));
    const int32_t one[] = {id};
    fuzz::consume(t.decode(one));
  }
  // Out-of-range ids are a documented Error.
  try {
    const int32_t bad[] = {n};
    fuzz::consume(t.decode(bad));
  } catch (const gptqt::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = fuzz::split_parts(data, size);
  const std::string dir = fuzz::fresh_dir("tok");
  if (parts.size() > 1 && !parts[1].empty()) fuzz::write_file_in(dir, "tokenizer_config.json", parts[1]);
  const std::string json = fuzz::write_file_in(dir, "tokenizer.json", parts[0]);
  const std::string spm = fuzz::write_file_in(dir, "tokenizer.model", parts[0]);
  const std::string gguf = fuzz::write_file_in(dir, "tokenizer.gguf", parts[0]);

  try {
    exercise(gptqt::from_tokenizer_json(json));
  } catch (const gptqt::Error& e) {
    fuzz::note("from_tokenizer_json", e);
  }
  try {
    exercise(gptqt::from_sentencepiece_model(spm));
  } catch (const gptqt::Error& e) {
    fuzz::note("from_sentencepiece_model", e);
  }
  try {
    gptqt::GgufFile f(gguf);
    exercise(gptqt::from_gguf(f));
  } catch (const gptqt::Error& e) {
    fuzz::note("from_gguf", e);
  }
  return 0;
}
