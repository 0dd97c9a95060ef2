// The building blocks of the tokenizers, on small hand-made inputs.
#include <gtest/gtest.h>

#include "core/error.h"
#include "text/byte_level.h"
#include "text/pretokenizer_patterns.h"
#include "text/regex_split.h"
#include "text/sentencepiece_bpe.h"
#include "text/sentencepiece_proto.h"
#include "text/special_token_splitter.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

namespace gptqt {
namespace {

const std::string kSp = "\xE2\x96\x81";  // "▁"

std::vector<std::string> split(const RegexSplitter& s, std::string_view text) {
  std::vector<std::string_view> v;
  s.split(text, v);
  return {v.begin(), v.end()};
}

TEST(Utf8, DecodeAndEncode) {
  size_t len = 0;
  EXPECT_EQ(utf8_decode_at("\xE2\x96\x81", 0, &len), 0x2581u);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(utf8_decode_at("\xF0\x9F\x98\x80", 0, &len), 0x1F600u);
  EXPECT_EQ(len, 4u);
  EXPECT_EQ(utf8_decode_at("\xE2\x41", 0, &len), 0xE2u);  // malformed: one byte
  EXPECT_EQ(len, 1u);
  EXPECT_EQ(utf8_char_len_at("\xF0\x9F", 0), 2u);  // clipped at the end
  std::string s;
  utf8_append(s, 0x1F600);
  utf8_append(s, 0x120);
  EXPECT_EQ(s, "\xF0\x9F\x98\x80\xC4\xA0");
}

TEST(ByteLevel, Gpt2Mapping) {
  EXPECT_EQ(byte_level_symbol(' '), "\xC4\xA0");   // Ġ
  EXPECT_EQ(byte_level_symbol('\n'), "\xC4\x8A");  // Ċ
  EXPECT_EQ(byte_level_symbol('a'), "a");
  EXPECT_EQ(byte_level_symbol(0xAD), "\xC5\x83");  // soft hyphen: the last remapped byte, U+0143
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_EQ(byte_level_decode(byte_level_encode(all)), all);
  EXPECT_EQ(byte_level_decode("<|endoftext|>\xE2\x96\x81"), "<|endoftext|>\xE2\x96\x81");  // passes through
}

TEST(RegexSplitter, Gpt2PatternKeepsEveryByte) {
  RegexSplitter s({kGpt2Pattern});
  EXPECT_EQ(split(s, "Hello world's  end\n\n 42!"),
            (std::vector<std::string>{"Hello", " world", "'s", " ", " end", "\n\n", " 42", "!"}));
  EXPECT_TRUE(split(s, "").empty());
}

TEST(RegexSplitter, PatternsApplyInTurn) {
  RegexSplitter digits_then_gpt2(pre_tokenizer_by_name("smollm").patterns);
  EXPECT_EQ(split(digits_then_gpt2, "in 2024."),
            (std::vector<std::string>{"in", " ", "2", "0", "2", "4", "."}));
  RegexSplitter gpt2(pre_tokenizer_by_name("gpt2").patterns);
  EXPECT_EQ(split(gpt2, "in 2024."), (std::vector<std::string>{"in", " 2024", "."}));
  RegexSplitter llama3(pre_tokenizer_by_name("llama-bpe").patterns);
  EXPECT_EQ(split(llama3, "I'LL 12345"), (std::vector<std::string>{"I", "'LL", " ", "123", "45"}));
  RegexSplitter bloom(pre_tokenizer_by_name("bloom").patterns);
  EXPECT_EQ(split(bloom, "Hello, big world."),
            (std::vector<std::string>{"Hello", ",", " big", " world", "."}));
}

TEST(RegexSplitter, LongRuns) {
  RegexSplitter s({kGpt2Pattern});
  const std::string spaces(1 << 20, ' ');
  EXPECT_EQ(split(s, spaces + "a"), (std::vector<std::string>{spaces.substr(1), " a"}));
  const std::string letters(1 << 20, 'x');
  EXPECT_EQ(split(s, letters + "!"), (std::vector<std::string>{letters, "!"}));
}

TEST(RegexSplitter, BadPatternIsAnError) { EXPECT_THROW(RegexSplitter({"(unclosed"}), Error); }

TEST(PreTokenizerNames, UnknownNameIsAnError) {
  EXPECT_TRUE(pre_tokenizer_by_name("llama3").ignore_merges);
  EXPECT_FALSE(pre_tokenizer_by_name("smollm").add_bos);
  EXPECT_THROW(pre_tokenizer_by_name("nope"), Error);
}

TEST(SpecialTokenSplitter, LeftmostLongest) {
  SpecialTokenSplitter s({{"<a>", 1}, {"<a><b>", 2}, {"<b>", 3}});
  std::vector<TextFragment> f;
  s.split("x<a><b>y<b><a>", f);
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0].text, "x");
  EXPECT_EQ(f[0].token, -1);
  EXPECT_EQ(f[1].token, 2);
  EXPECT_EQ(f[2].text, "y");
  EXPECT_EQ(f[3].token, 3);
  EXPECT_EQ(f[4].token, 1);
}

