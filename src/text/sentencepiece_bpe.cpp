#include "text/sentencepiece_bpe.h"

#include <fmt/format.h>

#include <cstdio>
#include <queue>
#include <unordered_map>

#include "core/error.h"
#include "text/utf8.h"
#include "text/word_id_cache.h"

namespace gptqt {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";       // U+2581, SentencePiece's space
constexpr std::string_view kUnknownSurface = " \xE2\x81\x87 ";  // " ⁇ ", how sentencepiece prints <unk>

struct Symbol {
  size_t start, len;  // a range of the segment; len 0 once merged into its left neighbour
  int prev, next;
};

struct Candidate {
  float score;
  int left, right;
  size_t len;
  // std::priority_queue pops the largest: highest score first, then leftmost.
  bool operator<(const Candidate& o) const { return score < o.score || (score == o.score && left > o.left); }
};

std::string replace_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, kSpaceSymbol.size(), kSpaceSymbol) == 0) {
      out += ' ';
      i += kSpaceSymbol.size();
    } else {
      out += s[i++];
    }
  }
  return out;
}

std::string space_symbols(std::string_view s) {
  std::string out;
  for (char c : s) c == ' ' ? out += kSpaceSymbol : out += c;
  return out;
}

}  // namespace

SentencePieceBpe::SentencePieceBpe(Vocab vocab, SentencePieceOptions options, int32_t unk_id)
    : TokenizerModel(std::move(vocab)), options_(options), unk_id_(unk_id) {
  GPTQT_CHECK(unk_id_ == -1 || vocab_.valid(unk_id_), "unknown-token id {} outside the vocabulary", unk_id_);
  byte_fallback_ = options_.byte_fallback;
  for (int b = 0; b < 256; ++b) {
    byte_ids_[b] = vocab_.find(fmt::format("<0x{:02X}>", b));
    if (byte_ids_[b] < 0 || vocab_.type(byte_ids_[b]) != TokenType::Byte) byte_fallback_ = false;
  }
  std::vector<std::pair<std::string, int32_t>> user_defined;
  for (int32_t id = 0; id < vocab_.size(); ++id)
    // Matched in the normalized text, so spaces in a piece count as "▁" there: Gemma's
    // whitespace-run pieces are stored as "  ", "   ", ... and match runs of spaces.
    if (vocab_.type(id) == TokenType::UserDefined) user_defined.emplace_back(space_symbols(vocab_.text(id)), id);
  user_defined_ = SpecialTokenSplitter(std::move(user_defined));
  std::vector<std::pair<std::string, int32_t>> control;
  for (int32_t id = 0; id < vocab_.size(); ++id)
    if (vocab_.type(id) == TokenType::Control && !vocab_.text(id).empty()) control.emplace_back(vocab_.text(id), id);
  control_ = SpecialTokenSplitter(std::move(control));
  // No merge can join a character to a following "▁" unless some piece holds
  // such a pair; vocabularies trained with split_by_whitespace (Llama's) hold none.
  word_splits_ = true;
  for (int32_t id = 0; id < vocab_.size() && word_splits_; ++id) {
    if (mergeable_id(vocab_.text(id)) < 0) continue;
    std::string_view t = vocab_.text(id);
    for (size_t p = t.find(kSpaceSymbol, 1); p != std::string_view::npos; p = t.find(kSpaceSymbol, p + 1)) {
      if (!t.substr(0, p).ends_with(kSpaceSymbol)) {
        word_splits_ = false;
        break;
      }
    }
  }
}

std::string SentencePieceBpe::normalize(std::string_view text) const {
  if (options_.remove_extra_whitespaces) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  }
  std::string out;
  if (text.empty()) return out;
  out.reserve(text.size() + text.size() / 2 + 3);
  if (options_.add_dummy_prefix) out += kSpaceSymbol;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != ' ') {
      out += text[i];
    } else if (!options_.remove_extra_whitespaces || text[i - 1] != ' ') {
      out += kSpaceSymbol;
    }
  }
  return out;
}

int32_t SentencePieceBpe::mergeable_id(std::string_view piece) const {
  int32_t id = vocab_.find(piece);
  if (id < 0) return -1;
  TokenType t = vocab_.type(id);
  return t == TokenType::Normal || t == TokenType::UserDefined || t == TokenType::Unused ? id : -1;
}

void SentencePieceBpe::emit_unknown(std::string_view piece, std::vector<int32_t>& out) const {
  if (byte_fallback_) {
    for (char c : piece) out.push_back(byte_ids_[static_cast<unsigned char>(c)]);
  } else {
    GPTQT_CHECK(unk_id_ >= 0, "cannot tokenize '{}': no such piece and no <unk> or byte pieces", piece);
    out.push_back(unk_id_);
  }
}

