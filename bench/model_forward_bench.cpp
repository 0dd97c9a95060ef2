// Forward throughput of the full-window pass (tokens/s) against the machine's
// sgemm GFLOP/s measured in the same run. Run:
//   ./build/model_forward_bench [--benchmark_repetitions=5] [model.gguf]
// The model defaults to models/SmolLM2-135M-Instruct.Q4_1.gguf.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <fmt/format.h>

#include <map>
#include <random>

#include "model/model.h"

using namespace gptqt;

namespace {

std::string g_model_path = "models/SmolLM2-135M-Instruct.Q4_1.gguf";
std::map<std::string, double> g_gflops;  // benchmark name -> median GFLOP/s

const Model& model() {
  static Model m = load_model(g_model_path);
  return m;
}

// FLOPs of one window of T tokens: every linear layer, attention's two
// products over the causal half, and the head (what perplexity computes).
double forward_flops(const ModelConfig& c, int T) {
  double lin = 0;
  for (const auto& b : model().w.blocks)
    for (const auto& l : b.lin)
      if (l.op) lin += double(l.op->rows()) * l.op->cols();
  const double attn = 2.0 * c.n_layers * c.n_heads * c.head_dim * (double(T) * (T + 1) / 2);
  return 2.0 * T * (lin + double(c.vocab) * c.embed_dim) + 2.0 * attn;
}

void BM_forward(benchmark::State& st) {
  const Model& m = model();
  const int T = int(st.range(0));
  std::vector<int32_t> tokens(static_cast<size_t>(T));
  std::mt19937 rng(1);
  for (auto& t : tokens) t = int32_t(rng() % uint32_t(m.cfg.vocab));
  for (auto _ : st) benchmark::DoNotOptimize(m.forward(tokens).data());
  st.counters["tokens/s"] = benchmark::Counter(double(T), benchmark::Counter::kIsIterationInvariantRate);
  st.counters["GFLOP/s"] =
      benchmark::Counter(forward_flops(m.cfg, T) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// The largest linear layer of the model at the same T, as one sgemm.
void BM_sgemm(benchmark::State& st) {
  const int T = int(st.range(0)), N = int(st.range(1)), K = int(st.range(2));
  std::vector<float> a(size_t(T) * K, 0.5f), b(size_t(N) * K, 0.25f), c(size_t(T) * N);
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, N, K, 1.f, a.data(), K, b.data(), K, 0.f, c.data(), N);
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * T * N * K / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

class Collector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs)
      if (r.run_type == Run::RT_Aggregate ? r.aggregate_name == "median" : true) {
        auto it = r.counters.find("GFLOP/s");
        if (it != r.counters.end()) g_gflops[r.run_name.function_name + "/" + r.run_name.args] = it->second;
      }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

BENCHMARK(BM_sgemm)->Args({512, 1536, 576})->Args({2048, 1536, 576})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_forward)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc > 1) g_model_path = argv[1];
  fmt::print("model {}\n", g_model_path);
  Collector rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  for (int T : {512, 2048}) {
    auto f = g_gflops.find(fmt::format("BM_forward/{}", T));
    auto s = g_gflops.find(fmt::format("BM_sgemm/{}/1536/576", T));
    if (f != g_gflops.end() && s != g_gflops.end())
      fmt::print("window {}: forward {:.1f} GFLOP/s = {:.0f}% of sgemm's {:.1f} GFLOP/s on the model's largest layer\n",
                 T, f->second, 100 * f->second / s->second, s->second);
  }
  benchmark::Shutdown();
}
