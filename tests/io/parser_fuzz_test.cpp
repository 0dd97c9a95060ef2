// A short deterministic fuzz run of the file parsers: random byte flips,
// truncations and splices of valid files must give a gptqt::Error or a valid
// parse, never a crash (run under -DGPTQT_SANITIZE=ON to catch memory errors).
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "file_builders.h"
#include "io/gguf.h"
#include "io/safetensors.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {

std::vector<uint8_t> mutate(std::vector<uint8_t> b, std::mt19937& rng) {
  std::uniform_int_distribution<int> kind(0, 3), byte(0, 255);
  switch (kind(rng)) {
    case 0:  // flip a few bytes
      for (int i = 0, n = 1 + int(rng() % 4); i < n && !b.empty(); ++i) b[rng() % b.size()] = uint8_t(byte(rng));
      break;
    case 1:  // truncate
      b.resize(b.empty() ? 0 : rng() % b.size());
      break;
    case 2:  // write a large little-endian number somewhere (counts, lengths, offsets)
      if (b.size() >= 8) {
        uint64_t v = uint64_t(1) << (rng() % 64);
        std::memcpy(&b[rng() % (b.size() - 7)], &v, 8);
      }
      break;
    default:  // duplicate a slice
      if (!b.empty()) {
        size_t at = rng() % b.size(), n = rng() % (b.size() - at + 1);
        b.insert(b.begin() + long(at), b.begin() + long(at), b.begin() + long(at + n));
      }
  }
  return b;
}

template <typename Parse>
void fuzz(const std::vector<uint8_t>& seed, const std::string& path, Parse parse, int iterations) {
  std::mt19937 rng(1234);
  int parsed = 0, rejected = 0;
  for (int i = 0; i < iterations; ++i) {
    write_bytes(path, mutate(seed, rng));
    try {
      parse(path);
      ++parsed;
    } catch (const Error&) {
      ++rejected;
    }
  }
  EXPECT_EQ(parsed + rejected, iterations);
  EXPECT_GT(rejected, 0);
}

}  // namespace

TEST(ParserFuzz, Gguf) {
  for (uint32_t v : {1u, 3u}) {
    GgufBuilder g(v);
    g.kv_string("general.architecture", "llama");
    g.kv_u32("llama.block_count", 2);
    g.tensor("a", 0, {4, 2}, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8}));
    g.tensor("b", 8, {32}, std::vector<uint8_t>(34, 1));
    fuzz(g.bytes(), temp_dir() + "/fuzz.gguf",
         [](const std::string& p) {
           GgufFile f(p);
           for (const auto& t : f.tensors()) f.dequantize(t);
         },
         3000);
  }
}

TEST(ParserFuzz, Safetensors) {
  auto seed = safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
                                R"("h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]}})",
                                f32_bytes({1, 2, 3, 4, 5}));
  fuzz(seed, temp_dir() + "/fuzz.safetensors",
       [](const std::string& p) {
         SafetensorsFile f(p);
         for (const auto& n : f.names()) f.load(n);
       },
       3000);
}
