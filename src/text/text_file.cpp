#include "text/text_file.h"

#include <fstream>
#include <iterator>

#include "core/error.h"

namespace gptqt {

std::string read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  GPTQT_CHECK(f, "cannot open {}", path);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  GPTQT_CHECK(!f.bad(), "cannot read {}", path);
  GPTQT_CHECK(!text.empty(), "{} is empty", path);
  return text;
}

}  // namespace gptqt
