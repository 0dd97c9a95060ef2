#include "text/regex_split.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/error.h"

namespace gptqt {

struct RegexSplitter::Compiled {
  pcre2_code* code = nullptr;
  explicit Compiled(const std::string& pattern) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    // UCP makes \s, \w and \d Unicode-aware.
    code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                         &err, &offset, nullptr);
    if (!code) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      fail("bad pre-tokenizer pattern '{}' at offset {}: {}", pattern, offset,
           reinterpret_cast<const char*>(msg));
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is absent
  }
  ~Compiled() { pcre2_code_free(code); }
};

RegexSplitter::RegexSplitter(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) patterns_.push_back(std::make_unique<Compiled>(p));
}
RegexSplitter::~RegexSplitter() = default;
RegexSplitter::RegexSplitter(RegexSplitter&&) noexcept = default;
RegexSplitter& RegexSplitter::operator=(RegexSplitter&&) noexcept = default;

namespace {

struct MatchData {
  pcre2_match_data* md;
  MatchData() : md(pcre2_match_data_create(1, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(md); }
};

// Cuts `piece` by one pattern, appending matches and gaps to `out`.
void split_one(pcre2_code* code, pcre2_match_data* md, std::string_view piece,
               std::vector<std::string_view>& out) {
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
  size_t pos = 0, gap_start = 0;
  // PCRE2 validates the whole subject's UTF-8 on every call unless told not to:
  // check it on the first call only, or long pieces would cost O(n^2).
  uint32_t options = 0;
  while (pos < piece.size()) {
    int rc = pcre2_match(code, subject, piece.size(), pos, options, md, nullptr);
    options = PCRE2_NO_UTF_CHECK;
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof msg);
      fail("cannot pre-tokenize the text: {}", reinterpret_cast<const char*>(msg));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t begin = ov[0], end = ov[1];
    if (end == begin) {  // an empty match cuts nothing: step over one character
      pos = begin + 1;
      while (pos < piece.size() && (static_cast<uint8_t>(piece[pos]) & 0xC0) == 0x80) ++pos;
      continue;
    }
    if (begin > gap_start) out.push_back(piece.substr(gap_start, begin - gap_start));
    out.push_back(piece.substr(begin, end - begin));
    pos = gap_start = end;
  }
  if (gap_start < piece.size()) out.push_back(piece.substr(gap_start));
}

}  // namespace

void RegexSplitter::split(std::string_view text, std::vector<std::string_view>& out) const {
  thread_local MatchData match_data;
  std::vector<std::string_view> current{text}, next;
  if (text.empty()) return;
  for (const auto& p : patterns_) {
    next.clear();
    for (auto piece : current) split_one(p->code, match_data.md, piece, next);
    current.swap(next);
  }
  out.insert(out.end(), current.begin(), current.end());
}

}  // namespace gptqt
