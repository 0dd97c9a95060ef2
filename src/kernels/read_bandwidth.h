// The read bandwidth a streaming kernel can hope for on this machine, now: the
// yardstick for generation, where each token reads every weight once. Measured in
// the same run as the figures it judges, since the hosts here are shared.
#pragma once
#include <cstdint>

#include "kernels/aligned_vector.h"

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
// readers in turn, `passes` times, and keeps the best reader's median: the probe is a
// ceiling, and which reader reaches it differs between hosts and runs
// (docs/performance.md: on an AVX-512 Xeon here the old probe, 128-bit loads without
// prefetch, read 17-18 GB/s, this one 22-29).
inline constexpr int kProbePrefetch[] = {0, 2048, 4096};

// The probe's array, allocated, touched and read once at construction and kept, so
// that a run can measure again between its timed repetitions: on the shared hosts
// here the bandwidth moves by a third within a minute.
class ReadBandwidthProbe {
 public:
  explicit ReadBandwidthProbe(int64_t bytes = 0);
  ReadBandwidth measure(int passes = 5) const;

 private:
  AlignedVector<float> a_;
};

// A probe of its own: ReadBandwidthProbe(bytes).measure(passes).
ReadBandwidth measure_read_bandwidth(int64_t bytes = 0, int passes = 5);

namespace detail {
float sum_floats_avx2(const float* a, int64_t n, int prefetch_bytes);
float sum_floats_avx512(const float* a, int64_t n, int prefetch_bytes);
}  // namespace detail

}  // namespace gptqt::kernels
