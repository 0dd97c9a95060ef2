// The read bandwidth a streaming kernel can hope for on this machine, now: the
// yardstick for generation, where each token reads every weight once. Measured in
// the same run as the figures it judges, since the hosts here are shared.
#pragma once
#include <cstdint>

namespace gptqt::kernels {

// Sum of n floats (n a multiple of 64, a 64-byte aligned) on all OpenMP threads, with
// the active path's widest loads into four independent accumulators (so that the adds
// never limit the loads) and, where prefetch_bytes > 0, a software prefetch of every
// line that far ahead, as the LUT kernel does.
float sum_floats(const float* a, int64_t n, int prefetch_bytes = 0);

// A working set that no cache holds: 4 × the last-level cache, at least 256 MiB (a
// 256 MiB probe on a host with 260 MiB of L3 measured partly the L3).
int64_t beyond_cache_bytes();

struct ReadBandwidth {
  double bytes_per_second = 0;  // the best reader's median over the passes
  int prefetch_bytes = 0;       // that reader's prefetch distance (0: none)
  int load_bits = 0;            // the width of its loads (the active path's widest)
  int64_t bytes = 0;            // the array each pass reads
  int passes = 0, threads = 0;
};

// Sums an array of `bytes` (0: beyond_cache_bytes()) with each of kProbePrefetch's
// readers in turn, `passes` times, after one warm-up pass, and keeps the best
// reader's median: the probe is a ceiling, and which reader reaches it differs
// between hosts and runs (docs/performance.md: on an AVX-512 Xeon here the old probe,
// 128-bit loads without prefetch, read 17-18 GB/s, this one 22-29).
inline constexpr int kProbePrefetch[] = {0, 2048, 4096};
ReadBandwidth measure_read_bandwidth(int64_t bytes = 0, int passes = 5);

namespace detail {
float sum_floats_avx2(const float* a, int64_t n, int prefetch_bytes);
float sum_floats_avx512(const float* a, int64_t n, int prefetch_bytes);
}  // namespace detail

}  // namespace gptqt::kernels
