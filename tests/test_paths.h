// Where tests find the shared data and the built tool.
#pragma once
#include <string>

namespace gptqt::test {
std::string data_dir();         // $GPTQT_DATA_DIR, else <source>/../shared/data
std::string source_dir();       // the repository root
std::string fixtures_dir();     // <source>/tests/fixtures
std::string gptqt_binary();     // the built `gptqt` command
std::string temp_dir();         // a fresh empty folder under the build's temp area
bool file_exists(const std::string& path);
}  // namespace gptqt::test
