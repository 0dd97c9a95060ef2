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
#include "quant/scale_refit.h"

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

void check_options(const GptqOptions& o) {
  GPTQT_CHECK(o.block_size > 0 && (o.group_size == -1 || o.group_size > 0) && o.damp >= 0 &&
                  std::isfinite(o.damp) && o.max_damp_tries >= 1,
              "gptq: bad options (block {}, group {}, damp {}, damp tries {})", o.block_size, o.group_size, o.damp,
              o.max_damp_tries);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Symmetric permutation in place: h[i][j] <- h[perm[i]][perm[j]], one spare row.
void permute_symmetric(std::vector<float>& h, const std::vector<int>& perm) {
  const size_t C = perm.size();
  std::vector<float> tmp(C);
  std::vector<char> placed(C, 0);
  for (size_t s = 0; s < C; ++s) {  // rows, cycle by cycle: row i takes row perm[i]
    if (placed[s]) continue;
    std::copy_n(&h[s * C], C, tmp.data());
    size_t i = s;
    for (;;) {
      placed[i] = 1;
      const size_t next = size_t(perm[i]);
      if (next == s) break;
      std::copy_n(&h[next * C], C, &h[i * C]);
      i = next;
    }
    std::copy_n(tmp.data(), C, &h[i * C]);
  }
  for (size_t i = 0; i < C; ++i) {  // then the columns of every row
    float* row = &h[i * C];
    std::copy_n(row, C, tmp.data());
    for (size_t j = 0; j < C; ++j) row[j] = tmp[size_t(perm[j])];
  }
}

GptqFactor make_factor(std::vector<float> h, int cols, const GptqOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  GPTQT_CHECK(cols > 0 && h.size() == size_t(cols) * size_t(cols), "gptq: bad Hessian size {}", cols);
  check_options(o);
  check_finite(h.data(), cols, cols, "gptq: Hessian");
  const size_t C = cols;
  GptqFactor f;
  f.cols = cols;
  f.act_order = o.act_order;
  f.damp_option = o.damp;
  f.max_damp_tries = o.max_damp_tries;
  f.refit_scales = o.refit_scales;

  // 1. Dead inputs: nothing ever reached them, so their weights cannot matter; H_ii = 1 keeps
  // the factorisation well defined.
  f.hdiag.resize(C);
  for (int i = 0; i < cols; ++i) {
    float& d = h[i * C + i];
    if (d == 0) {
      d = 1;
      f.dead.push_back(i);
    }
    f.hdiag[i] = d;
  }

  if (o.refit_scales) f.h = h;  // the refit's objective, damped below once λ is known

  // 2. Act-order: process columns by decreasing H_ii (stable, so ties keep their order).
  f.perm.resize(C);
  std::iota(f.perm.begin(), f.perm.end(), 0);
  if (o.act_order) {
    std::stable_sort(f.perm.begin(), f.perm.end(), [&](int a, int b) { return f.hdiag[a] > f.hdiag[b]; });
    permute_symmetric(h, f.perm);
  }

  // 3-4. U with (H + λ·mean(diag H)·I)⁻¹ = UᵀU, in processing order, in H's own storage.
  const InverseCholesky inv = damped_inverse_cholesky(h, cols, o.damp, o.max_damp_tries);
  f.ok = inv.ok;
  f.damp = inv.damp;
  f.damp_tries = inv.tries;
  if (f.ok) f.u = std::move(h);
  if (o.refit_scales)  // the damped matrix the factor was made of
    for (size_t i = 0; i < C; ++i) f.h[i * C + i] = float(double(f.h[i * C + i]) + inv.added);
  f.seconds = seconds_since(start);
  return f;
}

GptqResult quantize_with(const float* w, int rows, const GptqFactor& f, const GridFitter& fitter,
                         const GptqOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const int cols = f.cols;
  GPTQT_CHECK(rows > 0 && cols > 0, "gptq: bad shape {}x{}", rows, cols);
  check_options(o);
  GPTQT_CHECK(f.act_order == o.act_order && f.damp_option == o.damp && f.max_damp_tries == o.max_damp_tries &&
                  f.refit_scales == o.refit_scales,
              "internal: a GPTQ factor used with other options than it was made with");
  check_finite(w, rows, cols, "gptq: weight matrix");
  const size_t R = rows, C = cols;
  GptqResult result;
  GptqReport& report = result.report;
  report.damp = f.damp;
  report.damp_tries = f.damp_tries;
  report.dead_inputs = int(f.dead.size());

  std::vector<float> wt(R * C);  // Wᵀ: one column per contiguous run of `rows`
  transpose(w, rows, cols, wt.data());
  for (int i : f.dead) std::fill_n(&wt[i * R], R, 0.f);

  QuantizedLinear& q = result.weights;
  q = make_quantized_linear(rows, cols, fitter.bits(), o.group_size);
  const GroupLayout layout = q.layout();
  std::vector<float> importance = f.hdiag;
  // Wᵀ as a view, taken where used: act-order swaps wt's storage.
  auto all_columns = [&] { return MatrixView{wt.data(), rows, cols, 1, rows}; };

  // Static groups: every grid fitted up front on the original W, groups in original order.
  std::vector<GroupGrid> static_grids;
  if (o.static_groups) {
    static_grids.resize(layout.count());
    for (int g = 0; g < layout.count(); ++g) {
      const int b = layout.begin(g);
      fitter.fit_group(all_columns(), b, layout.end(g), importance.data(), static_grids[g]);
      static_grids[g].store(q, g);
    }
  }

  const std::vector<int>& perm = f.perm;
  if (o.act_order) {
    std::vector<float> permuted(R * C);
    for (int i = 0; i < cols; ++i) {
      std::copy_n(&wt[perm[i] * R], R, &permuted[i * R]);
      importance[i] = f.hdiag[perm[i]];
    }
    wt.swap(permuted);
    q.perm = perm;
    q.groups_follow_perm = !o.static_groups;
  }

  if (!f.ok) {
    // No usable factor: quantize without error compensation and say so.
    std::vector<float> w0(R * C);
    for (int i = 0; i < cols; ++i)
      for (int r = 0; r < rows; ++r) w0[r * C + perm[i]] = wt[i * R + r];
    result.weights = quantize_rtn(w0.data(), rows, cols, fitter, o.group_size);
    report.fallback_rtn = true;
    report.loss = NAN;
    report.seconds = seconds_since(start);
    return result;
  }
  const std::vector<float>& u = f.u;

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
        fitter.fit_group(all_columns(), i, layout.end(g), importance.data(), grid);
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
  if (o.refit_scales) {  // against the objective the sweep minimised: dead inputs' weights zeroed
    std::vector<float> w0(w, w + R * C);
    for (int i : f.dead)
      for (size_t r = 0; r < R; ++r) w0[r * C + i] = 0;
    const RefitReport refit = refit_scales(q, w0.data(), f.h.data());
    report.loss_before_refit = refit.loss_before;
    report.loss_after_refit = refit.loss_after;
  }

  report.loss = loss / 2;
  report.seconds = seconds_since(start);
  return result;
}

GptqResult quantize_one(const float* w, int rows, std::vector<float> h, const GridFitter& fitter,
                        const GptqOptions& o) {
  const int cols = int(std::lround(std::sqrt(double(h.size()))));
  GPTQT_CHECK(rows > 0 && cols > 0, "gptq: bad shape {}x{}", rows, cols);
  check_options(o);
  check_finite(w, rows, cols, "gptq: weight matrix");
  const GptqFactor f = make_factor(std::move(h), cols, o);
  GptqResult r = quantize_with(w, rows, f, fitter, o);
  r.report.seconds += f.seconds;
  return r;
}

}  // namespace

