// The read bandwidth a streaming kernel can hope for on this machine, now: the
// yardstick for generation, where each token reads every weight once. Measured in
// the same run as the figures it judges, since the hosts here are shared.
#pragma once
#include <cstdint>

namespace gptqt::kernels {

// Sum of n floats (n a multiple of 16, a 16-byte aligned), on all OpenMP threads,
// four independent accumulators per thread so that the adds never limit the loads.
float sum_floats(const float* a, int64_t n);

struct ReadBandwidth {
  double bytes_per_second = 0;  // median over the passes
  int64_t bytes = 0;            // the array each pass reads
  int passes = 0, threads = 0;
};

// Sums an array of `bytes` `passes` times after one warm-up pass; bytes = 0 takes
// 4 × the last-level cache, at least 256 MiB, so that the array is far larger than
// any cache (a 256 MiB probe on a host with 260 MiB of L3 measured partly the L3).
ReadBandwidth measure_read_bandwidth(int64_t bytes = 0, int passes = 5);

}  // namespace gptqt::kernels
