// Running the built `gptqt` command in tests, and what its output must look like.
#pragma once
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "test_paths.h"

namespace gptqt::test {

struct CmdResult {
  int code;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `gptqt ARGS` with a time limit: a command that hangs ends with 124.
inline CmdResult run_gptqt(const std::string& args, int timeout_seconds = 600) {
  const std::string dir = temp_dir();
  const std::string cmd = "GPTQT_DATA_DIR='" + data_dir() + "' timeout " + std::to_string(timeout_seconds) + " " +
                          gptqt_binary() + " " + args + " > " + dir + "/out 2> " + dir + "/err";
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir + "/out"), slurp(dir + "/err")};
}

inline std::string stories() { return data_dir() + "/stories260K/tinyllamas-stories-260k-f32.gguf"; }

// Exit code 1 and the error as the last line of stderr, in one line (information
// printed before the failure may precede it).
inline void expect_one_line_error(const CmdResult& r, const std::string& what) {
  EXPECT_EQ(r.code, 1) << what << "\n" << r.err;
  ASSERT_FALSE(r.err.empty()) << what;
  ASSERT_EQ(r.err.back(), '\n') << what;
  const size_t start = r.err.rfind('\n', r.err.size() - 2);
  const std::string last = r.err.substr(start == std::string::npos ? 0 : start + 1);
  EXPECT_EQ(last.rfind("gptqt: error: ", 0), 0u) << what << ": " << r.err;
  const size_t first_error = r.err.find("gptqt: error: ");
  EXPECT_EQ(first_error, start == std::string::npos ? 0 : start + 1) << what << ": multi-line error: " << r.err;
}

inline nlohmann::json last_json_line(const std::string& out) {
  auto end = out.find_last_not_of('\n');
  auto start = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1, end - start));
}

}  // namespace gptqt::test
