// GEMV kernels on LLM layer shapes: LUT over bit planes (2/3/4 bits), dequantize
// (3/4 bits), OpenBLAS sgemv, and a memory-bandwidth probe. Every benchmark reports
// `weights`, the bytes of weights (codes plus scales) it reads per second, so the
// kernels can be compared with each other and with the probe. docs/kernels.md has the
// figures and the command.
//
// cold:1 cycles through enough copies of the matrix (beyond_cache_bytes(): 4 × the
// last-level cache, at least 256 MiB) that each call streams its weights from DRAM,
// as token generation does with a model many times the size of the L3; cold:0 reuses
// one copy, which stays in cache when it fits.
// Threads: OMP_NUM_THREADS sets both the kernels' OpenMP team and OpenBLAS's.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "kernels/aligned_vector.h"
#include "kernels/bcq_matrix.h"
#include "kernels/dequant_gemv.h"
#include "kernels/linear_matrix.h"
#include "kernels/lut_gemv.h"
#include "kernels/read_bandwidth.h"

namespace {

using namespace gptqt::kernels;

constexpr int kGroup = 128;

// How many copies make a working set that cannot stay in cache.
size_t copies_for(int64_t bytes, bool cold) {
  return cold ? size_t(std::max<int64_t>(1, (beyond_cache_bytes() + bytes - 1) / bytes)) : 1;
}

std::vector<float> random_floats(size_t n, float scale, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (float& f : v) f = d(rng);
  return v;
}

std::vector<uint32_t> random_words(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint32_t> v(n);
  for (uint32_t& w : v) w = rng();
  return v;
}

void report(benchmark::State& st, int64_t weight_bytes, int rows, int cols) {
  st.counters["weights"] = benchmark::Counter(double(weight_bytes), benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1024);
  st.counters["bits/w"] = 8.0 * double(weight_bytes) / (double(rows) * cols);
}

// Shapes are multiples of 32 columns, so random words leave no padding bits set.
void BM_lut_gemv(benchmark::State& st) {
  const int rows = int(st.range(0)), cols = int(st.range(1)), bits = int(st.range(2));
  BcqMatrix m(rows, cols, bits, kGroup);
  m.planes = random_words(m.planes.size(), 1);
  m.alpha = random_floats(m.alpha.size(), 0.02f, 2);
  m.offset = random_floats(m.offset.size(), 0.002f, 3);
  const BcqPacked packed = repack_for_lut(m.view());
  const std::vector<BcqPacked> copies(copies_for(packed.weight_bytes(), st.range(3)), packed);
  const std::vector<float> x = random_floats(cols, 1.f, 4);
  std::vector<float> y(rows);
  size_t i = 0;
  for (auto _ : st) {
    lut_gemv(copies[i], x.data(), y.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
    i = (i + 1) % copies.size();
  }
  report(st, packed.weight_bytes(), rows, cols);
}

void BM_dequant_gemv(benchmark::State& st) {
  const int rows = int(st.range(0)), cols = int(st.range(1)), bits = int(st.range(2));
  LinearMatrix m(rows, cols, bits, kGroup);
  m.qweight = random_words(m.qweight.size(), 1);
  m.scale = random_floats(m.scale.size(), 0.01f, 2);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> z(0.f, float((1 << bits) - 1));
  for (float& v : m.zero) v = z(rng);
  const int64_t bytes = int64_t(m.qweight.size()) * 4 + int64_t(m.scale.size() + m.zero.size()) * 4;
  const std::vector<LinearMatrix> copies(copies_for(bytes, st.range(3)), m);
  const std::vector<float> x = random_floats(cols, 1.f, 4);
  std::vector<float> y(rows);
  size_t i = 0;
  for (auto _ : st) {
    dequant_gemv(copies[i].view(), x.data(), y.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
    i = (i + 1) % copies.size();
  }
  report(st, bytes, rows, cols);
}

void BM_sgemv_openblas(benchmark::State& st) {
  const int rows = int(st.range(0)), cols = int(st.range(1));
  const int64_t bytes = int64_t(rows) * cols * 4;
  const std::vector<float> w = random_floats(size_t(rows) * cols, 0.02f, 1);
  const std::vector<std::vector<float>> copies(copies_for(bytes, st.range(3)), w);
  const std::vector<float> x = random_floats(cols, 1.f, 4);
  std::vector<float> y(rows);
  size_t i = 0;
  for (auto _ : st) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1.f, copies[i].data(), cols, x.data(), 1, 0.f, y.data(), 1);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
    i = (i + 1) % copies.size();
  }
  report(st, bytes, rows, cols);
}

// The read bandwidth a streaming kernel can hope for (kernels/read_bandwidth.h): each
// iteration is one measurement of the same probe array, timed as its best reader's
// median pass. The array is llc_quarters/4 × the last-level cache (at least 64 MiB a
// quarter): 16, gptqt bench's probe, against 32 shows whether a working set 4 × the
// cache still gets some of its reads from it (caches that keep part of a stream).
void BM_memory_bandwidth(benchmark::State& st) {
  const int64_t quarter = std::max<int64_t>(gptqt::last_level_cache_bytes(), int64_t(256) << 20) / 4;
  const ReadBandwidthProbe probe(st.range(0) * quarter);
  ReadBandwidth bw;
  for (auto _ : st) {
    bw = probe.measure(3);
    st.SetIterationTime(double(bw.bytes) / bw.bytes_per_second);
  }
  st.counters["weights"] = benchmark::Counter(double(bw.bytes), benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1024);
  st.counters["prefetch"] = bw.prefetch_bytes;
}

const std::vector<std::pair<int, int>> kShapes = {{576, 576}, {1536, 576}, {576, 1536}, {4096, 4096}, {11008, 4096}};

void shape_args(benchmark::internal::Benchmark* b, std::initializer_list<int> bit_widths) {
  b->ArgNames({"rows", "cols", "bits", "cold"});
  for (int cold : {1, 0})
    for (int bits : bit_widths)
      for (auto [rows, cols] : kShapes) b->Args({rows, cols, bits, cold});
  b->UseRealTime()->MinTime(0.2)->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_lut_gemv)->Apply([](auto* b) { shape_args(b, {2, 3, 4}); });
BENCHMARK(BM_dequant_gemv)->Apply([](auto* b) { shape_args(b, {3, 4}); });
BENCHMARK(BM_sgemv_openblas)->Apply([](auto* b) { shape_args(b, {32}); });
BENCHMARK(BM_memory_bandwidth)
    ->ArgName("llc_quarters")
    ->RangeMultiplier(2)
    ->Range(2, 32)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  openblas_set_num_threads(omp_get_max_threads());
  benchmark::AddCustomContext("threads", std::to_string(omp_get_max_threads()));
  benchmark::AddCustomContext("isa", gptqt::isa_name(gptqt::active_isa()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
