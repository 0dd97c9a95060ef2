// gptqt's ggml dequantizers against the `gguf` Python package's, on the committed fixtures in
// tests/fixtures/ggml_blocks/ (scripts/fixtures/make_ggml_block_fixtures.py, docs/fixtures.md).
#include "io/ggml_blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <sstream>

#include "core/error.h"
#include "file_builders.h"
#include "io/gguf.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {

// Every block type gptqt reads, as named in ggml (and in the fixture files).
const std::vector<std::string> kBlockTypes = {
    "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K",
    "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M", "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0"};

struct BlockFixture {
  std::string name;
  uint32_t id = 0;
  int block_size = 0, block_bytes = 0;
  int64_t n_blocks = 0;
  std::string reference;
  std::vector<uint8_t> blocks;
  std::vector<float> expected;
};

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// MANIFEST.txt: "type id block_size block_bytes n_blocks reference..." per line, '#' comments.
const std::map<std::string, BlockFixture>& fixtures() {
  static const std::map<std::string, BlockFixture> all = [] {
    std::map<std::string, BlockFixture> m;
    const std::string dir = fixtures_dir() + "/ggml_blocks/";
    std::ifstream in(dir + "MANIFEST.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream ls(line);
      BlockFixture f;
      ls >> f.name >> f.id >> f.block_size >> f.block_bytes >> f.n_blocks;
      std::getline(ls >> std::ws, f.reference);
      f.blocks = read_all(dir + f.name + ".blocks");
      std::vector<uint8_t> x = read_all(dir + f.name + ".f32");
      f.expected.resize(x.size() / 4);
      std::memcpy(f.expected.data(), x.data(), f.expected.size() * 4);  // little-endian host (x86-64)
      m[f.name] = std::move(f);
    }
    return m;
  }();
  return all;
}

const BlockFixture& fixture(const std::string& name) {
  auto it = fixtures().find(name);
  if (it == fixtures().end()) throw std::runtime_error("no fixture for " + name);
  return it->second;
}