// A toy SentencePiece vocabulary: <unk>, <s>, </s>, and the pieces given.
Vocab toy_vocab(const std::vector<std::tuple<std::string, float, TokenType>>& pieces) {
  std::vector<std::string> t{"<unk>", "<s>", "</s>"};
  std::vector<float> s{0, 0, 0};
  std::vector<TokenType> ty{TokenType::Unknown, TokenType::Control, TokenType::Control};
  for (const auto& [p, score, type] : pieces) {
    t.push_back(p);
    s.push_back(score);
    ty.push_back(type);
  }
  return Vocab(t, s, ty);
}

std::vector<std::string> pieces(const TokenizerModel& m, std::string_view text) {
  std::vector<int32_t> ids;
  m.encode(text, ids, false);
  std::vector<std::string> out;
  for (int32_t id : ids) out.push_back(m.vocab().text(id));
  return out;
}

constexpr auto N = TokenType::Normal;

TEST(SentencePieceBpe, HighestScoreFirstThenLeftmost) {
  SentencePieceBpe m(
      toy_vocab({{kSp, -1, N}, {"a", -1, N}, {"b", -1, N}, {"ab", -3, N}, {"ba", -2, N}, {kSp + "a", -4, N}}),
      {}, 0);
  // "▁aba": "ba" (-2) beats "ab" (-3) and "▁a" (-4); then "▁a" cannot form with "ba".
  EXPECT_EQ(pieces(m, "aba"), (std::vector<std::string>{kSp + "a", "ba"}));
  // "▁abab": ab/ba/ab candidates; "ba" at position 2 is merged first.
  EXPECT_EQ(pieces(m, "abab"), (std::vector<std::string>{kSp + "a", "ba", "b"}));
}

TEST(SentencePieceBpe, MergesAcrossSpacesWhenAPieceHoldsOne) {
  // "a▁" joins a character to the following space: words cannot be merged separately.
  SentencePieceBpe m(
      toy_vocab({{kSp, -1, N}, {"a", -1, N}, {"b", -1, N}, {"a" + kSp, -1, N}, {kSp + "b", -2, N}}), {}, 0);
  EXPECT_EQ(pieces(m, "a b"), (std::vector<std::string>{kSp, "a" + kSp, "b"}));
}

TEST(SentencePieceBpe, UserDefinedPiecesAreWholeAndUnusedAreResegmented) {
  SentencePieceBpe m(toy_vocab({{kSp, -1, N},
                                {"a", -1, N},
                                {"b", -1, N},
                                {"ab", 0, TokenType::Unused},
                                {"<tag>", 0, TokenType::UserDefined}}),
                     {}, 0);
  EXPECT_EQ(pieces(m, "ab<tag>"), (std::vector<std::string>{kSp, "a", "b", "<tag>"}));
}

// Gemma stores its whitespace-run pieces with plain spaces ("  "); they match runs of
// spaces, which the text holds as "▁" once normalized (llama.cpp gives the same ids).
TEST(SentencePieceBpe, UserDefinedPiecesWithSpacesMatchSpaceRuns) {
  SentencePieceBpe m(toy_vocab({{kSp, -1, N}, {"a", -1, N}, {kSp + "a", -2, N}, {"  ", 0, TokenType::UserDefined}}),
                     {false, false, false}, 0);
  EXPECT_EQ(pieces(m, "a  a"), (std::vector<std::string>{"a", "  ", "a"}));
  EXPECT_EQ(pieces(m, "a a"), (std::vector<std::string>{"a", kSp + "a"}));
}

// Control tokens written in the text are text, unless asked for (chat prompts);
// each run between them gets its own dummy prefix, as llama.cpp tokenizes.
TEST(SentencePieceBpe, ControlTokensInTextOnRequest) {
  SentencePieceBpe m(toy_vocab({{kSp, -1, N}, {"a", -1, N}, {kSp + "a", -2, N}, {"<", -1, N}, {"/", -1, N},
                                {">", -1, N}, {"s", -1, N}}),
                     {}, 0);
  EXPECT_EQ(pieces(m, "a</s>a"), (std::vector<std::string>{kSp + "a", "<", "/", "s", ">", "a"}));
  std::vector<int32_t> ids;
  m.encode("a</s>a", ids, true);
  std::vector<std::string> got;
  for (int32_t id : ids) got.push_back(m.vocab().text(id));
  EXPECT_EQ(got, (std::vector<std::string>{kSp + "a", "</s>", kSp + "a"}));
}

