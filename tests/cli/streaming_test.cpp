// The streaming pipeline (one block in memory at a time, layers read back from the
// work folder) against the whole model held in memory: the same layers bit for bit,
// and the same packed file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/model.h"
#include "quant/packed_writer.h"
#include "quant/pipeline.h"
#include "quant/work_dir.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {

quant::PipelineOptions gptq_options(const ModelConfig& c, bool true_sequential) {
  quant::PipelineOptions o;
  o.method.method = "gptq";
  o.method.bits = 3;
  o.method.group_size = 32;
  o.method.head_bits = 4;  // a separate head is read from disk at the end
  o.true_sequential = true_sequential;
  o.progress = false;
  for (int s = 0; s < 3; ++s) {
    std::vector<int32_t> w(24 + 8 * s);
    for (size_t i = 0; i < w.size(); ++i) w[i] = int32_t((i * 37 + size_t(s) * 11 + 3) % size_t(c.vocab));
    o.calibration.push_back(w);
  }
  return o;
}

std::string slurp_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void expect_same(const quant::QuantizedLinear& a, const quant::QuantizedLinear& b, const std::string& what) {
  EXPECT_EQ(a.codes, b.codes) << what;
  EXPECT_EQ(a.alpha, b.alpha) << what;
  EXPECT_EQ(a.offset, b.offset) << what;
  EXPECT_EQ(a.scale, b.scale) << what;
  EXPECT_EQ(a.perm, b.perm) << what;
}

}  // namespace

TEST(Streaming, OneBlockAtATimeGivesTheWholeModelsResult) {
  std::vector<std::string> sources;
  for (const char* name : {"tiny-llama", "tiny-phi3", "tiny-gemma3"}) sources.push_back(fixtures_dir() + "/models/" + name);
  // A real GGUF of 30 blocks, on request (minutes: GPTQ on its 49,152-row head, four times).
  const std::string smol = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (std::getenv("GPTQT_STREAMING_SMOLLM2") && file_exists(smol)) sources.push_back(smol);
  for (const std::string& source : sources)
    for (bool true_sequential : {false, true}) {
      const std::string tmp = temp_dir();
      const std::string what = source + (true_sequential ? " true-sequential" : "");
      Model whole = load_model(source);
      const quant::PipelineOptions o = gptq_options(whole.cfg, true_sequential);
      const quant::PipelineResult in_memory = quant::quantize_model(whole, o);

      LoadOptions stream;
      stream.stream = true;
      Model streamed = load_model(source, stream);
      for (int b = 0; b < streamed.cfg.n_layers; ++b) EXPECT_FALSE(streamed.block_loaded(b));
      quant::PipelineOptions so = o;
      so.work_dir = tmp + "/work";
      so.fingerprint = "streaming test";
      const quant::PipelineResult r = quant::quantize_model(streamed, so);
      ASSERT_TRUE(r.complete) << what;
      const quant::WorkDir work(so.work_dir, so.fingerprint);
      for (int b = 0; b < streamed.cfg.n_layers; ++b) {
        EXPECT_FALSE(streamed.block_loaded(b)) << what << ": block " << b << " was kept";
        for (const auto& q : r.blocks[size_t(b)].lin) EXPECT_FALSE(q.has_value()) << what << ": block " << b;
        const quant::WorkDir::Block saved = work.load_block(b);
        for (int l = 0; l < kNumLinearRoles; ++l) {
          ASSERT_EQ(saved.lin[l].has_value(), in_memory.blocks[size_t(b)].lin[l].has_value()) << what;
          if (saved.lin[l])
            expect_same(*saved.lin[l], *in_memory.blocks[size_t(b)].lin[l],
                        what + " block " + std::to_string(b) + " " + linear_role_name(LinearRole(l)));
        }
      }
      ASSERT_TRUE(r.head && in_memory.head) << what;
      expect_same(*r.head, *in_memory.head, what + " head");

      // The packed files hold the same tensors, byte for byte.
      quant::write_packed_model(whole, in_memory, o.method, {source}, tmp + "/whole");
      quant::write_packed_model(streamed, r, so.method, {source}, tmp + "/streamed", &work);
      const SafetensorsFile a(tmp + "/whole/weights.safetensors"), b(tmp + "/streamed/weights.safetensors");
      ASSERT_EQ(a.names(), b.names()) << what;
      for (const auto& [t, entry] : a.entries()) {
        EXPECT_TRUE(a.copy_raw<uint8_t>(t, entry.dtype) == b.copy_raw<uint8_t>(t, entry.dtype)) << what << " " << t;
      }
    }
}

// Streamed, the tensors of every block are still checked when the model is opened:
// a file missing the last block's tensor is refused before any work, not at the end.
TEST(Streaming, ADamagedLastBlockIsRefusedWhenTheModelIsOpened) {
  namespace fs = std::filesystem;
  const std::string source = fixtures_dir() + "/models/tiny-llama", copy = temp_dir() + "/tiny-llama";
  fs::copy(source, copy, fs::copy_options::recursive);
  const std::string index = copy + "/model.safetensors.index.json";
  std::string text = slurp_file(index);
  // The index no longer lists the tensor (its line, with the comma, goes).
  const size_t at = text.find("\"model.layers.1.mlp.down_proj.weight\"");
  ASSERT_NE(at, std::string::npos);
  const size_t begin = text.rfind('\n', at), end = text.find('\n', at);
  text.erase(begin, end - begin);
  std::ofstream(index) << text;
  LoadOptions stream;
  stream.stream = true;
  try {
    load_model(copy, stream);
    FAIL() << "a missing tensor was not noticed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.1.mlp.down_proj.weight"), std::string::npos) << e.what();
  }
}
