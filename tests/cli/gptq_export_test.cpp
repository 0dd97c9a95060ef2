// gptqt export --to gptq: the Hugging Face GPTQ checkpoint of a packed model, read
// back by an independent reader (tests/scripts/check_gptq_checkpoint.py), and refusals.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli_util.h"
#include "io/safetensors.h"

namespace gptqt::test {
namespace {

namespace fs = std::filesystem;

// tiny-llama (vocabulary 256) with a byte-level tokenizer of its 256 tokens, so that
// the GPTQ solver can read a calibration text: GPT-2's byte-to-character map, no merges.
std::string tiny_llama_with_tokenizer(const std::string& dir) {
  const std::string to = dir + "/tiny-llama";
  fs::copy(fixtures_dir() + "/models/tiny-llama", to, fs::copy_options::recursive);
  std::vector<int> printable;
  for (int b = '!'; b <= '~'; ++b) printable.push_back(b);
  for (int b = 0xA1; b <= 0xAC; ++b) printable.push_back(b);
  for (int b = 0xAE; b <= 0xFF; ++b) printable.push_back(b);
  nlohmann::json vocab = nlohmann::json::object();
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool direct = std::find(printable.begin(), printable.end(), b) != printable.end();
    const int cp = direct ? b : 256 + extra++;
    std::string utf8;  // the code point (< 0x800) in UTF-8
    if (cp < 0x80) utf8 = char(cp);
    else utf8 = {char(0xC0 | (cp >> 6)), char(0x80 | (cp & 0x3F))};
    vocab[utf8] = b;
  }
  const nlohmann::json tok = {
      {"version", "1.0"},
      {"added_tokens", nlohmann::json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}}};
  std::ofstream(to + "/tokenizer.json") << tok.dump();
  return to;
}

// A python with numpy and safetensors: $GPTQT_TEST_PYTHON, or the one scripts/setup.sh makes.
std::string test_python() {
  const char* env = std::getenv("GPTQT_TEST_PYTHON");
  const std::string py = env ? env : std::string(GPTQT_BINARY).substr(0, std::string(GPTQT_BINARY).rfind('/')) +
                                         "/test-python/bin/python";
  if (!file_exists(py)) return "";
  return std::system((py + " -c 'import numpy, safetensors' 2>/dev/null").c_str()) == 0 ? py : "";
}

struct Exported {
  std::string packed, gptq;
};

// Packed models and their checkpoints: RTN 4-bit g32 (gptq), GPTQ 3-bit act-order g32
// (gptq_v2), GPTQ 2-bit act-order per row (gptq).
std::vector<Exported> export_variants(const std::string& dir) {
  const std::string src = tiny_llama_with_tokenizer(dir);
  const std::string calib = " --calib tinystories --nsamples 4 --seqlen 64 ";
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"--method rtn --bits 4 --group-size 32", "gptq"},
      {"--method gptq --bits 3 --group-size 32 --act-order" + calib, "gptq_v2"},
      {"--method gptq --bits 2 --group-size -1 --act-order" + calib, "gptq"}};
  std::vector<Exported> out;
  for (size_t i = 0; i < runs.size(); ++i) {
    const Exported e{dir + "/q" + std::to_string(i), dir + "/g" + std::to_string(i)};
    CmdResult r = run_gptqt("quantize -m " + src + " " + runs[i].first + " -o " + e.packed);
    EXPECT_EQ(r.code, 0) << runs[i].first << "\n" << r.err;
    r = run_gptqt("export -m " + e.packed + " --to gptq --checkpoint-format " + runs[i].second + " -o " + e.gptq);
    EXPECT_EQ(r.code, 0) << runs[i].first << "\n" << r.err;
    out.push_back(e);
  }
  return out;
}

