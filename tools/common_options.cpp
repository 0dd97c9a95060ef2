#include <cblas.h>
#include <omp.h>

#include "commands.h"

namespace gptqt::cli {

void add_threads_option(CLI::App& cmd, int& threads) {
  cmd.add_option("--threads,-t", threads, "threads for OpenMP and OpenBLAS (0 = all cores)")
      ->check(CLI::Range(0, 1024));
}

void add_seed_option(CLI::App& cmd, uint64_t& seed, const std::string& help) {
  // Digits only: CLI11 alone would read "-1" as 2^64 - 1.
  const CLI::Validator digits(
      [](std::string& s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos ? std::string()
                                                                                     : "must be a non-negative integer";
      },
      "UINT");
  cmd.add_option("--seed", seed, help)->check(digits)->capture_default_str();
}

void add_load_options(CLI::App& cmd, LoadOptions& load) {
  cmd.add_option("--kernel", load.kernel, "packed layers run by lut, dequant (linear grids) or f32")
      ->check(CLI::IsMember({"lut", "dequant", "f32"}))
      ->capture_default_str();
  cmd.add_option("--head", load.head, "output head: f32 as loaded, or int8 (per-32 scales)")
      ->check(CLI::IsMember({"f32", "int8"}))
      ->capture_default_str();
  cmd.add_option("--batch-gemm", load.batch_gemm,
                 "packed layers' batches (prompts, perplexity): auto (int8 GEMM on linear grids, which it holds "
                 "exactly; dequantize + sgemm on other codings), int8 or sgemm")
      ->check(CLI::IsMember({"auto", "int8", "sgemm"}))
      ->capture_default_str();
  cmd.add_option("--kv-cache", load.kv_cache, "KV cache elements in generation (generate, bench): f16 (as llama.cpp's default) or f32")
      ->check(CLI::IsMember({"f16", "f32"}))
      ->capture_default_str();
}

void apply_threads(int threads) {
  if (threads <= 0) threads = omp_get_num_procs();
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
}

}  // namespace gptqt::cli
