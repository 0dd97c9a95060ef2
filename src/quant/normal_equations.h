// Weighted least squares for a binary coding with offset: fit θ = (offset, alpha_0..alpha_{k−1})
// to points x whose codes are fixed, i.e. minimise Σ w (x − aᵀθ)² with a = (1, c_0, .., c_{k−1}).
// Points that share a code share a design row, so callers add whole groups at once (a
// histogram bin, a segment of sorted points): the system stays (k+1)×(k+1) whatever n is.
// The system is often singular (a code nobody uses, or codes on too few levels to pin every
// alpha); solve() then returns a minimiser over the identifiable directions.
#pragma once
#include <algorithm>

namespace gptqt::quant {

// Minimises q − 2 bᵀθ + θᵀ G θ for a symmetric positive semi-definite n × n G (row-major)
// and returns the minimum; a minimiser goes to theta if given. LDLᵀ without pivoting; a
// pivot below 1e-10 of the largest diagonal marks a direction the data does not determine,
// which is dropped (its θ component is set so the others stay optimal, zero where free).
// scratch: n·n + 2n doubles (callers in hot loops keep them on the stack).
inline constexpr int solve_scratch_size(int n) { return n * n + 2 * n; }
inline double solve_dropping(const double* g, const double* b, double q, int n, double* theta, double* scratch) {
  double *l = scratch, *d = l + n * n, *z = d + n;  // d[j] > 0: direction j is used
  std::fill_n(l, n * n, 0.0);
  double dmax = 0;
  for (int i = 0; i < n; ++i) dmax = std::max(dmax, g[i * n + i]);
  const double tol = 1e-10 * dmax;
  double err = q;
  for (int j = 0; j < n; ++j) {
    double dj = g[j * n + j];
    for (int k = 0; k < j; ++k) dj -= l[j * n + k] * l[j * n + k] * d[k];
    d[j] = dj > tol ? dj : 0;
    double zj = b[j];
    for (int k = 0; k < j; ++k) zj -= l[j * n + k] * z[k];
    z[j] = d[j] > 0 ? zj : 0;
    if (d[j] > 0) err -= zj * zj / dj;
    for (int i = j + 1; i < n; ++i) {
      double v = g[i * n + j];
      for (int k = 0; k < j; ++k) v -= l[i * n + k] * l[j * n + k] * d[k];
      l[i * n + j] = d[j] > 0 ? v / dj : 0;
    }
  }
  if (theta) {
    for (int i = n - 1; i >= 0; --i) {
      double v = d[i] > 0 ? z[i] / d[i] : 0;
      for (int k = i + 1; k < n; ++k) v -= l[k * n + i] * theta[k];
      theta[i] = d[i] > 0 ? v : 0;
    }
  }
  return std::max(err, 0.0);
}

template <int P>
struct NormalEquations {
  double g[P][P] = {};  // Σ w a aᵀ
  double b[P] = {};     // Σ w x a
  double q = 0;         // Σ w x²

  // Adds points with design row for `code` of total weight n, Σ w x = s and Σ w x² = qq.
  void add(unsigned code, double n, double s, double qq) {
    double a[P];
    a[0] = 1;
    for (int j = 1; j < P; ++j) a[j] = ((code >> (j - 1)) & 1u) ? 1 : -1;
    for (int i = 0; i < P; ++i) {
      for (int j = 0; j < P; ++j) g[i][j] += n * a[i] * a[j];
      b[i] += s * a[i];
    }
    q += qq;
  }

  // The minimum of Σ w (x − aᵀθ)² and, if theta is given, a minimiser (see solve_dropping).
  double solve(double* theta = nullptr) const {
    double scratch[solve_scratch_size(P)];
    return solve_dropping(&g[0][0], b, q, P, theta, scratch);
  }
};

}  // namespace gptqt::quant
