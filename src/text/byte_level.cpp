#include "text/byte_level.h"

#include <array>
#include <cstdint>

#include "text/utf8.h"

namespace gptqt {
namespace {

struct ByteLevelTables {
  std::array<std::string, 256> symbol;  // byte -> UTF-8 symbol
  std::array<int16_t, 512> byte_of;     // code point -> byte, -1 if not a symbol
  ByteLevelTables() {
    byte_of.fill(-1);
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      uint32_t cp = printable ? b : next++;
      utf8_append(symbol[b], cp);
      byte_of[cp] = static_cast<int16_t>(b);
    }
  }
};

const ByteLevelTables& tables() {
  static const ByteLevelTables t;
  return t;
}

}  // namespace

const std::string& byte_level_symbol(unsigned char byte) { return tables().symbol[byte]; }

std::string byte_level_encode(std::string_view bytes) {
  const auto& t = tables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += t.symbol[static_cast<unsigned char>(c)];
  return out;
}

std::string byte_level_decode(std::string_view symbols) {
  const auto& t = tables();
  std::string out;
  out.reserve(symbols.size());
  for (size_t i = 0; i < symbols.size();) {
    size_t len = 1;
    uint32_t cp = utf8_decode_at(symbols, i, &len);
    if (cp < t.byte_of.size() && t.byte_of[cp] >= 0 && len == (cp < 0x80 ? 1u : 2u)) {
      out += static_cast<char>(t.byte_of[cp]);
    } else {
      out.append(symbols.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace gptqt
