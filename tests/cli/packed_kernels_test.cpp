// The packed kernels inside the whole model: a quantized model run through
// the LUT kernels (int8 tables) or the dequantize kernel must agree with the
// same packed weights expanded to fp32. Teacher-forced on the fp32 path's own
// greedy continuation, so one near-tie cannot derail the comparison.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/model.h"
#include "model/packed_ops.h"
#include "quant/packed_conversion.h"
#include "quant/packed_writer.h"
#include "quant/pipeline.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {

std::string quantize_rtn(const std::string& source, int bits, int group) {
  Model m = load_model(source);
  quant::PipelineOptions opt;
  opt.method.method = "rtn";
  opt.method.bits = bits;
  opt.method.group_size = group;
  opt.progress = false;
  quant::PipelineResult r = quant::quantize_model(m, opt);
  const std::string out = temp_dir() + "/q";
  quant::write_packed_model(m, r, opt.method, {source}, out);
  return out;
}

std::vector<int32_t> greedy(const Model& m, std::vector<int32_t> tokens, int n) {
  KVCache cache(m.cfg, int(tokens.size()) + n, KvType::f32);
  std::vector<float> logits = m.forward(tokens, &cache);
  for (int i = 0; i < n; ++i) {
    const float* last = logits.data() + (logits.size() / m.cfg.vocab - 1) * m.cfg.vocab;
    tokens.push_back(int32_t(std::max_element(last, last + m.cfg.vocab) - last));
    logits = m.forward({tokens.back()}, &cache);
  }
  return tokens;
}

// max |a - b| / max |a|
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double mx = 0, diff = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    mx = std::max(mx, double(std::abs(a[i])));
    diff = std::max(diff, double(std::abs(a[i] - b[i])));
  }
  return diff / mx;
}

struct Agreement {
  double worst_rel = 0;  // max |a - b| / max |a| over every step's logits
  int argmax_same = 0, steps = 0;
};

// Feeds `tokens` one at a time (the generation path: single-token kernels) to both
// models, through fp32 caches: only the kernels differ.
Agreement compare_stepwise(const Model& a, const Model& b, const std::vector<int32_t>& tokens) {
  KVCache ca(a.cfg, int(tokens.size()), KvType::f32), cb(b.cfg, int(tokens.size()), KvType::f32);
  Agreement g;
  for (int32_t t : tokens) {
    std::vector<float> la = a.forward({t}, &ca), lb = b.forward({t}, &cb);
    g.worst_rel = std::max(g.worst_rel, relative_error(la, lb));
    g.argmax_same += std::max_element(la.begin(), la.end()) - la.begin() ==
                     std::max_element(lb.begin(), lb.end()) - lb.begin();
    ++g.steps;
  }
  return g;
}

void check_model(const std::string& source, int bits, int group, const std::vector<int32_t>& prompt,
                 double lut_tol, double dequant_tol) {
  const std::string packed = quantize_rtn(source, bits, group);
  Model f32 = load_model(packed, {"f32"});
  Model lut = load_model(packed, {"lut"});
  Model deq = load_model(packed, {"dequant"});
  const std::vector<int32_t> seq = greedy(f32, prompt, 32);
  Agreement gl = compare_stepwise(f32, lut, seq), gd = compare_stepwise(f32, deq, seq);
  std::printf("%s %d-bit g%d: LUT worst relative logit error %.2e, argmax agrees %d/%d; dequant %.2e, %d/%d\n",
              source.c_str(), bits, group, gl.worst_rel, gl.argmax_same, gl.steps, gd.worst_rel, gd.argmax_same,
              gd.steps);
  EXPECT_LT(gl.worst_rel, lut_tol);
  EXPECT_LT(gd.worst_rel, dequant_tol);
  EXPECT_EQ(gd.argmax_same, gd.steps);
  // A whole-sequence pass (more than kSmallBatch tokens) multiplies these linear grids
  // by the int8 GEMM: the weights exactly, the activations rounded to 8 bits per 32
  // columns, within the LUT path's tolerance. Through sgemm on expanded tiles instead,
  // it is the f32 path up to summation order. Scoring only the last position gives
  // that position's row of the whole pass.
  ASSERT_GT(seq.size(), size_t(kSmallBatch));
  const std::vector<float> whole = f32.forward(seq);
  const std::vector<float> whole_last(whole.end() - f32.cfg.vocab, whole.end());
  for (const Model* m : {&lut, &deq}) {
    const double err = relative_error(whole, m->forward(seq));
    std::printf("whole pass through the int8 GEMM: worst relative logit error %.2e\n", err);
    EXPECT_LT(err, lut_tol);
  }
  const Model lut_sgemm = load_model(packed, {.kernel = "lut", .batch_gemm = "sgemm"});
  const Model deq_sgemm = load_model(packed, {.kernel = "dequant", .batch_gemm = "sgemm"});
  for (const Model* m : {&lut_sgemm, &deq_sgemm}) {
    EXPECT_LT(relative_error(whole, m->forward(seq)), 1e-5);
    EXPECT_LT(relative_error(whole_last, m->forward(seq, nullptr, LogitsFor::last)), 1e-5);
  }
  // The dequantize kernel is exact up to fp32 summation order, so its greedy text is the fp32 one.
  EXPECT_EQ(greedy(deq, prompt, 32), seq);
}

}  // namespace