void SentencePieceBpe::merge_segment(std::string_view seg, std::vector<int32_t>& out) const {
  std::vector<Symbol> sym;
  sym.reserve(seg.size());
  for (size_t i = 0; i < seg.size();) {
    size_t n = utf8_char_len_at(seg, i);
    int s = static_cast<int>(sym.size());
    sym.push_back({i, n, s - 1, i + n < seg.size() ? s + 1 : -1});
    i += n;
  }
  auto text_of = [&](int i) { return seg.substr(sym[i].start, sym[i].len); };
  // How an unused piece was formed: such pieces are split back into their halves
  // on output (sentencepiece's resegmentation).
  std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> unused_halves;
  std::priority_queue<Candidate> queue;
  auto try_pair = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    size_t len = sym[left].len + sym[right].len;
    std::string_view piece = seg.substr(sym[left].start, len);
    int32_t id = mergeable_id(piece);
    if (id < 0) return;
    queue.push({vocab_.score(id), left, right, len});
    if (vocab_.type(id) == TokenType::Unused) unused_halves[piece] = {text_of(left), text_of(right)};
  };
  for (size_t i = 1; i < sym.size(); ++i) try_pair(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!queue.empty()) {
    Candidate c = queue.top();
    queue.pop();
    Symbol& l = sym[c.left];
    Symbol& r = sym[c.right];
    if (l.len == 0 || r.len == 0 || l.next != c.right || l.len + r.len != c.len) continue;  // stale
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = c.left;
    try_pair(l.prev, c.left);
    try_pair(c.left, l.next);
  }

  auto emit = [&](auto& self, std::string_view piece) -> void {
    int32_t id = mergeable_id(piece);
    if (id < 0) return emit_unknown(piece, out);
    auto halves = unused_halves.find(piece);
    if (vocab_.type(id) == TokenType::Unused && halves != unused_halves.end()) {
      self(self, halves->second.first);
      self(self, halves->second.second);
      return;
    }
    out.push_back(id);
  };
  for (int i = sym.empty() ? -1 : 0; i >= 0; i = sym[i].next) emit(emit, text_of(i));
}

// Control tokens are cut from the raw text first and each run between them is
// normalized on its own (its own dummy prefix), as llama.cpp tokenizes prompts.
void SentencePieceBpe::encode(std::string_view text, std::vector<int32_t>& out, bool control_tokens) const {
  if (!control_tokens || control_.empty()) return encode_text(text, out);
  std::vector<TextFragment> parts;
  control_.split(text, parts);
  for (const TextFragment& p : parts) {
    if (p.token >= 0)
      out.push_back(p.token);
    else
      encode_text(p.text, out);
  }
}

void SentencePieceBpe::encode_text(std::string_view text, std::vector<int32_t>& out) const {
  const std::string norm = normalize(text);
  std::vector<TextFragment> fragments;
  if (user_defined_.empty()) {
    fragments.push_back({norm});
  } else {
    user_defined_.split(norm, fragments);
  }
  // Words repeat in running text: with word_splits_, each distinct word is merged once per call.
  WordIdCache cache;
  for (const auto& f : fragments) {
    if (f.token >= 0) {
      out.push_back(f.token);
    } else if (!word_splits_) {
      merge_segment(f.text, out);
    } else {
      // Cut before each "▁" that follows another character than "▁".
      std::string_view rest = f.text;
      while (!rest.empty()) {
        size_t cut = rest.find(kSpaceSymbol, 1);
        while (cut != std::string_view::npos && rest.substr(0, cut).ends_with(kSpaceSymbol))
          cut = rest.find(kSpaceSymbol, cut + kSpaceSymbol.size());
        std::string_view word = rest.substr(0, cut);
        rest.remove_prefix(word.size());
        cache.append(word, out, [&](std::string_view w, std::vector<int32_t>& ids) { merge_segment(w, ids); });
      }
    }
  }
}

std::string SentencePieceBpe::piece(int32_t id) const {
  switch (vocab_.type(id)) {
    case TokenType::Control:
      return {};
    case TokenType::Unknown:
      return std::string(kUnknownSurface);
    case TokenType::Byte: {
      const std::string& t = vocab_.text(id);  // "<0xXX>"
      unsigned b = 0;
      if (t.size() == 6 && t.starts_with("<0x") && std::sscanf(t.c_str() + 3, "%2x", &b) == 1)
        return std::string(1, static_cast<char>(b));
      return t;
    }
    default:
      return replace_spaces(vocab_.text(id));
  }
}

std::string SentencePieceBpe::decode(std::span<const int32_t> ids) const {
  std::string out;
  bool first = true;
  for (int32_t id : ids) {
    if (vocab_.type(id) == TokenType::Control) continue;
    std::string p = piece(id);
    // The dummy prefix added at encoding is removed again at the start of the text.
    if (first && options_.add_dummy_prefix && vocab_.type(id) != TokenType::Byte && !p.empty() && p[0] == ' ')
      p.erase(0, 1);
    first = false;
    out += p;
  }
  return out;
}

}  // namespace gptqt
