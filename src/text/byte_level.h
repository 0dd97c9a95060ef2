// GPT-2's reversible byte <-> Unicode mapping used by byte-level BPE vocabularies:
// printable Latin-1 bytes stand for themselves, the other 68 bytes (control
// characters, space, 0x7F-0xA0, 0xAD) map to U+0100 upwards, so that every byte
// string becomes printable text without spaces ("Ġ" is the space, "Ċ" the newline).
#pragma once
#include <string>
#include <string_view>

namespace gptqt {

// The UTF-8 text of the symbol that stands for `byte`.
const std::string& byte_level_symbol(unsigned char byte);

// Every byte of `bytes` replaced by its symbol.
std::string byte_level_encode(std::string_view bytes);

// The inverse: each symbol back to its byte. Characters outside the mapping (as
// in added tokens) are copied unchanged, so decoding never loses text.
std::string byte_level_decode(std::string_view symbols);

}  // namespace gptqt
