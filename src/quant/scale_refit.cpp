#include "quant/scale_refit.h"

#include <cblas.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "quant/linear_grid.h"
#include "quant/normal_equations.h"

namespace gptqt::quant {

namespace {

// The per-row least-squares problem in the parameters θ of all groups, P per group:
// ŵ_c = a_cᵀ θ_{g(c)} with a_c = (1, c_0, …, c_{k−1}) for a binary coding (offset, α),
// a_c = (code − zero) for a linear grid (scale). With e = w − ŵ the loss of a change Δ is
// (e − AΔ)ᵀ H (e − AΔ) = eᵀHe − 2 Δᵀ(AᵀHe) + Δᵀ(AᵀHA)Δ.
class Design {
 public:
  explicit Design(const QuantizedLinear& q) : q_(q), linear_(q.has_linear_params()), gidx_(q.group_index()) {}
  int per_group() const { return linear_ ? 1 : q_.bits + 1; }
  int group(int col) const { return gidx_[col]; }
  float operator()(int row, int col, int p) const {
    const unsigned code = q_.codes[size_t(row) * q_.cols + col];
    if (linear_) return float(code) - q_.zero[size_t(gidx_[col]) * q_.rows + row];
    return p == 0 ? 1.f : ((code >> (p - 1)) & 1u) ? 1.f : -1.f;
  }
  float level(int row, int col) const { return q_.value(row, col, gidx_); }

 private:
  const QuantizedLinear& q_;
  bool linear_;
  std::vector<int> gidx_;
};

void apply(QuantizedLinear& q, int row, const std::vector<double>& delta) {
  const size_t R = q.rows;
  for (int g = 0; g < q.n_groups(); ++g) {
    if (q.has_linear_params()) {
      float& scale = q.scale[g * R + row];
      scale = float(scale + delta[g]);
      linear_to_binary(LinearParams{scale, q.zero[g * R + row]}, q.bits, &q.alpha[g * q.bits * R + row],
                       std::ptrdiff_t(R), &q.offset[g * R + row]);
    } else {
      const int P = q.bits + 1;
      q.offset[g * R + row] = float(q.offset[g * R + row] + delta[g * P]);
      for (int j = 0; j < q.bits; ++j) {
        float& a = q.alpha[(g * q.bits + j) * R + row];
        a = float(a + delta[g * P + 1 + j]);
      }
    }
  }
}

}  // namespace

RefitReport refit_scales(QuantizedLinear& q, const float* w, const float* h) {
  validate(q);
  const Design a(q);
  const int rows = q.rows, cols = q.cols, G = q.n_groups(), P = a.per_group(), N = G * P;
  const size_t C = cols;
  std::vector<std::vector<int>> members(G);
  for (int c = 0; c < cols; ++c) members[a.group(c)].push_back(c);

  // Rows go in batches, so that H is read by matrix products: S = AᵀH for every
  // parameter of every row of the batch (N·nb × cols, ~64 MB at most), U = EH.
  const int nb = int(std::clamp<size_t>((size_t(64) << 20) / (sizeof(float) * C * size_t(N + 1)), 1, 64));
  std::vector<float> e, u, s, ag, hg;
  RefitReport report;
  for (int r0 = 0; r0 < rows; r0 += nb) {
    const int n = std::min(nb, rows - r0);
    e.resize(size_t(n) * C);
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < cols; ++c) e[i * C + c] = w[(r0 + i) * C + c] - a.level(r0 + i, c);
    u.resize(size_t(n) * C);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, cols, cols, 1.f, e.data(), cols, h, cols, 0.f,
                u.data(), cols);
    // S row (g·P + p)·n + i: parameter p of group g of row r0 + i, times H.
    s.resize(size_t(N) * n * C);
    for (int g = 0; g < G; ++g) {
      const auto& m = members[g];
      const int k = int(m.size());
      ag.resize(size_t(P) * n * k);
      hg.resize(size_t(k) * C);
      for (int p = 0; p < P; ++p)
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < k; ++j) ag[(size_t(p) * n + i) * k + j] = a(r0 + i, m[j], p);
      for (int j = 0; j < k; ++j) std::copy_n(h + m[j] * C, C, &hg[j * C]);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, P * n, cols, k, 1.f, ag.data(), k, hg.data(), cols, 0.f,
                  &s[size_t(g) * P * n * C], cols);
    }
    std::vector<double> before(n), after(n);
#pragma omp parallel for schedule(dynamic)
    for (int i = 0; i < n; ++i) {
      const int row = r0 + i;
      std::vector<double> mtx(size_t(N) * N, 0.0), b(N, 0.0), delta(N), scratch(solve_scratch_size(N));
      std::vector<float> design(C * P);  // a(row, c, p)
      for (int c = 0; c < cols; ++c)
        for (int p = 0; p < P; ++p) design[c * P + p] = a(row, c, p);
      double loss = 0;
      for (int c = 0; c < cols; ++c) {
        const double uc = u[i * C + c];
        loss += double(e[i * C + c]) * uc;
        for (int p = 0; p < P; ++p) b[a.group(c) * P + p] += design[c * P + p] * uc;
      }
      for (int t = 0; t < N; ++t) {  // M = (AᵀH)A, one row of AᵀH at a time
        const float* st = &s[(size_t(t) * n + i) * C];
        double* mt = &mtx[size_t(t) * N];
        for (int c = 0; c < cols; ++c)
          for (int p = 0; p < P; ++p) mt[a.group(c) * P + p] += double(st[c]) * design[c * P + p];
      }
      // M from fp32 products is symmetric only to rounding; the solver reads its lower half.
      const double best = solve_dropping(mtx.data(), b.data(), loss, N, delta.data(), scratch.data());
      before[i] = loss;
      after[i] = loss;
      if (best < loss) {
        apply(q, row, delta);
        after[i] = best;
      }
    }
    for (int i = 0; i < n; ++i) {
      report.loss_before += before[i];
      report.loss_after += after[i];
    }
  }
  return report;
}

}  // namespace gptqt::quant