std::string write_tmp(const std::vector<uint8_t>& b) {
  std::string p = temp_dir() + "/f.gguf";
  write_bytes(p, b);
  return p;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// The manifest lists every type, with ggml's id and sizes (from the gguf package's
// GGMLQuantizationType and GGML_QUANT_SIZES): the type table must agree.
TEST(GgmlBlocks, TypeTableMatchesTheGgufPackage) {
  for (const std::string& name : kBlockTypes) {
    SCOPED_TRACE(name);
    const BlockFixture& f = fixture(name);
    const GgmlTypeTraits* tr = ggml_type_traits(f.id);
    ASSERT_NE(tr, nullptr);
    EXPECT_EQ(std::string(tr->name), name);
    EXPECT_EQ(tr->block_size, f.block_size);
    EXPECT_EQ(tr->block_bytes, f.block_bytes);
    EXPECT_TRUE(tr->can_dequantize);
    EXPECT_EQ(int64_t(f.blocks.size()), f.n_blocks * f.block_bytes);
    EXPECT_EQ(int64_t(f.expected.size()), f.n_blocks * f.block_size);
  }
  EXPECT_EQ(fixtures().size(), kBlockTypes.size());
}

class GgmlBlocksReference : public ::testing::TestWithParam<std::string> {};

// Bound: gptqt does the same float32 operations in the same order as the reference (gguf's numpy
// code, or Q8_K's x = d*q): each value is a product of the fp16 scale, a small integer and a grid
// or level value, with at most one subtraction or addition of a second such product. Without
// fused multiply-add (this build has none: no -mfma, no -march=native) every rounding is the same,
// so the results must be bit-identical, and that is checked. If a compiler fused a*b+c, one
// rounding (<= 2^-24 of an intermediate term, each at most about twice the block's largest
// |value|) would differ, so the always-on bound is 1e-6 * max|block| per element: far below a
// layout error, which moves a value by at least one quantization step (>= 1e-2 * max|block|).
TEST_P(GgmlBlocksReference, MatchesTheGgufDequantizer) {
  const BlockFixture& f = fixture(GetParam());
  RecordProperty("reference", f.reference);
  std::vector<float> got(f.expected.size(), std::nanf(""));
  dequantize_ggml(f.id, f.blocks.data(), got.data(), int64_t(got.size()), f.name);
  int64_t exact = 0;
  float worst = 0;
  for (int64_t b = 0; b < f.n_blocks; ++b) {
    float amax = 0;
    for (int i = 0; i < f.block_size; ++i) amax = std::max(amax, std::fabs(f.expected[size_t(b * f.block_size + i)]));
    for (int i = 0; i < f.block_size; ++i) {
      const size_t k = size_t(b * f.block_size + i);
      const float err = std::fabs(got[k] - f.expected[k]);
      worst = std::max(worst, amax > 0 ? err / amax : err);
      ASSERT_LE(err, 1e-6f * amax) << f.name << " block " << b << " element " << i << ": got " << got[k]
                                   << ", gguf " << f.expected[k];
      exact += got[k] == f.expected[k];
    }
  }
#if !defined(__FP_FAST_FMAF)
  EXPECT_EQ(exact, int64_t(got.size())) << f.name << ": not bit-identical, worst relative error " << worst;
#endif
}

// The same blocks as a tensor inside a GGUF file, through GgufFile::dequantize.
TEST_P(GgmlBlocksReference, ReadsTheTypeFromAGgufFile) {
  const BlockFixture& f = fixture(GetParam());
  GgufBuilder g;
  g.tensor("w", f.id, {uint64_t(f.block_size), uint64_t(f.n_blocks)}, f.blocks);
  GgufFile file(write_tmp(g.bytes()));
  const GgufTensorInfo* t = file.find_tensor("w");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(ggml_type_name(t->type), f.name);
  EXPECT_EQ(t->nbytes, f.blocks.size());
  std::vector<float> got = file.dequantize(*t);
  ASSERT_EQ(got.size(), f.expected.size());
  for (size_t k = 0; k < got.size(); ++k)
    ASSERT_NEAR(got[k], f.expected[k], 1e-6f * std::fabs(f.expected[k]) + 1e-30f) << f.name << " element " << k;
}

// A tensor cut short inside its last block is an Error when the file is opened, never a crash.
TEST_P(GgmlBlocksReference, TruncatedTensorIsAnError) {
  const BlockFixture& f = fixture(GetParam());
  // Declared 2 blocks, data holds 1.5 (the tensor ends the file).
  std::vector<uint8_t> short_data(f.blocks.begin(), f.blocks.begin() + f.block_bytes + f.block_bytes / 2);
  GgufBuilder g;
  g.tensor("w", f.id, {uint64_t(2 * f.block_size)}, short_data);
  std::string msg = error_of([&] { GgufFile file(write_tmp(g.bytes())); });
  EXPECT_NE(msg.find("runs past the end"), std::string::npos) << msg;
  // A whole file cut inside the tensor's data.
  GgufBuilder whole;
  whole.tensor("w", f.id, {uint64_t(f.block_size), 2}, std::vector<uint8_t>(f.blocks.begin(), f.blocks.begin() + 2 * f.block_bytes));
  std::vector<uint8_t> bytes = whole.bytes();
  for (size_t cut : {size_t(1), size_t(f.block_bytes), size_t(f.block_bytes + 1)}) {
    std::vector<uint8_t> cut_bytes(bytes.begin(), bytes.end() - long(cut));
    EXPECT_THROW(GgufFile(write_tmp(cut_bytes)), Error) << f.name << " cut by " << cut;
  }
  // A row that is not whole blocks.
  if (f.block_size > 1) {
    GgufBuilder partial;
    partial.tensor("w", f.id, {uint64_t(f.block_size / 2), 2}, f.blocks);
    msg = error_of([&] { GgufFile file(write_tmp(partial.bytes())); });
    EXPECT_NE(msg.find(f.name), std::string::npos) << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryType, GgmlBlocksReference, ::testing::ValuesIn(kBlockTypes),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

// Any bytes at all (NaN and infinite scales, every bit pattern) dequantize without touching
// memory out of bounds: each grid index is bounded by its bit width (run under ASan/UBSan).
TEST(GgmlBlocks, AnyBytesStayInBounds) {
  std::mt19937 rng(7);
  for (uint32_t id = 0; id < 64; ++id) {
    const GgmlTypeTraits* tr = ggml_type_traits(id);
    if (!tr || !tr->can_dequantize) continue;
    SCOPED_TRACE(tr->name);
    const int nb = 16;
    std::vector<uint8_t> src(size_t(nb * tr->block_bytes));
    for (uint8_t& c : src) c = uint8_t(rng());
    // Blocks 0..3: all bits set (NaN scales), all clear, 0x7c bytes (infinite fp16), 0x80 bytes.
    const uint8_t fills[4] = {0xff, 0x00, 0x7c, 0x80};
    for (int b = 0; b < 4; ++b) std::fill_n(src.begin() + b * tr->block_bytes, tr->block_bytes, fills[b]);
    std::vector<float> out(size_t(nb * tr->block_size));
    EXPECT_NO_THROW(dequantize_ggml(id, src.data(), out.data(), int64_t(out.size()), "t"));
    if (tr->block_size > 1) {
      EXPECT_THROW(dequantize_ggml(id, src.data(), out.data(), tr->block_size - 1, "t"), Error);
    }
  }
}

// The list of supported types in the error message is exactly the set that dequantizes.
TEST(GgmlBlocks, SupportedListIsTrue) {
  const std::string list = ggml_dequantizable_type_names();
  for (const std::string& name : kBlockTypes) EXPECT_NE(list.find(name), std::string::npos) << name;
  for (const char* name : {"F32", "F16", "BF16"}) EXPECT_NE(list.find(name), std::string::npos) << name;
  int listed = 1 + int(std::count(list.begin(), list.end(), ','));
  int can = 0;
  for (uint32_t id = 0; id < 256; ++id) {
    const GgmlTypeTraits* tr = ggml_type_traits(id);
    if (!tr) continue;
    const bool in_list = (", " + list + ",").find(", " + std::string(tr->name) + ",") != std::string::npos;
    EXPECT_EQ(in_list, tr->can_dequantize) << tr->name;
    can += tr->can_dequantize;
  }
  EXPECT_EQ(listed, can);
  EXPECT_EQ(can, int(kBlockTypes.size()) + 3);
}

// Types ggml has that gptqt does not dequantize, and ids ggml does not have, are Errors naming them.
TEST(GgmlBlocks, UnsupportedAndUnknownTypesAreNamed) {
  std::vector<uint8_t> zeros(1024);
  std::vector<float> out(256);
  for (const char* name : {"Q8_1", "MXFP4", "I32"}) {
    uint32_t id = 0;
    while (id < 256 && !(ggml_type_traits(id) && ggml_type_traits(id)->name == std::string(name))) ++id;
    ASSERT_LT(id, 256u) << name;
    std::string msg = error_of([&] { dequantize_ggml(id, zeros.data(), out.data(), 64, "blk.0.w"); });
    EXPECT_NE(msg.find(std::string("type ") + name + " is not supported"), std::string::npos) << msg;
    EXPECT_NE(msg.find("blk.0.w"), std::string::npos) << msg;
    EXPECT_NE(msg.find("IQ2_XXS"), std::string::npos) << msg;  // the supported list
  }
  std::string msg = error_of([&] { dequantize_ggml(77, zeros.data(), out.data(), 32, "w"); });
  EXPECT_NE(msg.find("type#77"), std::string::npos) << msg;
  EXPECT_EQ(ggml_type_traits(77), nullptr);

  // In a file: an unknown id fails the open, naming the id and the tensor.
  GgufBuilder g;
  g.tensor("blk.3.ffn_up.weight", 77, {32}, zeros);
  msg = error_of([&] { GgufFile f(write_tmp(g.bytes())); });
  EXPECT_NE(msg.find("unknown ggml type 77"), std::string::npos) << msg;
  EXPECT_NE(msg.find("blk.3.ffn_up.weight"), std::string::npos) << msg;
  // A known but unsupported type opens, and fails when dequantized.
  GgufBuilder q81;
  q81.tensor("w", uint32_t(GgmlType::Q8_1), {32}, std::vector<uint8_t>(36));
  GgufFile f(write_tmp(q81.bytes()));
  msg = error_of([&] { f.dequantize(*f.find_tensor("w")); });
  EXPECT_NE(msg.find("Q8_1"), std::string::npos) << msg;
}
