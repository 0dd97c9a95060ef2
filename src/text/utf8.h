// Minimal UTF-8 helpers for the tokenizers (no validation beyond what they need:
// a malformed byte is treated as a one-byte character, so no input can crash them).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gptqt {

// Length of the UTF-8 sequence that starts with `lead`: 1 to 4, and 1 for a
// continuation or invalid byte.
inline size_t utf8_char_len(uint8_t lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF8) return 4;
  return 1;
}

// Length of the character at s[pos], clipped to the end of s.
inline size_t utf8_char_len_at(std::string_view s, size_t pos) {
  size_t n = utf8_char_len(static_cast<uint8_t>(s[pos]));
  return n < s.size() - pos ? n : s.size() - pos;
}

// Decodes the character at s[pos] (which must be < s.size()); a malformed
// sequence decodes to its first byte's value.
uint32_t utf8_decode_at(std::string_view s, size_t pos, size_t* len);

void utf8_append(std::string& out, uint32_t codepoint);

}  // namespace gptqt
