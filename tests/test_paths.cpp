#include "test_paths.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

namespace gptqt::test {

std::string source_dir() { return GPTQT_SOURCE_DIR; }
std::string fixtures_dir() { return source_dir() + "/tests/fixtures"; }
std::string gptqt_binary() { return GPTQT_BINARY; }

std::string data_dir() {
  if (const char* e = std::getenv("GPTQT_DATA_DIR")) return e;
  return source_dir() + "/../shared/data";
}

std::string temp_dir() {
  static std::atomic<int> n{0};
  auto p = std::filesystem::temp_directory_path() /
           ("gptqt-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

bool file_exists(const std::string& path) { return std::filesystem::exists(path); }

}  // namespace gptqt::test
