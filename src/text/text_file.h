// Reading a whole text file (evaluation text such as WikiText-2's wiki.test.raw).
#pragma once
#include <string>

namespace gptqt {

// The file's bytes, unchanged. Throws Error if it cannot be read or is empty
// (an empty evaluation text would silently give no windows).
std::string read_text_file(const std::string& path);

}  // namespace gptqt
