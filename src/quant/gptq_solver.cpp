#include "quant/gptq_solver.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/error.h"
#include "quant/hessian_inverse.h"
#include "quant/matrix_util.h"
#include "quant/rtn.h"

namespace gptqt::quant {

namespace {

// End of the block starting at column i1 (processing order): at most block_size columns, cut
// short before a group boundary whose group would reach past the block end. Then every group
// that is fitted inside the loop starts a block or lies inside one, so it is fitted on weights
// that have received every earlier update (the reference fits on partly stale weights when a
// group starts mid-block; with g = block = 128 both agree).
int block_end(int i1, int block_size, const GroupLayout& layout, bool fit_in_loop) {
  const int i2 = std::min(i1 + block_size, layout.cols);
  if (!fit_in_loop) return i2;
  for (int b = (i1 / layout.size() + 1) * layout.size(); b < i2; b += layout.size())
    if (layout.end(b / layout.size()) > i2) return b;
  return i2;
}

template <typename HT>
GptqResult run(const float* w, int rows, int cols, const HT* h, const GridFitter& fitter, const GptqOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  GPTQT_CHECK(rows > 0 && cols > 0, "gptq: bad shape {}x{}", rows, cols);
  GPTQT_CHECK(o.block_size > 0 && (o.group_size == -1 || o.group_size > 0) && o.damp >= 0 &&
                  std::isfinite(o.damp) && o.max_damp_tries >= 1,
              "gptq: bad options (block {}, group {}, damp {}, damp tries {})", o.block_size, o.group_size, o.damp,
              o.max_damp_tries);
  check_finite(w, rows, cols, "gptq: weight matrix");
  check_finite(h, cols, cols, "gptq: Hessian");
  const size_t R = rows, C = cols;
  GptqResult result;
  GptqReport& report = result.report;

  // 1. Dead inputs: nothing ever reached them, so their weights cannot matter; H_ii = 1 keeps
  // the factorisation well defined.
  std::vector<double> hdiag(C);
  std::vector<float> wt(R * C);  // Wᵀ: one column per contiguous run of `rows`
  transpose(w, rows, cols, wt.data());
  for (int i = 0; i < cols; ++i) {
    hdiag[i] = double(h[i * C + i]);
    if (hdiag[i] != 0) continue;
    hdiag[i] = 1;
    std::fill_n(&wt[i * R], R, 0.f);
    ++report.dead_inputs;
  }

  QuantizedLinear& q = result.weights;
  q = make_quantized_linear(rows, cols, fitter.bits(), o.group_size);
  const GroupLayout layout = q.layout();
  std::vector<float> importance(hdiag.begin(), hdiag.end());

  // Static groups: every grid fitted up front on the original W, groups in original order.
  std::vector<GroupGrid> static_grids;
  if (o.static_groups) {
    static_grids.resize(layout.count());
    for (int g = 0; g < layout.count(); ++g) {
      const int b = layout.begin(g);
      fitter.fit(MatrixView{&wt[b * R], rows, layout.end(g) - b, 1, rows}, &importance[b], static_grids[g]);
      static_grids[g].store(q, g);
    }
  }

  // 2. Act-order: process columns by decreasing H_ii (stable, so ties keep their order).
  std::vector<int> perm(C);
  std::iota(perm.begin(), perm.end(), 0);
  if (o.act_order) {
    std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) { return hdiag[a] > hdiag[b]; });
    std::vector<float> permuted(R * C);
    for (int i = 0; i < cols; ++i) {
      std::copy_n(&wt[perm[i] * R], R, &permuted[i * R]);
      importance[i] = float(hdiag[perm[i]]);
    }
    wt.swap(permuted);
    q.perm = perm;
    q.groups_follow_perm = !o.static_groups;
  }

  // 3-4. U with (H + λ·mean(diag H)·I)⁻¹ = UᵀU, in processing order.
  InverseCholesky inv;
  {
    std::vector<double> hp(C * C);
    for (int i = 0; i < cols; ++i)
      for (int j = 0; j < cols; ++j) hp[i * C + j] = i == j ? hdiag[perm[i]] : double(h[perm[i] * C + perm[j]]);
    inv = damped_inverse_cholesky(hp.data(), cols, o.damp, o.max_damp_tries);
  }
  report.damp = inv.damp;
  report.damp_tries = inv.tries;
  if (!inv.ok) {
    // No usable factor: quantize without error compensation and say so.
    std::vector<float> w0(R * C);
    for (int i = 0; i < cols; ++i)
      for (int r = 0; r < rows; ++r) w0[r * C + perm[i]] = wt[i * R + r];
    result.weights = quantize_rtn(w0.data(), rows, cols, fitter, o.group_size);
    report.fallback_rtn = true;
    report.loss = NAN;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }
  const std::vector<float> u(inv.u.begin(), inv.u.end());
  inv.u = {};

  // 5. Blocked column loop. Inside a block the error of column i updates the block's later
  // columns at once; the rest of the matrix gets the whole block's errors in one product.
  std::vector<float> err(size_t(o.block_size) * R), values(R);
  std::vector<uint8_t> codes_t(R * C);  // codes by original column, transposed at the end
  GroupGrid grid;
  double loss = 0;
  for (int i1 = 0; i1 < cols;) {
    const int i2 = block_end(i1, o.block_size, layout, !o.static_groups);
    for (int i = i1; i < i2; ++i) {
      float* col = &wt[i * R];
      const GroupGrid* current = &grid;
      if (o.static_groups) {
        current = &static_grids[perm[i] / layout.size()];
      } else if (layout.starts_group(i)) {
        const int g = i / layout.size();
        fitter.fit(MatrixView{col, rows, layout.end(g) - i, 1, rows}, &importance[i], grid);
        grid.store(q, g);
      }
      current->quantize(col, &codes_t[perm[i] * R], values.data());
      const float d = u[i * C + i];
      float* e = &err[(i - i1) * R];
      double col_loss = 0;
      for (int r = 0; r < rows; ++r) {
        const float diff = col[r] - values[r];
        e[r] = diff / d;
        col_loss += double(diff) * diff;
      }
      loss += col_loss / (double(d) * d);
      for (int j = i + 1; j < i2; ++j) {
        const float uij = u[i * C + j];
        float* target = &wt[j * R];
#pragma omp simd
        for (int r = 0; r < rows; ++r) target[r] -= uij * e[r];
      }
    }
    if (i2 < cols)  // W[:, i2:] −= Err · U[i1:i2, i2:], in the transposed layout
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, cols - i2, rows, i2 - i1, -1.f, &u[i1 * C + i2], cols,
                  err.data(), rows, 1.f, &wt[i2 * R], rows);
    i1 = i2;
  }
  transpose(codes_t.data(), cols, rows, q.codes.data());

  report.loss = loss / 2;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace

GptqResult gptq_quantize(const float* w, int rows, int cols, const double* h, const GridFitter& fitter,
                         const GptqOptions& options) {
  return run(w, rows, cols, h, fitter, options);
}

GptqResult gptq_quantize(const float* w, int rows, int cols, const float* h, const GridFitter& fitter,
                         const GptqOptions& options) {
  return run(w, rows, cols, h, fitter, options);
}

}  // namespace gptqt::quant
