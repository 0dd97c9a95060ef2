// gptqt bench: prompt processing and generation speed, llama-bench style.
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/cpu_features.h"
#include "core/error.h"
#include "core/median.h"
#include "eval/speed.h"
#include "kernels/read_bandwidth.h"
#include "model/packed_ops.h"

namespace gptqt::cli {

namespace {

struct BenchArgs {
  std::vector<std::string> models;
  LoadOptions load{.kernel = "lut", .head = "int8"};
  int pp = 512, tg = 128, reps = 5, threads = 0;
  std::vector<int> depths = {0};
  bool json = false;
};

void run_bench(const BenchArgs& a) {
  apply_threads(a.threads);
  const int threads = omp_get_max_threads();
  nlohmann::json rows = nlohmann::json::array();
  // Speed figures mean something only with their host and the paths that made them.
  const char* gemm = batch_gemm_description(parse_batch_gemm(a.load.batch_gemm));
  fmt::print(stderr, "host: {}; SIMD path {}{} (best on this CPU: {}{}); batches over 16 tokens: {}; KV cache {}\n",
             cpu_model_name(), isa_name(active_isa()),
             avx512_vnni_active() ? " with VNNI" : avx_vnni_active() ? " with AVX-VNNI" : "", isa_name(best_isa()),
             cpu_has_avx512_vnni() ? " with VNNI" : cpu_has_avx_vnni() ? " with AVX-VNNI" : "", gemm, a.load.kv_cache);
  // Generation reads every weight once per token: its yardstick is the read bandwidth,
  // measured now, with the same threads, and again before each timed generation.
  const kernels::ReadBandwidthProbe probe;
  const kernels::ReadBandwidth bw = probe.measure();
  const int64_t cache = last_level_cache_bytes();
  fmt::print(stderr,
             "read bandwidth {:.1f} GB/s ({} threads, {}-bit loads, prefetch {}; the best of {} readers' medians of {} "
             "sums of {} MiB; last-level cache {} MiB); each generation repetition is judged by one more pass of "
             "each reader just before it\n",
             bw.bytes_per_second / 1e9, bw.threads, bw.load_bits,
             bw.prefetch_bytes ? fmt::format("{} bytes ahead", bw.prefetch_bytes) : std::string("none"),
             std::size(kernels::kProbePrefetch), bw.passes, bw.bytes >> 20, cache >> 20);
  for (const std::string& path : a.models) {
    Model m = load_model(path, a.load);
    for (int d : a.depths)
      GPTQT_CHECK(d + std::max(a.pp, a.tg) <= m.cfg.max_ctx, "{}: depth {} + {} tokens exceed the model's context {}",
                  path, d, std::max(a.pp, a.tg), m.cfg.max_ctx);
    if (!a.json && &path == &a.models.front()) {  // after the first model passed its checks
      fmt::print("| model | size | bpw (linear) | weights read per token | kernel | head | threads | test | t/s | "
                 "of read bandwidth |\n");
      fmt::print("| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |\n");
    }
    const double bytes = weight_bytes_per_token(m);
    if (bytes < double(cache))  // then a token's weights can come from the cache, not memory
      fmt::print(stderr, "{}: {:.1f} MiB of weights per token fit in the {} MiB last-level cache: generation's share "
                 "of the memory's read bandwidth can pass 100%\n", path, bytes / (1 << 20), cache >> 20);
    // What the head runs as: --head's int8 or f32, or a packed head's own kernel.
    const std::string head = m.w.head.op ? m.w.head.op->kind() : a.load.head;
    const WeightFootprint size = weight_footprint(m);
    std::vector<SpeedResult> res;
    std::vector<std::vector<double>> bw_samples;  // per result: the probe before each tg repetition
    for (int d : a.depths) {
      if (a.pp > 0) {
        res.push_back(bench_prompt(m, a.pp, a.reps, d));
        bw_samples.emplace_back();
      }
      if (a.tg > 0) {
        std::vector<double> during;
        res.push_back(bench_generation(m, a.tg, a.reps, d, [&] { during.push_back(probe.measure(1).bytes_per_second); }));
        bw_samples.push_back(std::move(during));
      }
    }
    for (size_t k = 0; k < res.size(); ++k) {
      const SpeedResult& r = res[k];
      // tg: bytes read per token (weights and the cache at its positions) × tokens/s,
      // each repetition over the bandwidth measured just before it; the median of those.
      const bool tg = r.test.rfind("tg", 0) == 0;
      const double tg_bytes = tg ? generation_bytes_per_token(m, r.tokens, r.depth) : 0;
      std::vector<double> shares;
      for (size_t i = 0; i < bw_samples[k].size(); ++i) shares.push_back(tg_bytes * r.samples_tps[i] / bw_samples[k][i]);
      const double fraction = shares.empty() ? 0 : median(shares);
      if (a.json)
        rows.push_back({{"model", path}, {"kernel", a.load.kernel}, {"head", head}, {"threads", threads}, {"test", r.test},
                        {"depth", r.depth},
                        {"model_bytes", size.bytes}, {"linear_bits_per_weight", size.linear_bits_per_weight},
                        {"weight_bytes_per_token", bytes}, {"tps_median", r.median_tps},
                        {"tps_stddev", r.stddev_tps}, {"tps_samples", r.samples_tps},
                        {"isa", isa_name(active_isa())}, {"vnni", avx512_vnni_active() || avx_vnni_active()}, {"batch_gemm", gemm}, {"kv_cache", a.load.kv_cache}, {"cpu", cpu_model_name()},
                        {"read_bandwidth", bw.bytes_per_second}, {"read_bandwidth_samples", bw_samples[k]},
                        {"read_bandwidth_load_bits", bw.load_bits},
                        {"read_bandwidth_prefetch_bytes", bw.prefetch_bytes}, {"last_level_cache_bytes", cache},
                        {"bytes_per_token", tg_bytes},
                        {"bandwidth_fraction", fraction}});
      else
        fmt::print("| {} | {:.1f} MiB | {:.2f} | {:.1f} MiB | {} | {} | {} | {} | {:.2f} ± {:.2f} | {} |\n", path,
                   size.bytes / (1 << 20), size.linear_bits_per_weight, bytes / (1 << 20), a.load.kernel, head, threads,
                   r.test, r.median_tps, r.stddev_tps, tg ? fmt::format("{:.0f}%", 100 * fraction) : "");
      std::fflush(stdout);
    }
  }
  if (a.json) fmt::print("{}\n", rows.dump());
}

}  // namespace

void register_bench(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "prompt processing (ppN) and generation (tgN) speed");
  cmd->add_option("--model,-m", a->models, "one or more models (GGUF, HF folder, packed folder)")->required();
  cmd->add_option("-p,--n-prompt", a->pp, "prompt tokens (0 = skip)")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("-n,--n-gen", a->tg, "generated tokens (0 = skip)")->check(CLI::Range(0, 1 << 20))->capture_default_str();
  cmd->add_option("-r,--repetitions", a->reps, "timed runs after one warm-up")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("-d,--n-depth", a->depths, "tokens of context already in the cache before each test, one or more "
                  "(e.g. -d 0,1024)")
      ->delimiter(',')
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "print one JSON array instead of the table");
  add_load_options(*cmd, a->load);
  add_threads_option(*cmd, a->threads);
  cmd->callback([a] { run_bench(*a); });
}

}  // namespace gptqt::cli
