// Shared helpers of the tokenizer tests: golden files and the shared data paths.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_paths.h"

namespace gptqt::test {

inline nlohmann::json read_golden(const std::string& name) {
  std::ifstream f(fixtures_dir() + "/tokenizer/" + name);
  EXPECT_TRUE(f) << "missing golden " << name << " (scripts/fixtures/make_tokenizer_goldens.py)";
  return nlohmann::json::parse(f);
}

// FNV-1a 64 of the ids as little-endian int32 bytes (the goldens' "fnv1a64").
inline std::string fnv1a64_hex(const std::vector<int32_t>& ids) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (int32_t id : ids) {
    auto u = static_cast<uint32_t>(id);
    for (int b = 0; b < 4; ++b) h = (h ^ ((u >> (8 * b)) & 0xFF)) * 0x100000001B3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace gptqt::test

// Skips the test when the shared data folder (or one file of it) is absent.
#define REQUIRE_DATA(path)                                                                          \
  do {                                                                                              \
    if (!::gptqt::test::file_exists(path)) GTEST_SKIP() << "shared data not available: " << (path); \
  } while (0)
