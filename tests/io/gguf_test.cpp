#include "io/gguf.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/half.h"
#include "file_builders.h"
#include "io/ggml_blocks.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {

std::string write_tmp(const std::vector<uint8_t>& b) {
  std::string p = temp_dir() + "/f.gguf";
  write_bytes(p, b);
  return p;
}

GgufBuilder small_file(uint32_t version) {
  GgufBuilder g(version);
  g.kv_string("general.architecture", "llama");
  g.kv_u32("llama.block_count", 2);
  g.tensor("a", 0, {4, 2}, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  return g;
}

}  // namespace

TEST(Gguf, ReadsEveryVersion) {
  for (uint32_t v : {1u, 2u, 3u}) {
    GgufFile f(write_tmp(small_file(v).bytes()));
    EXPECT_EQ(f.version(), v);
    EXPECT_EQ(f.get_string("general.architecture"), "llama");
    EXPECT_EQ(f.get_int("llama.block_count"), 2);
    const GgufTensorInfo* t = f.find_tensor("a");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->rows(), 2);
    EXPECT_EQ(t->cols(), 4);
    EXPECT_EQ(f.dequantize(*t), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
  }
}

TEST(Gguf, DequantizesBlockTypesAgainstHandComputedValues) {
  // Q4_1 block: d = 0.5, m = -1, nibbles q: element i (i < 16) = low nibble of byte i,
  // element i + 16 = high nibble. Expected x = d*q + m.
  std::vector<uint8_t> q41(20);
  uint16_t d = f32_to_f16(0.5f), m = f32_to_f16(-1.f);
  std::memcpy(&q41[0], &d, 2);
  std::memcpy(&q41[2], &m, 2);
  for (int i = 0; i < 16; ++i) q41[4 + i] = uint8_t((i & 15) | ((15 - i) << 4));
  // Q8_0: d = 0.25, q = i - 16.
  std::vector<uint8_t> q80(34);
  uint16_t d8 = f32_to_f16(0.25f);
  std::memcpy(&q80[0], &d8, 2);
  for (int i = 0; i < 32; ++i) q80[2 + i] = uint8_t(int8_t(i - 16));
  // Q4_0: d = 2, x = d*(q - 8).
  std::vector<uint8_t> q40(18);
  uint16_t d4 = f32_to_f16(2.f);
  std::memcpy(&q40[0], &d4, 2);
  for (int i = 0; i < 16; ++i) q40[2 + i] = uint8_t(i | (i << 4));
  // F16 and BF16: 1.5 and -2.
  std::vector<uint8_t> f16(4), bf16(4);
  uint16_t h[2] = {f32_to_f16(1.5f), f32_to_f16(-2.f)}, b[2] = {f32_to_bf16(1.5f), f32_to_bf16(-2.f)};
  std::memcpy(f16.data(), h, 4);
  std::memcpy(bf16.data(), b, 4);

  GgufBuilder g;
  g.tensor("q41", 3, {32}, q41);
  g.tensor("q80", 8, {32}, q80);
  g.tensor("q40", 2, {32}, q40);
  g.tensor("f16", 1, {2}, f16);
  g.tensor("bf16", 30, {2}, bf16);
  GgufFile f(write_tmp(g.bytes()));
  auto x41 = f.dequantize(*f.find_tensor("q41"));
  auto x80 = f.dequantize(*f.find_tensor("q80"));
  auto x40 = f.dequantize(*f.find_tensor("q40"));
  for (int i = 0; i < 16; ++i) {
    EXPECT_FLOAT_EQ(x41[i], 0.5f * i - 1.f);
    EXPECT_FLOAT_EQ(x41[i + 16], 0.5f * (15 - i) - 1.f);
    EXPECT_FLOAT_EQ(x40[i], 2.f * (i - 8));
    EXPECT_FLOAT_EQ(x40[i + 16], 2.f * (i - 8));
  }
  for (int i = 0; i < 32; ++i) EXPECT_FLOAT_EQ(x80[i], 0.25f * (i - 16));
  EXPECT_EQ(f.dequantize(*f.find_tensor("f16")), (std::vector<float>{1.5f, -2.f}));
  EXPECT_EQ(f.dequantize(*f.find_tensor("bf16")), (std::vector<float>{1.5f, -2.f}));
}

