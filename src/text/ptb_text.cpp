#include "text/ptb_text.h"

#include <sstream>

#include "core/error.h"
#include "core/file_read.h"

namespace gptqt {

std::string read_ptb_text(const std::string& path) {
  std::istringstream f(read_file(path));
  constexpr const char* kSpace = " \t\r\n\v\f";  // Python's str.strip() for ASCII text
  std::string out, line;
  size_t sentences = 0;
  while (std::getline(f, line)) {
    size_t b = line.find_first_not_of(kSpace);
    size_t e = line.find_last_not_of(kSpace);
    std::string_view s =
        b == std::string::npos ? std::string_view() : std::string_view(line).substr(b, e - b + 1);
    if (sentences++ > 0) out += ' ';
    out += s;
  }
  GPTQT_CHECK(sentences > 0, "{} is empty", path);
  return out;
}

}  // namespace gptqt
