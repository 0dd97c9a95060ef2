#include "text/text_file.h"

#include "core/error.h"
#include "core/file_read.h"

namespace gptqt {

std::string read_text_file(const std::string& path) {
  std::string text = read_file(path);
  GPTQT_CHECK(!text.empty(), "{} is empty", path);
  return text;
}

}  // namespace gptqt