TEST(PackedKernels, Stories260KAgreesWithFp32) {
  const std::string s = data_dir() + "/stories260K/tinyllamas-stories-260k-f32.gguf";
  if (!file_exists(s)) GTEST_SKIP() << "shared data not found under " << data_dir();
  check_model(s, 3, 32, {1, 403, 407, 261, 378}, 0.05, 1e-4);  // [BOS] "Once upon a time"
}

TEST(PackedKernels, SmolLM2AgreesWithFp32) {
  const std::string s = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!file_exists(s)) GTEST_SKIP() << "shared data not found under " << data_dir();
  check_model(s, 3, 128, {504, 3575, 282, 4649, 314}, 0.15, 1e-3);  // "The capital of France is"
}

// Every switch of the newer architectures (q/k/v biases, per-head q/k norms, a
// sliding window, RoPE scaling) survives the packed format: the packed model
// gives the logits of the quantized model that the pipeline left in memory.
TEST(PackedKernels, NewArchitecturesRoundTrip) {
  for (const char* name : {"tiny-qwen2", "tiny-qwen3", "tiny-mistral", "tiny-llama3-rope", "tiny-llama-yarn",
                           "tiny-llama-linear", "tiny-gemma2", "tiny-gemma3", "tiny-phi3", "tiny-phi3-mini",
                           "tiny-llama-dynamic", "tiny-opt", "tiny-bloom"}) {
    const std::string source = fixtures_dir() + "/models/" + name;
    Model m = load_model(source);
    quant::PipelineOptions opt;
    opt.method.method = "rtn";
    opt.method.bits = 4;
    opt.method.group_size = 32;
    opt.progress = false;
    const quant::PipelineResult r = quant::quantize_model(m, opt);  // installs the dequantized layers in m
    const std::string out = temp_dir() + "/q";
    quant::write_packed_model(m, r, opt.method, {source}, out);
    const Model packed = load_model(out, {"f32"});
    EXPECT_EQ(packed.cfg.qkv_bias, m.cfg.qkv_bias) << name;
    EXPECT_EQ(packed.cfg.qk_norm, m.cfg.qk_norm) << name;
    EXPECT_EQ(packed.cfg.sliding_window, m.cfg.sliding_window) << name;
    EXPECT_EQ(packed.cfg.rope_scaling.type, m.cfg.rope_scaling.type) << name;
    EXPECT_EQ(packed.cfg.sliding_layers, m.cfg.sliding_layers) << name;
    EXPECT_EQ(packed.cfg.post_norms, m.cfg.post_norms) << name;
    EXPECT_EQ(packed.cfg.final_softcap, m.cfg.final_softcap) << name;
    EXPECT_EQ(packed.cfg.family, m.cfg.family) << name;
    EXPECT_EQ(packed.cfg.rotary_dim, m.cfg.rotary_dim) << name;
    EXPECT_EQ(packed.cfg.rope_scaling.long_factor, m.cfg.rope_scaling.long_factor) << name;
    EXPECT_EQ(packed.cfg.rope_scaling.short_factor, m.cfg.rope_scaling.short_factor) << name;
    std::vector<int32_t> tokens(40);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = int32_t(3 + (i * 37) % 250);
    EXPECT_LT(relative_error(m.forward(tokens), packed.forward(tokens)), 1e-5) << name;
  }
}

