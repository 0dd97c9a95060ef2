// Weighted least squares for a binary coding with offset: fit θ = (offset, alpha_0..alpha_{k−1})
// to points x whose codes are fixed, i.e. minimise Σ w (x − aᵀθ)² with a = (1, c_0, .., c_{k−1}).
// Points that share a code share a design row, so callers add whole groups at once (a
// histogram bin, a segment of sorted points): the system stays (k+1)×(k+1) whatever n is.
// The system is often singular (a code nobody uses, or codes on too few levels to pin every
// alpha); solve() then returns a minimiser over the identifiable directions.
#pragma once
#include <algorithm>

namespace gptqt::quant {

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

  // The minimum of Σ w (x − aᵀθ)² and, if theta is given, a minimiser. LDLᵀ without
  // pivoting; a pivot below 1e-10 of the largest diagonal marks a direction the data does
  // not determine, which is dropped (its θ component is set so the others stay optimal).
  double solve(double* theta = nullptr) const {
    double l[P][P] = {}, d[P], z[P];
    bool used[P];
    double dmax = 0;
    for (int i = 0; i < P; ++i) dmax = std::max(dmax, g[i][i]);
    const double tol = 1e-10 * dmax;
    double err = q;
    for (int j = 0; j < P; ++j) {
      double dj = g[j][j];
      for (int k = 0; k < j; ++k) dj -= l[j][k] * l[j][k] * d[k];
      used[j] = dj > tol;
      d[j] = used[j] ? dj : 0;
      double zj = b[j];
      for (int k = 0; k < j; ++k) zj -= l[j][k] * z[k];
      z[j] = used[j] ? zj : 0;
      if (used[j]) err -= zj * zj / dj;
      for (int i = j + 1; i < P; ++i) {
        double v = g[i][j];
        for (int k = 0; k < j; ++k) v -= l[i][k] * l[j][k] * d[k];
        l[i][j] = used[j] ? v / dj : 0;
      }
    }
    if (theta) {
      for (int i = P - 1; i >= 0; --i) {
        double v = used[i] ? z[i] / d[i] : 0;
        for (int k = i + 1; k < P; ++k) v -= l[k][i] * theta[k];
        theta[i] = used[i] ? v : 0;
      }
    }
    return std::max(err, 0.0);
  }
};

}  // namespace gptqt::quant