TEST(SentencePieceBpe, UnknownWithoutBytePiecesAndDecoding) {
  Vocab v = toy_vocab({{kSp, -1, N}, {"a", -1, N}});
  SentencePieceBpe m(std::move(v), {}, 0);
  EXPECT_EQ(pieces(m, "a\xC3\xA9"), (std::vector<std::string>{kSp, "a", "<unk>"}));
  std::vector<int32_t> ids{1, 3, 4};  // <s> ▁ a
  EXPECT_EQ(m.decode(ids), "a");      // control tokens vanish, the dummy prefix is removed
  EXPECT_EQ(m.piece(0), " \xE2\x81\x87 ");
}

TEST(SentencePieceBpe, RemoveExtraWhitespaces) {
  SentencePieceBpe m(toy_vocab({{kSp, -1, N}, {"a", -1, N}}), {true, true, true}, 0);
  EXPECT_EQ(pieces(m, "  a   a "), (std::vector<std::string>{kSp, "a", kSp, "a"}));
  EXPECT_TRUE(pieces(m, "   ").empty());
}

TEST(Tokenizer, SpecialIdsAreChecked) {
  auto model = std::make_shared<SentencePieceBpe>(toy_vocab({{"a", -1, N}}),
                                                  SentencePieceOptions{.add_dummy_prefix = false}, 0);
  EXPECT_THROW(Tokenizer(model, {99, -1, false, false}), Error);
  EXPECT_THROW(Tokenizer(model, {-1, -1, true, false}), Error);
  Tokenizer tok(model, {1, 2, true, true});
  EXPECT_EQ(tok.encode("a"), (std::vector<int32_t>{1, 3, 2}));
  EXPECT_EQ(tok.encode("a", /*add_special=*/false), (std::vector<int32_t>{3}));
  tok.set_add_bos(false);
  EXPECT_EQ(tok.encode(""), (std::vector<int32_t>{2}));
}

// Protobuf wire format by hand: field key = (number << 3) | wire type.
std::string varint(uint64_t v) {
  std::string s;
  do {
    s += static_cast<char>((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return s;
}
std::string field_bytes(int n, const std::string& b) { return varint(n << 3 | 2) + varint(b.size()) + b; }
std::string field_varint(int n, uint64_t v) { return varint(n << 3 | 0) + varint(v); }
std::string field_float(int n, float f) {
  std::string s = varint(n << 3 | 5);
  s.append(reinterpret_cast<const char*>(&f), 4);
  return s;
}

TEST(SentencePieceProto, ReadsFieldsAndSkipsOthers) {
  std::string piece =
      field_bytes(1, "hello") + field_float(2, -2.5f) + field_varint(3, 4) + field_varint(9, 7);
  std::string trainer = field_varint(3, 2) + field_varint(35, 1) + field_varint(41, 5) +
                        field_varint(43, static_cast<uint64_t>(-1)) + field_bytes(1, "ignored");
  std::string normalizer = field_bytes(1, "identity") + field_varint(3, 0) + field_varint(4, 0);
  std::string model = field_bytes(1, piece) + field_bytes(1, field_bytes(1, "x")) + field_bytes(2, trainer) +
                      field_bytes(3, normalizer) + field_bytes(5, "denormalizer");
  auto m = parse_sentencepiece_model(std::span(reinterpret_cast<const uint8_t*>(model.data()), model.size()));
  ASSERT_EQ(m.pieces.size(), 2u);
  EXPECT_EQ(m.pieces[0], "hello");
  EXPECT_EQ(m.scores[0], -2.5f);
  EXPECT_EQ(m.types[0], TokenType::UserDefined);
  EXPECT_EQ(m.types[1], TokenType::Normal);  // the default
  EXPECT_EQ(m.model_type, 2);
  EXPECT_TRUE(m.byte_fallback);
  EXPECT_EQ(m.bos_id, 5);
  EXPECT_EQ(m.eos_id, 2);  // the default
  EXPECT_EQ(m.normalizer_name, "identity");
  EXPECT_FALSE(m.add_dummy_prefix);
  EXPECT_FALSE(m.remove_extra_whitespaces);
  EXPECT_TRUE(m.escape_whitespaces);
  EXPECT_FALSE(m.has_precompiled_charsmap);
}

TEST(SentencePieceProto, BadTypeOrWireIsAnError) {
  std::string bad_type = field_bytes(1, field_bytes(1, "p") + field_varint(3, 9));
  EXPECT_THROW(parse_sentencepiece_model(
                   std::span(reinterpret_cast<const uint8_t*>(bad_type.data()), bad_type.size())),
               Error);
  std::string bad_wire = varint(1 << 3 | 5) + "\x01\x02\x03\x04";  // pieces as a fixed32
  EXPECT_THROW(parse_sentencepiece_model(
                   std::span(reinterpret_cast<const uint8_t*>(bad_wire.data()), bad_wire.size())),
               Error);
}

}  // namespace
}  // namespace gptqt
