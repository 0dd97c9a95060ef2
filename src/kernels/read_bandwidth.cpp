#include "kernels/read_bandwidth.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/aligned_vector.h"

namespace gptqt::kernels {

float sum_floats(const float* a, int64_t n) {
  float total = 0.f;
#pragma omp parallel reduction(+ : total)
  {
    __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; i += 16) {
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

ReadBandwidth measure_read_bandwidth(int64_t bytes, int passes) {
  if (bytes == 0) bytes = std::max(int64_t(256) << 20, 4 * last_level_cache_bytes());
  GPTQT_CHECK(bytes >= 64 && passes >= 1, "internal: a bandwidth probe of {} bytes, {} passes", bytes, passes);
  const int64_t n = bytes / 64 * 16;
  AlignedVector<float> a(size_t(n), 1.f);
  volatile float sink = sum_floats(a.data(), n);  // warm-up: pages touched, clocks up
  std::vector<double> rates;
  for (int p = 0; p < passes; ++p) {
    const auto t0 = std::chrono::steady_clock::now();
    sink = sum_floats(a.data(), n);
    rates.push_back(double(n) * 4 / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  (void)sink;
  std::sort(rates.begin(), rates.end());
  const size_t m = rates.size();
  const double median = m % 2 ? rates[m / 2] : 0.5 * (rates[m / 2 - 1] + rates[m / 2]);
  return {median, n * 4, passes, omp_get_max_threads()};
}

}  // namespace gptqt::kernels
