// Writing ggml's legacy blocks (io/ggml_pack.h), checked through the reader
// (io/ggml_blocks.h), which is itself checked against the gguf package's dequantizers.
#include "io/ggml_pack.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "io/ggml_blocks.h"
#include "io/gguf_writer.h"
#include "core/atomic_file.h"
#include "test_paths.h"
#include <filesystem>

namespace gptqt {
namespace {

float f16(float x) { return f16_to_f32(f32_to_f16(x)); }

TEST(GgmlPack, BlocksReadBackAsTheirLevels) {
  std::mt19937 rng(7);
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0}) {
    const GgmlTypeTraits& tr = *ggml_type_traits(uint32_t(t));
    const int bits = ggml_legacy_bits(t), lo = t == GgmlType::Q8_0 ? -128 : 0, hi = lo + (1 << bits) - 1;
    std::uniform_int_distribution<int> code(lo, hi);
    std::normal_distribution<float> val(0.f, 0.05f);
    for (int rep = 0; rep < 50; ++rep) {
      int q[32];
      for (int& c : q) c = code(rng);
      if (rep == 0) q[0] = lo, q[31] = hi;  // the extremes of the range
      const float d = f16(val(rng)), m = f16(val(rng));
      std::vector<uint8_t> block(size_t(tr.block_bytes));
      pack_ggml_block(t, d, m, q, block.data());
      float y[32];
      dequantize_ggml(uint32_t(t), block.data(), y, 32, "test");
      for (int i = 0; i < 32; ++i) {
        const float want = ggml_legacy_has_min(t) ? d * float(q[i]) + m : d * float(q[i] - ggml_legacy_zero(t));
        ASSERT_EQ(y[i], want) << tr.name << " element " << i << " code " << q[i];
      }
    }
  }
}

TEST(GgmlPack, KQuantBlocksReadBackAsTheirLevels) {
  std::mt19937 rng(11);
  std::normal_distribution<float> val(0.f, 0.01f);
  for (GgmlType t : {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
    const GgmlTypeTraits& tr = *ggml_type_traits(uint32_t(t));
    const KQuantGrid g = kquant_grid(t);
    ASSERT_EQ(tr.block_size, kGgmlSuperBlock);
    std::uniform_int_distribution<int> code(0, (1 << g.bits) - 1), scale(g.sc_lo, g.sc_hi), min(0, g.m_hi);
    for (int rep = 0; rep < 50; ++rep) {
      int q[256], sc[16], m[16] = {};
      for (int& c : q) c = code(rng);
      for (int j = 0; j < g.sub_blocks(); ++j) sc[j] = scale(rng), m[j] = g.has_min ? min(rng) : 0;
      if (rep == 0) {  // every extreme of every field
        q[0] = 0, q[255] = (1 << g.bits) - 1, sc[0] = g.sc_lo, sc[g.sub_blocks() - 1] = g.sc_hi;
        m[1] = g.m_hi;
      }
      const float d = f16(val(rng)), dmin = f16(val(rng));
      std::vector<uint8_t> block(size_t(tr.block_bytes), 0xA5);  // packing must not keep old bits
      pack_kquant_block(t, d, dmin, sc, m, q, block.data());
      float y[256];
      dequantize_ggml(uint32_t(t), block.data(), y, 256, "test");
      for (int e = 0; e < 256; ++e) {
        const int j = e / g.sub_block;
        const float dl = d * float(sc[j]), ml = dmin * float(m[j]);
        const float want = g.has_min ? dl * float(q[e]) - ml : dl * float(q[e] - g.zero);
        ASSERT_EQ(y[e], want) << tr.name << " element " << e << " code " << q[e] << " scale " << sc[j];
      }
    }
  }
}

TEST(GgmlPack, KQuantFieldsOutsideTheirRangesAreRefused) {
  int q[256] = {}, sc[16] = {}, m[16] = {};
  uint8_t block[256];
  sc[3] = 64;
  EXPECT_THROW(pack_kquant_block(GgmlType::Q4_K, 1.f, 1.f, sc, m, q, block), Error);
  sc[3] = -33;
  EXPECT_THROW(pack_kquant_block(GgmlType::Q3_K, 1.f, 0.f, sc, m, q, block), Error);
  sc[3] = 0, m[2] = 16;
  EXPECT_THROW(pack_kquant_block(GgmlType::Q2_K, 1.f, 1.f, sc, m, q, block), Error);
  m[2] = 0, q[200] = 64;
  EXPECT_THROW(pack_kquant_block(GgmlType::Q6_K, 1.f, 0.f, sc, m, q, block), Error);
  EXPECT_THROW(kquant_grid(GgmlType::Q8_K), Error);
}

TEST(GgmlPack, CodesOutsideTheRangeAreRefused) {
  int q[32] = {};
  uint8_t block[64];
  q[5] = 16;
  EXPECT_THROW(pack_ggml_block(GgmlType::Q4_0, 1.f, 0.f, q, block), Error);
  q[5] = -1;
  EXPECT_THROW(pack_ggml_block(GgmlType::Q5_1, 1.f, 0.f, q, block), Error);
  q[5] = 128;
  EXPECT_THROW(pack_ggml_block(GgmlType::Q8_0, 1.f, 0.f, q, block), Error);
  EXPECT_THROW(ggml_legacy_bits(GgmlType::Q4_K), Error);
}

TEST(GgufWriter, TensorsReadBackAlignedAndAnUnfinishedFileNeverAppears) {
  const std::string path = test::temp_dir() + "/t.gguf";
  GgufMetadata kv = {{"general.architecture", {std::string("llama"), 8}}, {"general.alignment", {int64_t(64), 4}},
                     {"answer", {int64_t(42), 5}}};
  const std::vector<float> a = {1.f, -2.f, 3.5f};
  std::vector<uint8_t> q(size_t(2) * 18);
  int codes[32];
  for (int i = 0; i < 32; ++i) codes[i] = i % 16;
  pack_ggml_block(GgmlType::Q4_0, 0.5f, 0.f, codes, q.data());
  pack_ggml_block(GgmlType::Q4_0, -0.25f, 0.f, codes, q.data() + 18);
  const std::vector<GgufTensorOut> tensors = {{"a", uint32_t(GgmlType::F32), {3}, 12},
                                              {"q", uint32_t(GgmlType::Q4_0), {32, 2}, 36}};
  write_gguf(path, kv, tensors, [&](size_t i, AtomicFile& f) {
    if (i == 0) f.write(a.data(), 12);
    else f.write(q.data(), q.size());
  });
  const GgufFile g(path);
  EXPECT_EQ(g.get_int("answer"), 42);
  ASSERT_EQ(g.tensors().size(), 2u);
  EXPECT_EQ(g.tensors()[0].offset % 64, 0u);
  EXPECT_EQ(g.tensors()[1].offset % 64, 0u);
  EXPECT_EQ(g.dequantize(*g.find_tensor("a")), a);
  const std::vector<float> qv = g.dequantize(*g.find_tensor("q"));
  ASSERT_EQ(qv.size(), 64u);
  EXPECT_EQ(qv[1], 0.5f * (1 - 8));
  EXPECT_EQ(qv[32 + 1], -0.25f * (1 - 8));

  const std::string short_path = test::temp_dir() + "/short.gguf";
  EXPECT_THROW(write_gguf(short_path, kv, tensors, [&](size_t, AtomicFile& f) { f.write(a.data(), 4); }), Error);
  EXPECT_FALSE(std::filesystem::exists(short_path)) << "a tensor short of its size leaves no file";
}

}  // namespace
}  // namespace gptqt
