// Random problems and loss measures shared by the quant tests.
#pragma once
#include <cmath>
#include <random>
#include <vector>

#include "quant/quantized_linear.h"

namespace gptqt::quant::test {

inline std::vector<float> random_matrix(int rows, int cols, unsigned seed, float sd = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.f, sd);
  std::vector<float> m(size_t(rows) * cols);
  for (float& v : m) v = nd(rng);
  return m;
}

// Activations with correlated features and uneven scales (like real layer inputs):
// x = z·A with A = I + 0.5·noise, column j scaled by 0.2 + 2·u_j.
inline std::vector<float> correlated_activations(int tokens, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd;
  std::uniform_real_distribution<float> ud;
  std::vector<float> a(size_t(cols) * cols);
  for (int i = 0; i < cols; ++i)
    for (int j = 0; j < cols; ++j) a[i * cols + j] = (i == j ? 1.f : 0.f) + 0.5f * nd(rng) / std::sqrt(float(cols));
  std::vector<float> scale(cols);
  for (float& s : scale) s = 0.2f + 2.f * ud(rng);
  std::vector<float> z(size_t(tokens) * cols), x(size_t(tokens) * cols, 0.f);
  for (float& v : z) v = nd(rng);
  for (int t = 0; t < tokens; ++t)
    for (int k = 0; k < cols; ++k)
      for (int j = 0; j < cols; ++j) x[size_t(t) * cols + j] += z[size_t(t) * cols + k] * a[k * cols + j];
  for (int t = 0; t < tokens; ++t)
    for (int j = 0; j < cols; ++j) x[size_t(t) * cols + j] *= scale[j];
  return x;
}

// H = (2/N) XᵀX, computed naively in double.
inline std::vector<double> naive_hessian(const std::vector<float>& x, int tokens, int cols) {
  std::vector<double> h(size_t(cols) * cols, 0.0);
  for (int t = 0; t < tokens; ++t)
    for (int i = 0; i < cols; ++i)
      for (int j = 0; j < cols; ++j) h[i * cols + j] += double(x[size_t(t) * cols + i]) * x[size_t(t) * cols + j];
  for (double& v : h) v *= 2.0 / tokens;
  return h;
}

inline std::vector<double> identity(int n) {
  std::vector<double> h(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) h[i * n + i] = 1;
  return h;
}

// tr((W − Ŵ) H (W − Ŵ)ᵀ): the layer output error the solver minimises.
inline double output_loss(const std::vector<float>& w, const std::vector<float>& wq, const std::vector<double>& h,
                          int rows, int cols) {
  double total = 0;
  std::vector<double> d(cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) d[c] = double(w[size_t(r) * cols + c]) - wq[size_t(r) * cols + c];
    for (int i = 0; i < cols; ++i) {
      double s = 0;
      for (int j = 0; j < cols; ++j) s += h[i * cols + j] * d[j];
      total += d[i] * s;
    }
  }
  return total;
}

// A layer and the Hessian of its inputs: W ~ N(0, 1) from `seed`, H from `tokens`
// correlated activations drawn from `x_seed` (default 4·cols tokens, seed + 1).
struct Problem {
  int rows, cols;
  std::vector<float> w;
  std::vector<double> h;
  std::vector<float> h_f32() const { return {h.begin(), h.end()}; }
};

inline Problem correlated_problem(int rows, int cols, unsigned seed, int tokens = 0, int x_seed = -1) {
  if (tokens == 0) tokens = 4 * cols;
  const unsigned xs = x_seed < 0 ? seed + 1 : unsigned(x_seed);
  return {rows, cols, random_matrix(rows, cols, seed), naive_hessian(correlated_activations(tokens, cols, xs), tokens, cols)};
}

inline double loss_of(const Problem& p, const QuantizedLinear& q) {
  return output_loss(p.w, dequantize(q), p.h, p.rows, p.cols);
}

}  // namespace gptqt::quant::test