TEST(Cli, GptqCheckpointHasTheDocumentedLayout) {
  const std::string dir = temp_dir();
  const std::vector<Exported> ex = export_variants(dir);
  const int bits[] = {4, 3, 2}, groups[] = {2, 2, 1};
  for (size_t i = 0; i < ex.size(); ++i) {
    for (const char* f : {"config.json", "quantize_config.json", "model.safetensors", "tokenizer.json",
                          "generation_config.json"})
      EXPECT_TRUE(file_exists(ex[i].gptq + "/" + f)) << ex[i].gptq << " " << f;
    const nlohmann::json c = nlohmann::json::parse(slurp(ex[i].gptq + "/config.json"));
    const nlohmann::json& q = c["quantization_config"];
    EXPECT_EQ(c["model_type"], "llama") << "the source's config";
    EXPECT_EQ(q["quant_method"], "gptq");
    EXPECT_EQ(q["bits"], bits[i]);
    EXPECT_EQ(q["desc_act"], i > 0);
    EXPECT_EQ(q["checkpoint_format"], i == 1 ? "gptq_v2" : "gptq");
    const SafetensorsFile f(ex[i].gptq + "/model.safetensors");
    const std::string l = "model.layers.1.mlp.down_proj";  // 64 outputs, 96 inputs
    EXPECT_EQ(f.shape(l + ".qweight"), (std::vector<int64_t>{96 * bits[i] / 32, 64}));
    EXPECT_EQ(f.shape(l + ".qzeros"), (std::vector<int64_t>{groups[i] == 1 ? 1 : 3, 64 * bits[i] / 32}));
    EXPECT_EQ(f.shape(l + ".scales"), (std::vector<int64_t>{groups[i] == 1 ? 1 : 3, 64}));
    EXPECT_EQ(f.shape(l + ".g_idx"), (std::vector<int64_t>{96}));
    EXPECT_FALSE(f.has(l + ".weight"));
    EXPECT_TRUE(f.has("lm_head.weight")) << "tiny-llama's head is untied";
  }
}

TEST(Cli, GptqCheckpointReadsBackInAnIndependentReader) {
  const std::string py = test_python();
  if (py.empty()) GTEST_SKIP() << "no python with numpy and safetensors (scripts/setup.sh makes build/test-python)";
  const std::string dir = temp_dir();
  for (const Exported& e : export_variants(dir)) {
    const std::string cmd = py + " " + source_dir() + "/tests/scripts/check_gptq_checkpoint.py " + e.packed + " " +
                            e.gptq + " > " + dir + "/check.txt 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(dir + "/check.txt");
    EXPECT_NE(slurp(dir + "/check.txt").find("14 layers, 0 differences"), std::string::npos) << slurp(dir + "/check.txt");
  }
}

TEST(Cli, GptqExportRefusesWhatItCannotHold) {
  const std::string dir = temp_dir(), src = fixtures_dir() + "/models/tiny-llama";
  ASSERT_EQ(run_gptqt("quantize -m " + src + " --method bcq --bits 2 --group-size 32 -o " + dir + "/bcq").code, 0);
  expect_one_line_error(run_gptqt("export -m " + dir + "/bcq --to gptq -o " + dir + "/x"), "BCQ levels");
  ASSERT_EQ(run_gptqt("quantize -m " + src + " --method rtn --bits 4 --group-size 32 --rotate -o " + dir + "/rot").code,
            0);
  expect_one_line_error(run_gptqt("export -m " + dir + "/rot --to gptq -o " + dir + "/x"), "rotated");
  ASSERT_EQ(run_gptqt("quantize -m " + src + " --method rtn --bits 4 --group-size 32 -o " + dir + "/rtn").code, 0);
  expect_one_line_error(run_gptqt("export -m " + dir + "/rtn --to gguf -o " + dir + "/x"), "gguf from a packed model");
  expect_one_line_error(run_gptqt("export -m " + src + " --to gptq -o " + dir + "/x"), "not a packed model");
  fs::create_directories(dir + "/exists");
  expect_one_line_error(run_gptqt("export -m " + dir + "/rtn --to gptq -o " + dir + "/exists"), "existing output");
  if (file_exists(stories())) {
    ASSERT_EQ(run_gptqt("quantize -m " + stories() + " --method rtn --bits 4 --group-size 32 -o " + dir + "/st").code, 0);
    expect_one_line_error(run_gptqt("export -m " + dir + "/st --to gptq -o " + dir + "/x"), "a GGUF source");
  }
  EXPECT_FALSE(fs::exists(dir + "/x")) << "nothing half-written";
}

}  // namespace
}  // namespace gptqt::test
