// Measurements behind the tables of docs/quant.md. Disabled by default; run with
//   build-quant/test_quant --gtest_also_run_disabled_tests --gtest_filter='Timing.*'
// Timing.SolverOnRandomLayer: GPTQT_TIMING_SIZE=n changes the layer size (default 4096). It
// prints wall time and process CPU time: on a shared machine CPU time is the steadier measure.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <random>
#include <string>

#include "quant/bcq_grid.h"
#include "quant/critical_points.h"
#include "quant/gptq_solver.h"
#include "quant/gptqt_grid.h"
#include "quant/hessian.h"
#include "quant/linear_grid.h"
#include "quant/rtn.h"
#include "quant_test_util.h"

using namespace gptqt::quant;
using namespace gptqt::quant::test;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

// Per-histogram cost of the three critical-point searches and how often the alternating
// search misses the optimum, on histograms like GPTQT's (rows of 128 Gaussian or Student-t
// weights, m-bit codes at range factors 0.70..1.10), without hints.
TEST(Timing, DISABLED_CriticalPointSearches) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  std::student_t_distribution<float> heavy(4.f);
  std::printf("| k, m | fast | alternating | exhaustive | alternating suboptimal in | alternating total error / optimum |\n");
  for (int k : {2, 3})
    for (int m : {4, 5, 6}) {
      const int bins = 1 << m, trials = 2000, exhaustive_trials = k == 2 || m == 4 ? 20 : 0;
      CriticalPointSolver fast(k, bins, CriticalPointSearch::fast), alt(k, bins, CriticalPointSearch::alternating),
          exh(k, bins, CriticalPointSearch::exhaustive);
      double t_fast = 0, t_alt = 0, t_exh = 0, sum_fast = 0, sum_alt = 0;
      int suboptimal = 0;
      for (int t = 0; t < trials; ++t) {
        std::vector<float> w(128);
        for (float& v : w) v = t % 2 ? nd(rng) : heavy(rng);
        float lo = 0, hi = 0;
        for (float v : w) lo = std::min(lo, v), hi = std::max(hi, v);
        const float p = 0.7f + 0.02f * float(t % 21);
        const LinearParams lp = linear_params(p * lo, p * hi, m, false);
        std::vector<double> h(bins, 0.0);
        for (float v : w) h[linear_code(v, lp, bins - 1)] += 1;
        BinaryCoding levels;
        auto t0 = std::chrono::steady_clock::now();
        const double e_fast = fast.solve_histogram(h.data(), bins, levels);
        t_fast += seconds_since(t0);
        t0 = std::chrono::steady_clock::now();
        const double e_alt = alt.solve_histogram(h.data(), bins, levels);
        t_alt += seconds_since(t0);
        suboptimal += e_alt > e_fast * (1 + 1e-9) + 1e-9;
        sum_fast += e_fast, sum_alt += e_alt;
        if (t < exhaustive_trials) {
          t0 = std::chrono::steady_clock::now();
          exh.solve_histogram(h.data(), bins, levels);
          t_exh += seconds_since(t0);
        }
      }
      const std::string exhaustive = exhaustive_trials ? fmt::format("{:.0f} µs", t_exh / exhaustive_trials * 1e6) : "—";
      std::printf("| %d, %d | %.1f µs | %.1f µs | %s | %.0f%% | %.3f |\n", k, m, t_fast / trials * 1e6,
                  t_alt / trials * 1e6, exhaustive.c_str(), 100.0 * suboptimal / trials, sum_alt / sum_fast);
    }
}

TEST(Timing, DISABLED_SolverOnRandomLayer) {
  const int n = std::getenv("GPTQT_TIMING_SIZE") ? std::atoi(std::getenv("GPTQT_TIMING_SIZE")) : 4096;
  const int tokens = n;
  const std::vector<float> w = random_matrix(n, n, 1, 0.02f);
  // Activations: Gaussian with uneven column scales and one shared component (correlation).
  std::vector<float> x = random_matrix(tokens, n, 2);
  for (int t = 0; t < tokens; ++t) {
    const float shared = x[size_t(t) * n];
    for (int c = 0; c < n; ++c) x[size_t(t) * n + c] = (0.3f + float(c % 17) / 8.f) * (x[size_t(t) * n + c] + 0.5f * shared);
  }
  const auto t0 = std::chrono::steady_clock::now();
  HessianAccumulator acc(n);
  acc.add(x.data(), tokens);
  const std::vector<float> h = acc.take_hessian();
  std::printf("%dx%d layer, %d tokens: Hessian accumulation %.2f s\n", n, n, tokens, seconds_since(t0));

  struct Case {
    const char* name;
    std::unique_ptr<GridFitter> fitter;
    GptqOptions options;
  };
  std::vector<Case> cases;
  cases.push_back({"linear 4-bit g128", std::make_unique<LinearFitter>(LinearGridOptions{.bits = 4}), {.group_size = 128}});
  cases.push_back({"linear 3-bit per-row, act-order", std::make_unique<LinearFitter>(LinearGridOptions{.bits = 3}), {.act_order = true}});
  cases.push_back({"linear 3-bit g128 mse", std::make_unique<LinearFitter>(LinearGridOptions{.bits = 3, .mse = true}), {.group_size = 128}});
  cases.push_back({"bcq 3-bit g128", std::make_unique<BcqFitter>(BcqOptions{.bits = 3}), {.group_size = 128}});
  cases.push_back({"gptqt 3-bit from 4 g128, fast search", std::make_unique<GptqtFitter>(GptqtOptions{.bits = 3}), {.group_size = 128}});
  cases.push_back({"gptqt 3-bit from 4 g128, alternating",
                   std::make_unique<GptqtFitter>(GptqtOptions{.bits = 3, .search = CriticalPointSearch::alternating}), {.group_size = 128}});
  cases.push_back({"gptqt 3-bit from 4 g128, no re-explore",
                   std::make_unique<GptqtFitter>(GptqtOptions{.bits = 3, .re_explore = false}), {.group_size = 128}});
  cases.push_back({"gptqt 2-bit from 4 g128, fast search", std::make_unique<GptqtFitter>(GptqtOptions{.bits = 2}), {.group_size = 128}});
  auto cpu_seconds = [] { return double(std::clock()) / CLOCKS_PER_SEC; };
  std::printf("%-44s %21s %21s %9s\n", "grid", "gptq wall / cpu s", "rtn wall / cpu s", "loss");
  for (const Case& c : cases) {
    double cpu = cpu_seconds();
    const GptqResult res = gptq_quantize(w.data(), n, n, h.data(), *c.fitter, c.options);
    const double gptq_cpu = cpu_seconds() - cpu;
    cpu = cpu_seconds();
    const auto r0 = std::chrono::steady_clock::now();
    quantize_rtn(w.data(), n, n, *c.fitter, c.options.group_size);
    const double rtn = seconds_since(r0);
    std::printf("%-44s %10.2f / %8.2f %10.2f / %8.2f %9.4g\n", c.name, res.report.seconds, gptq_cpu, rtn,
                cpu_seconds() - cpu, res.report.loss);
  }
}
