#include "model/ops.h"

#include <algorithm>
#include <cmath>

#include "kernels/silu.h"
#include "kernels/vector_sums.h"

namespace gptqt {

// Below this many elements an OpenMP region costs more than it saves.
constexpr size_t kParallelElements = size_t(1) << 17;

void apply_norm(NormKind kind, const Norm& norm, float eps, float* x, int T, int n) {
#pragma omp parallel for schedule(static) if (size_t(T) * n > kParallelElements)
  for (int t = 0; t < T; ++t) {
    float* r = x + size_t(t) * n;
    if (kind == NormKind::rms) {
      const float scale = float(1.0 / std::sqrt(kernels::sum_squares8(r, n) / n + eps));
      const float* w = norm.weight.data();
      for (int i = 0; i < n; ++i) r[i] = r[i] * scale * w[i];
    } else {
      double mean = 0, var = 0;
      for (int i = 0; i < n; ++i) mean += r[i];
      mean /= n;
      for (int i = 0; i < n; ++i) var += (r[i] - mean) * (r[i] - mean);
      var /= n;
      float scale = float(1.0 / std::sqrt(var + eps));
      for (int i = 0; i < n; ++i) r[i] = float(r[i] - mean) * scale * norm.weight[i] + norm.bias[i];
    }
  }
}

namespace {
float gelu_tanh(float v) { return 0.5f * v * (1.f + std::tanh(0.7978845608f * v * (1.f + 0.044715f * v * v))); }
}  // namespace

void apply_activation(ActKind kind, float* x, const float* up, size_t n) {
  switch (kind) {
    case ActKind::silu_gated: {
      constexpr size_t kRun = 4096;
      const size_t runs = (n + kRun - 1) / kRun;
#pragma omp parallel for schedule(static) if (n > kParallelElements)
      for (size_t r = 0; r < runs; ++r) kernels::silu_gated(x + r * kRun, up + r * kRun, std::min(kRun, n - r * kRun));
      break;
    }
    case ActKind::relu:
      for (size_t i = 0; i < n; ++i) x[i] = x[i] > 0.f ? x[i] : 0.f;
      break;
    case ActKind::gelu_tanh:
#pragma omp parallel for schedule(static) if (n > kParallelElements)
      for (size_t i = 0; i < n; ++i) x[i] = gelu_tanh(x[i]);
      break;
    case ActKind::gelu_tanh_gated:
#pragma omp parallel for schedule(static) if (n > kParallelElements)
      for (size_t i = 0; i < n; ++i) x[i] = gelu_tanh(x[i]) * up[i];
      break;
  }
}

std::vector<float> alibi_slopes(int n_heads) {
  // Press et al.: for the largest power of two n <= heads, slopes (2^(-8/n))^(1..n);
  // the remaining heads take every other slope of the 2n sequence.
  int n = 1;
  while (n * 2 <= n_heads) n *= 2;
  std::vector<float> s;
  double base = std::pow(2.0, -8.0 / n);
  for (int i = 1; i <= n; ++i) s.push_back(float(std::pow(base, i)));
  double extra = std::pow(2.0, -4.0 / n);
  for (int i = 0; s.size() < size_t(n_heads); ++i) s.push_back(float(std::pow(extra, 2 * i + 1)));
  return s;
}

double log_sum_exp(const float* x, int n) {
  float m = x[0];
  for (int i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  double s = 0;
  for (int i = 0; i < n; ++i) s += std::exp(double(x[i] - m));
  return m + std::log(s);
}

}  // namespace gptqt