TEST(Gguf, UnsupportedTypeIsNamed) {
  GgufBuilder g;
  g.tensor("k", 9, {32}, std::vector<uint8_t>(36));  // Q8_1: an activation type, not a weight type
  GgufFile f(write_tmp(g.bytes()));
  try {
    f.dequantize(*f.find_tensor("k"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Q8_1"), std::string::npos) << e.what();
  }
}

TEST(Gguf, BadFilesGiveErrors) {
  auto good = small_file(3).bytes();
  auto expect_error = [](std::vector<uint8_t> b, const char* what) {
    EXPECT_THROW(GgufFile(write_tmp(b)), Error) << what;
  };
  auto bad_magic = good;
  bad_magic[0] = 'X';
  expect_error(bad_magic, "bad magic");
  auto bad_version = good;
  bad_version[4] = 9;
  expect_error(bad_version, "version 9");
  for (size_t n : {size_t(0), size_t(7), size_t(20), good.size() / 2, good.size() - 1})
    expect_error(std::vector<uint8_t>(good.begin(), good.begin() + long(n)), "truncated");
  GgufBuilder absurd;
  absurd.tensor("a", 0, {uint64_t(1) << 41, 1}, f32_bytes({1}));
  expect_error(absurd.bytes(), "absurd dimension");
  GgufBuilder past_end;
  past_end.tensor("a", 0, {1000}, f32_bytes({1, 2}));
  expect_error(past_end.bytes(), "data past the end");
  GgufBuilder unknown_type;
  unknown_type.tensor("a", 77, {4}, f32_bytes({1}));
  expect_error(unknown_type.bytes(), "unknown type");
  EXPECT_THROW(GgufFile(temp_dir() + "/missing.gguf"), Error);
}

TEST(Gguf, MissingMetadataIsAnError) {
  GgufFile f(write_tmp(small_file(3).bytes()));
  EXPECT_THROW(f.get_int("llama.embedding_length"), Error);
  EXPECT_THROW(f.get_int("general.architecture"), Error);  // wrong type
}

TEST(Gguf, ReadsTheSharedModels) {
  std::string s = data_dir() + "/stories260K/tinyllamas-stories-260k-f32.gguf";
  std::string m = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!file_exists(s) || !file_exists(m)) GTEST_SKIP() << "shared data not found under " << data_dir();
  GgufFile st(s);
  EXPECT_EQ(st.version(), 1u);
  EXPECT_EQ(st.tensors().size(), 48u);
  GgufFile sm(m);
  EXPECT_EQ(sm.version(), 3u);
  EXPECT_EQ(sm.tensors().size(), 272u);
  EXPECT_EQ(sm.get_int("llama.block_count"), 30);
  const GgufTensorInfo* e = sm.find_tensor("token_embd.weight");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(ggml_type_name(e->type), "Q8_0");
  EXPECT_EQ(e->rows(), 49152);
  EXPECT_EQ(e->cols(), 576);
  auto q = sm.dequantize(*sm.find_tensor("blk.0.attn_q.weight"));
  EXPECT_EQ(q.size(), 576u * 576u);
  for (float v : q) ASSERT_TRUE(std::isfinite(v));
}

// A key or tensor given twice is refused: the reader used to take the first.
TEST(Gguf, DuplicateKeysAndTensorsAreRefused) {
  GgufBuilder keys;
  keys.kv_u32("llama.block_count", 2);
  keys.kv_u32("llama.block_count", 3);
  try {
    GgufFile f(write_tmp(keys.bytes()));
    FAIL() << "a duplicate key was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("llama.block_count appears twice"), std::string::npos) << e.what();
  }
  GgufBuilder tensors;
  tensors.tensor("a", 0, {2}, f32_bytes({1, 2}));
  tensors.tensor("a", 0, {2}, f32_bytes({3, 4}));
  EXPECT_THROW(GgufFile(write_tmp(tensors.bytes())), Error);
}

// Integers read as sizes are checked against a range instead of cut to int.
TEST(Gguf, RangedIntegersNameTheKey) {
  GgufBuilder g;
  g.kv_u32("llama.block_count", 4000000000u);
  GgufFile f(write_tmp(g.bytes()));
  EXPECT_EQ(f.get_int("llama.block_count"), 4000000000);
  try {
    f.get_int("llama.block_count", 0, 1 << 30);
    FAIL() << "out of range accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("llama.block_count = 4000000000 is out of range"), std::string::npos)
        << e.what();
  }
}

// An array count whose byte size wraps around 2^64 is truncation, not a huge allocation.
TEST(Gguf, ArrayCountsCannotWrapAround) {
  std::vector<uint8_t> b = {'G', 'G', 'U', 'F', 3, 0, 0, 0};
  auto u64 = [&](uint64_t v) { for (int i = 0; i < 8; ++i) b.push_back(uint8_t(v >> (8 * i))); };
  auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i))); };
  u64(0);  // tensors
  u64(1);  // keys
  u64(1);
  b.push_back('k');
  u32(9);                        // array
  u32(10);                       // of uint64
  u64(uint64_t(1) << 61);        // 2^61 x 8 bytes = 2^64: wraps to 0
  for (int i = 0; i < 64; ++i) b.push_back(0);
  try {
    GgufFile f(write_tmp(b));
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("runs past the end"), std::string::npos) << e.what();
  }
}

// A tensor of every block type llama.cpp writes, one byte short of its last block or
// with a row that is not a whole number of blocks: an Error naming the problem, never a
// read past the mapping (the last tensor's end is the file's end here).
TEST(Gguf, TruncatedBlocksOfEveryTypeAreErrors) {
  int types = 0;
  for (uint32_t id = 2; id < 64; ++id) {
    const GgmlTypeTraits* tr = ggml_type_traits(id);
    if (!tr || !tr->can_dequantize || tr->block_size == 1) continue;
    SCOPED_TRACE(tr->name);
    ++types;
    const uint64_t n = 2 * uint64_t(tr->block_size);
    const std::vector<uint8_t> whole(2 * size_t(tr->block_bytes), 0);
    GgufBuilder good;
    good.tensor("w", id, {n}, whole);
    EXPECT_EQ(GgufFile(write_tmp(good.bytes())).tensors().size(), 1u);
    GgufBuilder short_data;
    short_data.tensor("w", id, {n}, std::vector<uint8_t>(whole.begin(), whole.end() - 1));
    try {
      GgufFile f(write_tmp(short_data.bytes()));
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("past the end"), std::string::npos) << e.what();
    }
    GgufBuilder partial_block;
    partial_block.tensor("w", id, {n - 1}, whole);
    EXPECT_THROW(GgufFile(write_tmp(partial_block.bytes())), Error);
  }
  EXPECT_EQ(types, 22);  // Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, six k-quants, nine i-quants, TQ1_0, TQ2_0
}