GptqFactor gptq_factor(std::vector<float> h, int cols, const GptqOptions& options) {
  return make_factor(std::move(h), cols, options);
}
GptqFactor gptq_factor(const double* h, int cols, const GptqOptions& options) {
  return make_factor(std::vector<float>(h, h + size_t(cols) * size_t(cols)), cols, options);
}

GptqResult gptq_quantize(const float* w, int rows, const GptqFactor& factor, const GridFitter& fitter,
                         const GptqOptions& options) {
  return quantize_with(w, rows, factor, fitter, options);
}

GptqResult gptq_quantize(const float* w, int rows, int cols, const double* h, const GridFitter& fitter,
                         const GptqOptions& options) {
  GPTQT_CHECK(cols > 0, "gptq: bad shape {}x{}", rows, cols);
  return quantize_one(w, rows, std::vector<float>(h, h + size_t(cols) * size_t(cols)), fitter, options);
}

GptqResult gptq_quantize(const float* w, int rows, int cols, const float* h, const GridFitter& fitter,
                         const GptqOptions& options) {
  GPTQT_CHECK(cols > 0, "gptq: bad shape {}x{}", rows, cols);
  return quantize_one(w, rows, std::vector<float>(h, h + size_t(cols) * size_t(cols)), fitter, options);
}

}  // namespace gptqt::quant