// --rotate: the quantizer leaves the rotated model in memory; the packed folder carries
// the rotations' seeds, and the runtime rebuilds them: the packed model (every kernel)
// gives the in-memory model's logits. The seeds count in the bits per weight.
TEST(PackedKernels, RotatedModelRoundTrips) {
  for (const char* name : {"tiny-llama", "tiny-qwen3", "tiny-gemma3", "tiny-opt"}) {
    const std::string source = fixtures_dir() + "/models/" + name;
    Model m = load_model(source);
    quant::PipelineOptions opt;
    opt.method.method = "gptqt";
    opt.method.bits = 3;
    opt.method.group_size = 32;
    opt.method.rotate = true;
    opt.method.head_bits = 4;
    opt.method.head_group_size = 32;
    opt.rotation_seed = 11;
    for (int w = 0; w < 4; ++w) {
      std::vector<int32_t> window(48);
      for (size_t i = 0; i < window.size(); ++i) window[i] = int32_t(3 + (i * 53 + size_t(w) * 101) % 250);
      opt.calibration.push_back(window);
    }
    opt.progress = false;
    const quant::PipelineResult r = quant::quantize_model(m, opt);
    ASSERT_EQ(m.rotations.blocks.size(), size_t(m.cfg.n_layers)) << name;
    ASSERT_TRUE(m.rotations.head) << name;
    const std::string out = temp_dir() + "/q";
    const double bpw = quant::write_packed_model(m, r, opt.method, {source}, out);
    std::vector<int32_t> tokens(40);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = int32_t(3 + (i * 37) % 250);
    const std::vector<float> expected = m.forward(tokens);
    for (const char* kernel : {"f32", "dequant", "lut"}) {
      const Model packed = load_model(out, {kernel});
      ASSERT_EQ(packed.rotations.seed_count(), m.rotations.seed_count()) << name;
      EXPECT_EQ(packed.rotations.blocks[1][LinearInput::down]->seed(), m.rotations.blocks[1][LinearInput::down]->seed());
      const double err = relative_error(expected, packed.forward(tokens));
      EXPECT_LT(err, std::string(kernel) == "lut" ? 0.05 : 1e-5) << name << " " << kernel;
    }
    // The same layers quantized without the rotation store 64 bits per rotated input fewer.
    double layer_bits = 0, weights = 0;
    for (const auto& blk : r.blocks)
      for (const auto& q : blk.lin)
        if (q) {
          layer_bits += quant::to_packed(*q).bits_per_weight() * double(q->rows) * q->cols;
          weights += double(q->rows) * q->cols;
        }
    EXPECT_NEAR(bpw, (layer_bits + 64.0 * kNumLinearInputs * m.cfg.n_layers) / weights, 1e-9) << name;
  }
}

// Mixed widths (--bpw): every layer at its own bits and group size in one model. The
// packed folder holds each layer at its width and the plan in its header, and every
// kernel gives the in-memory quantized model's logits.
TEST(PackedKernels, MixedWidthsRoundTrip) {
  const std::string source = fixtures_dir() + "/models/tiny-llama";
  Model m = load_model(source);
  quant::PipelineOptions opt;
  opt.method.method = "gptqt";
  for (int w = 0; w < 4; ++w) {
    std::vector<int32_t> window(48);
    for (size_t i = 0; i < window.size(); ++i) window[i] = int32_t(3 + (i * 53 + size_t(w) * 101) % 250);
    opt.calibration.push_back(window);
  }
  quant::BitPlan plan;
  plan.widths = {{2, -1}, {3, 32}, {4, 64}, {1, -1}};
  plan.choice.resize(size_t(m.cfg.n_layers));
  int next = 0;
  for (auto& block : plan.choice)
    for (auto& c : block) c = next++ % 4;
  opt.plan = plan;
  opt.progress = false;
  const quant::PipelineResult r = quant::quantize_model(m, opt);
  const std::string out = temp_dir() + "/q";
  quant::PackedModelInfo info{source};
  info.plan = plan;
  quant::write_packed_model(m, r, opt.method, info, out);
  const quant::BitPlan back = quant::BitPlan::from_json(
      nlohmann::json::parse(std::ifstream(out + "/gptqt.json"))["quantization"]["plan"]);
  EXPECT_EQ(back.choice, plan.choice);
  std::vector<int32_t> tokens(40);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = int32_t(3 + (i * 37) % 250);
  const std::vector<float> expected = m.forward(tokens);
  for (const char* kernel : {"f32", "dequant", "lut"}) {
    // sgemm for batches: the plan's 1-bit layers are a linear grid, which would take the int8 GEMM.
    const Model packed = load_model(out, {.kernel = kernel, .batch_gemm = "sgemm"});
    for (int b = 0; std::string(kernel) != "f32" && b < m.cfg.n_layers; ++b)  // f32 expands on load
      for (int role = 0; role < kNumLinearRoles; ++role) {
        const quant::LayerWidth w = plan.width(b, LinearRole(role));  // GPTQT layers run on the LUT kernel
        EXPECT_EQ(packed.w.blocks[size_t(b)].lin[role].op->kind(), fmt::format("lut{}g{}", w.bits, w.group_size))
            << kernel << " block " << b << " " << role;
      }
    const double err = relative_error(expected, packed.forward(tokens));
    EXPECT_LT(err, std::string(kernel) == "lut" ? 0.05 : 1e-5) << kernel;
  }
}
