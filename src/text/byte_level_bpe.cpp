#include "text/byte_level_bpe.h"

#include <queue>

#include "core/error.h"
#include "text/byte_level.h"
#include "text/word_id_cache.h"

namespace gptqt {
namespace {

struct Symbol {
  int32_t id;  // -1 for a byte without a token; -2 once merged into its left neighbour
  int prev, next;
};

struct Candidate {
  int32_t rank;
  int left, right;
  int32_t left_id, right_id, result;
  // std::priority_queue pops the largest: lowest rank first, then leftmost.
  bool operator<(const Candidate& o) const { return rank > o.rank || (rank == o.rank && left > o.left); }
};

bool is_special(TokenType t) { return t == TokenType::Control || t == TokenType::UserDefined; }

}  // namespace

ByteLevelBpe::ByteLevelBpe(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                           ByteLevelBpeOptions options)
    : TokenizerModel(std::move(vocab)), options_(std::move(options)), splitter_(options_.patterns) {
  GPTQT_CHECK(options_.unk_id == -1 || vocab_.valid(options_.unk_id),
              "unknown-token id {} outside the vocabulary", options_.unk_id);
  for (int b = 0; b < 256; ++b) byte_ids_[b] = vocab_.find(byte_level_symbol(static_cast<unsigned char>(b)));
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    int32_t ia = vocab_.find(a), ib = vocab_.find(b), ir = vocab_.find(a + b);
    if (ia < 0 || ib < 0 || ir < 0) {
      const std::string missing = ia < 0 ? a : (ib < 0 ? b : a + b);
      fail("merge {} '{} {}': '{}' is not in the vocabulary", rank, a, b, missing);
    }
    merges_.emplace(pair_key(ia, ib), Merge{static_cast<int32_t>(rank), ir});  // first rank wins
  }
  std::vector<std::pair<std::string, int32_t>> specials;
  for (int32_t id = 0; id < vocab_.size(); ++id)
    if (is_special(vocab_.type(id))) specials.emplace_back(vocab_.text(id), id);
  specials_ = SpecialTokenSplitter(std::move(specials));
}

void ByteLevelBpe::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  if (options_.ignore_merges) {
    int32_t id = vocab_.find(byte_level_encode(word));
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  std::vector<Symbol> sym(word.size());
  for (size_t i = 0; i < word.size(); ++i)
    sym[i] = {byte_ids_[static_cast<unsigned char>(word[i])], static_cast<int>(i) - 1,
              i + 1 < word.size() ? static_cast<int>(i) + 1 : -1};

  std::priority_queue<Candidate> queue;
  auto try_pair = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    auto it = merges_.find(pair_key(sym[left].id, sym[right].id));
    if (it == merges_.end()) return;
    queue.push({it->second.rank, left, right, sym[left].id, sym[right].id, it->second.result});
  };
  for (size_t i = 1; i < sym.size(); ++i) try_pair(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!queue.empty()) {
    Candidate c = queue.top();
    queue.pop();
    Symbol& l = sym[c.left];
    Symbol& r = sym[c.right];
    // A symbol's text only grows, so unchanged ids and adjacency mean the pair is current.
    if (l.id != c.left_id || r.id != c.right_id || l.next != c.right) continue;
    l.id = c.result;
    r.id = -2;
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = c.left;
    try_pair(l.prev, c.left);
    try_pair(c.left, l.next);
  }
  for (int i = 0; i >= 0; i = sym[i].next) {
    if (sym[i].id >= 0) {
      out.push_back(sym[i].id);
    } else if (options_.unk_id >= 0) {
      out.push_back(options_.unk_id);
    }  // else dropped, as Hugging Face's BPE does for a symbol with no token and no <unk>
  }
}

void ByteLevelBpe::encode(std::string_view text, std::vector<int32_t>& out, bool /*control_tokens*/) const {
  std::vector<TextFragment> fragments;
  specials_.split(text, fragments);
  // Words repeat a lot in running text: each distinct word is merged once per call.
  WordIdCache cache;
  std::vector<std::string_view> words;
  for (const auto& f : fragments) {
    if (f.token >= 0) {
      out.push_back(f.token);
      continue;
    }
    words.clear();
    splitter_.split(f.text, words);
    for (auto w : words) {
      cache.append(w, out, [&](std::string_view word, std::vector<int32_t>& ids) { encode_word(word, ids); });
    }
  }
}

std::string ByteLevelBpe::piece(int32_t id) const {
  const std::string& t = vocab_.text(id);
  return is_special(vocab_.type(id)) ? t : byte_level_decode(t);
}

std::string ByteLevelBpe::decode(std::span<const int32_t> ids) const {
  std::string out;
  for (int32_t id : ids) out += piece(id);
  return out;
}

}  // namespace gptqt
