// Batched products (prompt processing) on LLM layer shapes: the int8 GEMM
// (int8_gemm.h) against the path it replaces, the matrix dequantized to fp32 and
// multiplied by OpenBLAS sgemm (model/expanded_sgemm.h does the same in tiles of
// 4 MiB; these layers are one tile). `flops` counts 2·rows·cols·batch per call.
// docs/performance.md has the figures and the command; OMP_NUM_THREADS sets both
// the kernels' team and OpenBLAS's.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/bcq_matrix.h"
#include "kernels/dequantize.h"
#include "kernels/f32_gemm.h"
#include "kernels/int8_gemm.h"

namespace {

using namespace gptqt::kernels;

// A binary coding with random scales, or (linear) a linear grid as RTN and GPTQ
// write it: α_j = α_0 · 2^j, which the int8 GEMM multiplies exactly and faster.
BcqMatrix random_matrix(int rows, int cols, int bits, int group, bool linear) {
  BcqMatrix m(rows, cols, bits, group);
  std::mt19937 rng(1);
  for (uint32_t& w : m.planes) w = rng();
  std::normal_distribution<float> a(0.f, 0.02f), o(0.f, 0.002f);
  for (float& v : m.alpha) v = std::abs(a(rng));
  for (float& v : m.offset) v = o(rng);
  if (linear)
    for (size_t k = 0; k < m.alpha.size(); ++k) {
      const size_t group_and_bit = k / size_t(rows), j = group_and_bit % size_t(bits);
      m.alpha[k] = std::ldexp(m.alpha[k - j * size_t(rows)], int(j));
    }
  return m;
}

std::vector<float> random_inputs(size_t n) {
  std::mt19937 rng(2);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (float& f : v) f = d(rng);
  return v;
}

void report(benchmark::State& st, int rows, int cols, int batch) {
  st.counters["flops"] = benchmark::Counter(2.0 * rows * cols * batch, benchmark::Counter::kIsIterationInvariantRate,
                                            benchmark::Counter::kIs1000);
}

void BM_int8_gemm(benchmark::State& st) {
  const int rows = int(st.range(0)), cols = int(st.range(1)), bits = int(st.range(2)), batch = int(st.range(3));
  const BcqMatrix m = random_matrix(rows, cols, bits, 128, st.range(4) != 0);
  const std::vector<float> x = random_inputs(size_t(batch) * cols);
  std::vector<float> y(size_t(batch) * rows);
  for (auto _ : st) {
    int8_gemm(m.view(), x.data(), batch, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  report(st, rows, cols, batch);
}

void BM_dequant_sgemm(benchmark::State& st) {
  const int rows = int(st.range(0)), cols = int(st.range(1)), bits = int(st.range(2)), batch = int(st.range(3));
  const BcqMatrix m = random_matrix(rows, cols, bits, 128, st.range(4) != 0);
  const std::vector<float> x = random_inputs(size_t(batch) * cols);
  std::vector<float> y(size_t(batch) * rows), w(size_t(rows) * cols);
  for (auto _ : st) {
    dequantize_rows(m.view(), 0, rows, w.data());
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, rows, cols, 1.f, x.data(), cols, w.data(), cols, 0.f,
                y.data(), rows);
    benchmark::DoNotOptimize(y.data());
  }
  report(st, rows, cols, batch);
}

// fp32 layers: f32_gemm.h (its AVX2 or AVX-512 path, GPTQT_ISA lowers it) against
// OpenBLAS sgemm (whose kernels OPENBLAS_CORETYPE picks), C = X · Wᵀ.
template <bool Ours>
void BM_f32(benchmark::State& st) {
  const int rows = int(st.range(0)), cols = int(st.range(1)), batch = int(st.range(2));
  const std::vector<float> x = random_inputs(size_t(batch) * cols), w = random_inputs(size_t(rows) * cols);
  std::vector<float> y(size_t(batch) * rows);
  for (auto _ : st) {
    if constexpr (Ours)
      detail::own_f32_gemm_nt(batch, rows, cols, 1.f, x.data(), cols, w.data(), cols, y.data(), rows);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, rows, cols, 1.f, x.data(), cols, w.data(), cols,
                  0.f, y.data(), rows);
    benchmark::DoNotOptimize(y.data());
  }
  report(st, rows, cols, batch);
}

void f32_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"rows", "cols", "batch"});
  for (int batch : {16, 64, 512})
    for (auto [rows, cols] : std::vector<std::pair<int, int>>{{576, 576}, {1536, 576}, {576, 1536}, {4096, 4096}})
      b->Args({rows, cols, batch});
  b->UseRealTime()->MinTime(0.2)->Unit(benchmark::kMicrosecond);
}

void args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"rows", "cols", "bits", "batch", "linear"});
  for (int linear : {0, 1})
    for (int batch : {16, 64, 512, 2048})
      for (auto [rows, cols] : std::vector<std::pair<int, int>>{{576, 576}, {1536, 576}, {576, 1536}, {4096, 4096}})
        b->Args({rows, cols, 3, batch, linear});
  b->UseRealTime()->MinTime(0.2)->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_int8_gemm)->Apply(args);
BENCHMARK(BM_dequant_sgemm)->Apply(args);
BENCHMARK(BM_f32<true>)->Name("BM_f32_gemm")->Apply(f32_args);
BENCHMARK(BM_f32<false>)->Name("BM_openblas_sgemm")->Apply(f32_args);

BENCHMARK_MAIN();
