// gptqt quantize --format: a GGUF file of llama.cpp's block types, the rest of
// the source carried over, refused where the format cannot hold the model.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <tuple>

#include "cli_util.h"
#include "core/half.h"
#include "io/ggml_blocks.h"
#include "io/gguf.h"
#include "model/ggml_activations.h"
#include "eval/perplexity.h"
#include "model/model.h"

namespace gptqt::test {
namespace {

std::string tiny_llama_gguf() { return fixtures_dir() + "/models/tiny-llama3-rope/model.gguf"; }

bool is_linear(const std::string& name) {
  for (const char* l : {"attn_q.", "attn_k.", "attn_v.", "attn_output.", "ffn_gate.", "ffn_up.", "ffn_down."})
    if (name.find(l) != std::string::npos) return true;
  return false;
}

TEST(Cli, FormatWritesAGgufOfTheBlockTypeAndCopiesTheRest) {
  const std::string src_path = tiny_llama_gguf(), dir = temp_dir();
  const GgufFile src(src_path);
  for (const char* type : {"Q4_0", "Q5_1", "Q8_0"}) {
    const std::string out = dir + "/" + type + ".gguf";
    const CmdResult r = run_gptqt("quantize -m " + src_path + " --method rtn --no-mse --format " + type + " -o " + out);
    ASSERT_EQ(r.code, 0) << r.err;
    const GgufFile g(out);
    // The metadata: the source's, the file type set, the quantization named.
    EXPECT_EQ(g.get_string("general.architecture"), src.get_string("general.architecture"));
    const int64_t ftype = std::string(type) == "Q4_0" ? 2 : std::string(type) == "Q5_1" ? 9 : 7;
    EXPECT_EQ(g.get_int("general.file_type"), ftype);
    EXPECT_NE(g.get_string("gptqt.quantization").find(std::string("format=") + type), std::string::npos);
    for (const auto& [key, v] : src.metadata()) {
      if (key != "general.file_type") {
        EXPECT_TRUE(g.has(key)) << key;
      }
    }
    ASSERT_EQ(g.tensors().size(), src.tensors().size());
    int linear = 0;
    for (size_t i = 0; i < g.tensors().size(); ++i) {
      const GgufTensorInfo &t = g.tensors()[i], &s = src.tensors()[i];
      ASSERT_EQ(t.name, s.name) << "the source's order";
      EXPECT_EQ(t.ne, s.ne) << t.name;
      if (!is_linear(t.name)) {
        EXPECT_EQ(t.type, s.type) << t.name;
        EXPECT_EQ(std::memcmp(g.tensor_data(t), src.tensor_data(s), s.nbytes), 0) << t.name << " copied as it was";
        continue;
      }
      ++linear;
      EXPECT_EQ(ggml_type_name(t.type), type) << t.name;
      // Round to nearest: within half a step of its block's grid (step d read from the block
      // itself), except beyond Q4_0's short end (−8d..7d: its largest weight is on the long side).
      const std::vector<float> x = src.dequantize(s), y = g.dequantize(t);
      const GgmlTypeTraits& tr = *ggml_type_traits(t.type);
      for (size_t e = 0; e < x.size(); ++e) {
        uint16_t h;
        std::memcpy(&h, g.tensor_data(t) + (e / 32) * tr.block_bytes, 2);
        const float d = std::abs(f16_to_f32(h)), slack = 16 * d / 2048 + 1e-7f;
        const float beyond = std::string(type) == "Q4_0" ? std::max(0.f, std::abs(x[e]) - 7 * d) : 0.f;
        ASSERT_LE(std::abs(x[e] - y[e]), std::max(0.5f * d, beyond) + slack) << t.name << " element " << e;
      }
    }
    EXPECT_EQ(linear, 2 * 7) << "every linear layer of the two blocks";
    // Our runtime runs the file.
    const CmdResult gen = run_gptqt("bench -m " + out + " -p 8 -n 4 -r 1");
    EXPECT_EQ(gen.code, 0) << gen.err;
  }
}

// SmolLM2's file is Q4_1: rounding its own values to Q4_1 with llama-quantize's formula
// must give back every block of the source, bit for bit (each block holds its extremes,
// so min and (max - min)/15 are its m and d again).
TEST(Cli, FormatQ4_1OfAQ4_1FileGivesItsBlocksBack) {
  const std::string smol = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", out = temp_dir() + "/q41.gguf";
  if (!file_exists(smol)) GTEST_SKIP() << smol << " absent";
  const CmdResult r = run_gptqt("quantize -m " + smol + " --method rtn --no-mse --format Q4_1 -o " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const GgufFile src(smol), got(out);
  ASSERT_EQ(got.tensors().size(), src.tensors().size());
  for (size_t i = 0; i < src.tensors().size(); ++i) {
    const GgufTensorInfo &s = src.tensors()[i], &t = got.tensors()[i];
    ASSERT_EQ(t.type, s.type) << s.name;
    ASSERT_EQ(t.nbytes, s.nbytes) << s.name;
    EXPECT_EQ(std::memcmp(got.tensor_data(t), src.tensor_data(s), s.nbytes), 0) << s.name;
  }
}

// The k-quants on a model whose every row is whole 256-weight super-blocks: every linear
// layer in the type, the rest carried over, the error falling with each bit, our runtime
// running the file.
TEST(Cli, FormatKQuantsPutEveryLayerOnTheirGrid) {
  const std::string src_path = fixtures_dir() + "/models/tiny-llama-256/model.gguf", dir = temp_dir();
  const GgufFile src(src_path);
  double last_error = 0;
  for (const char* type : {"Q6_K", "Q5_K", "Q4_K", "Q3_K", "Q2_K"}) {
    const std::string out = dir + "/" + type + ".gguf";
    const CmdResult r = run_gptqt("quantize -m " + src_path + " --method rtn --format " + type + " -o " + out);
    ASSERT_EQ(r.code, 0) << r.err;
    const GgufFile g(out);
    EXPECT_NE(g.get_string("gptqt.quantization").find(std::string("format=") + type), std::string::npos);
    ASSERT_EQ(g.tensors().size(), src.tensors().size());
    double err = 0, norm = 0;
    int linear = 0;
    for (size_t i = 0; i < g.tensors().size(); ++i) {
      const GgufTensorInfo &t = g.tensors()[i], &s = src.tensors()[i];
      ASSERT_EQ(t.name, s.name);
      if (!is_linear(t.name)) {
        EXPECT_EQ(std::memcmp(g.tensor_data(t), src.tensor_data(s), s.nbytes), 0) << t.name << " copied as it was";
        continue;
      }
      ++linear;
      EXPECT_EQ(ggml_type_name(t.type), type) << t.name;
      const std::vector<float> x = src.dequantize(s), y = g.dequantize(t);
      for (size_t e = 0; e < x.size(); ++e) err += double(x[e] - y[e]) * (x[e] - y[e]), norm += double(x[e]) * x[e];
    }
    EXPECT_EQ(linear, 7);
    EXPECT_GT(err, 1.8 * last_error) << type << ": each bit fewer should cost two to four times the error";
    EXPECT_LT(err, 0.1 * norm) << type;
    last_error = err;
    const CmdResult gen = run_gptqt("bench -m " + out + " -p 8 -n 4 -r 1");
    EXPECT_EQ(gen.code, 0) << gen.err;
  }
}

// Rows that are not whole super-blocks: refused, naming the layers, unless --fallback
// names the type they get (auto: llama-quantize's, Q5_0 for Q4_K).
TEST(Cli, FormatKQuantFallsBackOnlyWhenAsked) {
  const std::string dir = temp_dir(), out = dir + "/k.gguf";
  const std::string q = "quantize -m " + tiny_llama_gguf() + " --method rtn ";
  expect_one_line_error(run_gptqt(q + "--format Q4_K -o " + out), "rows of 64 weights");
  expect_one_line_error(run_gptqt(q + "--format Q4_0 --fallback auto -o " + out), "need no fallback");
  expect_one_line_error(run_gptqt(q + "--format Q4_K --fallback Q3_K -o " + out), "--fallback");
  EXPECT_FALSE(std::filesystem::exists(out));
  for (const auto& [fallback, want] : {std::pair{"auto", "Q5_0"}, std::pair{"Q8_0", "Q8_0"}}) {
    const CmdResult r = run_gptqt(q + "--format Q4_K --fallback " + fallback + " -o " + out);
    ASSERT_EQ(r.code, 0) << r.err;
    const GgufFile g(out);
    for (const GgufTensorInfo& t : g.tensors())
      if (is_linear(t.name)) {
        EXPECT_EQ(ggml_type_name(t.type), want) << t.name;
      }
    std::filesystem::remove(out);
  }
}

// eval --ggml-activations: every layer of a GGUF file rounds its inputs to its own
// type's grid (Q8_0, Q8_1, Q8_K; the head to its table's), which moves the perplexity a
// little; refused where there is no GGUF file or the head is not run as stored.
TEST(Cli, EvalGgmlActivationsRoundsEachLayerAsItsTypeDoes) {
  const std::string dir = temp_dir();
  const std::string k_src = fixtures_dir() + "/models/tiny-llama-256/model.gguf";
  for (const auto& [src, type, grid] : {std::tuple{tiny_llama_gguf(), "Q4_0", "q8_0"},
                                        std::tuple{tiny_llama_gguf(), "Q5_1", "q8_1"},
                                        std::tuple{k_src, "Q4_K", "q8_K"}}) {
    const std::string out = dir + "/" + type + ".gguf";
    const CmdResult r = run_gptqt("quantize -m " + src + " --method rtn --no-mse --format " + type + " -o " + out);
    ASSERT_EQ(r.code, 0) << r.err;
    LoadOptions o;
    o.ggml_activations = true;
    const Model m = load_model(out, o);
    for (const BlockWeights& b : m.w.blocks)
      for (const Linear& l : b.lin)
        if (l.op) {
          EXPECT_EQ(l.op->kind(), std::string("f32+") + grid) << type;
        }
    const GgufFile g(out);
    const GgufTensorInfo* head = g.find_tensor("output.weight");
    if (!head) head = g.find_tensor("token_embd.weight");
    ASSERT_TRUE(head);
    const ActivationGrid hg = ggml_activation_grid(head->type);
    EXPECT_EQ(m.w.head.op->kind(), hg == ActivationGrid::f32 ? "f32" : "f32+" + activation_grid_name(hg));
    EXPECT_EQ(load_model(out).w.blocks[0].lin[0].op->kind(), "f32") << "only when asked";
  }

  // The fixtures' GGUF files carry no tokenizer: score the Q4_0 model on token ids.
  std::vector<int32_t> tokens(96);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = int32_t((i * 37 + 11) % 256);
  PplOptions opt;
  opt.ctx = 32;
  opt.progress = false;
  LoadOptions rounded;
  rounded.ggml_activations = true;
  const double p = perplexity(load_model(dir + "/Q4_0.gguf"), tokens, opt).ppl;
  const double q = perplexity(load_model(dir + "/Q4_0.gguf", rounded), tokens, opt).ppl;
  EXPECT_NE(p, q);
  EXPECT_NEAR(q / p, 1.0, 0.02);

  // Through the command line, on an F32 file (stories260K): F32 layers multiply fp32
  // inputs in llama.cpp too, so nothing changes but the record of the option.
  const std::string dir_text = dir + "/text.txt";
  { std::ofstream(dir_text) << "Once upon a time there was a little girl. She liked to play in the park.\n"; }
  if (file_exists(stories())) {
    const std::string eval = "eval -m " + stories() + " --text " + dir_text + " --ctx 16 --json -t 1";
    const CmdResult plain = run_gptqt(eval), with = run_gptqt(eval + " --ggml-activations");
    ASSERT_EQ(plain.code, 0) << plain.err;
    ASSERT_EQ(with.code, 0) << with.err;
    const nlohmann::json a = last_json_line(plain.out), b = last_json_line(with.out);
    EXPECT_TRUE(b.value("ggml_activations", false));
    EXPECT_FALSE(a.contains("ggml_activations"));
    EXPECT_EQ(a["ppl"].get<double>(), b["ppl"].get<double>());
    expect_one_line_error(run_gptqt(eval + " --ggml-activations --head int8"), "int8 head");
  }
  expect_one_line_error(run_gptqt("eval -m " + fixtures_dir() + "/models/tiny-llama --text " + dir_text +
                                  " --ggml-activations"),
                        "GGUF files only");
}

TEST(Cli, FormatRefusesWhatItCannotHold) {
  const std::string dir = temp_dir(), out = dir + "/out.gguf";
  const std::string q = "quantize -m " + tiny_llama_gguf() + " --method rtn ";
  expect_one_line_error(run_gptqt(q + "--format Q4_0 --rotate -o " + out), "rotations");
  expect_one_line_error(run_gptqt(q + "--format Q4_0 --group-size 64 -o " + out), "group size");
  expect_one_line_error(run_gptqt(q + "--format Q4_0 --bits 3 -o " + out), "bits");
  expect_one_line_error(run_gptqt("quantize -m " + tiny_llama_gguf() + " --method gptqt --format Q4_0 -o " + out),
                        "method");
  expect_one_line_error(run_gptqt(q + "--format Q4_0 --head-bits 4 -o " + out), "head");
  expect_one_line_error(run_gptqt(q + "--format Q4_0 --bpw 4 -o " + out), "bpw");
  expect_one_line_error(run_gptqt(q + "--format Q4_2 -o " + out), "unknown type");
  expect_one_line_error(
      run_gptqt("quantize -m " + fixtures_dir() + "/models/tiny-llama --method rtn --format Q4_0 -o " + out),
      "a Hugging Face source");
  expect_one_line_error(
      run_gptqt("quantize -m " + fixtures_dir() + "/models/tiny-phi3/model.gguf --method rtn --format Q8_0 -o " + out),
      "fused projections");
  if (file_exists(stories()))
    expect_one_line_error(run_gptqt("quantize -m " + stories() + " --method rtn --format Q4_0 -o " + out),
                          "rows of 172 weights");
  EXPECT_FALSE(std::filesystem::exists(out)) << "nothing half-written";
  { std::ofstream(out) << "mine"; }
  expect_one_line_error(run_gptqt(q + "--format Q4_0 -o " + out), "existing output");
  EXPECT_EQ(slurp(out), "mine") << "left as it was";
}

}  // namespace
}  // namespace gptqt::test
