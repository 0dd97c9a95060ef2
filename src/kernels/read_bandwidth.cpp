#include "kernels/read_bandwidth.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/median.h"

namespace gptqt::kernels {

namespace {

// SSE2, which every x86-64 has.
float sum_floats_sse2(const float* a, int64_t n, int prefetch_bytes) {
  float total = 0.f;
#pragma omp parallel reduction(+ : total)
  {
    __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; i += 16) {  // one line
      if (prefetch_bytes > 0) _mm_prefetch(reinterpret_cast<const char*>(a + i) + prefetch_bytes, _MM_HINT_T0);
      s0 = _mm_add_ps(s0, _mm_load_ps(a + i));
      s1 = _mm_add_ps(s1, _mm_load_ps(a + i + 4));
      s2 = _mm_add_ps(s2, _mm_load_ps(a + i + 8));
      s3 = _mm_add_ps(s3, _mm_load_ps(a + i + 12));
    }
    alignas(16) float part[4];
    _mm_store_ps(part, _mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3)));
    total += (part[0] + part[1]) + (part[2] + part[3]);
  }
  return total;
}

}  // namespace

float sum_floats(const float* a, int64_t n, int prefetch_bytes) {
  GPTQT_CHECK(n % 64 == 0 && reinterpret_cast<uintptr_t>(a) % 64 == 0,
              "internal: sum_floats needs whole 256-byte runs at a 64-byte boundary");
  switch (active_isa()) {
    case Isa::avx512: return detail::sum_floats_avx512(a, n, prefetch_bytes);
    case Isa::avx2: return detail::sum_floats_avx2(a, n, prefetch_bytes);
    default: return sum_floats_sse2(a, n, prefetch_bytes);
  }
}

int64_t beyond_cache_bytes() { return std::max(int64_t(256) << 20, 4 * last_level_cache_bytes()); }

ReadBandwidthProbe::ReadBandwidthProbe(int64_t bytes) {
  if (bytes == 0) bytes = beyond_cache_bytes();
  GPTQT_CHECK(bytes >= 256, "internal: a bandwidth probe of {} bytes", bytes);
  a_.assign(size_t(bytes / 256 * 64), 1.f);
  volatile float sink = sum_floats(a_.data(), int64_t(a_.size()));  // warm-up: pages touched, clocks up
  (void)sink;
}

ReadBandwidth ReadBandwidthProbe::measure(int passes) const {
  GPTQT_CHECK(passes >= 1, "internal: a bandwidth probe of {} passes", passes);
  const int64_t n = int64_t(a_.size());
  volatile float sink = 0;
  // The readers take turns, so that a slow spell of the shared host hits them alike.
  constexpr size_t kReaders = std::size(kProbePrefetch);
  std::vector<double> rates[kReaders];
  for (int p = 0; p < passes; ++p)
    for (size_t r = 0; r < kReaders; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      sink = sum_floats(a_.data(), n, kProbePrefetch[r]);
      rates[r].push_back(double(n) * 4 / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  (void)sink;
  const int load_bits = active_isa() == Isa::avx512 ? 512 : active_isa() == Isa::avx2 ? 256 : 128;
  ReadBandwidth best{0, 0, load_bits, n * 4, passes, omp_get_max_threads()};
  for (size_t r = 0; r < kReaders; ++r)
    if (const double m = median(rates[r]); m > best.bytes_per_second) {
      best.bytes_per_second = m;
      best.prefetch_bytes = kProbePrefetch[r];
    }
  return best;
}

ReadBandwidth measure_read_bandwidth(int64_t bytes, int passes) { return ReadBandwidthProbe(bytes).measure(passes); }

}  // namespace gptqt::kernels
