#include "kernels/dequant_gemv.h"

#include <algorithm>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/aligned_vector.h"
#include "kernels/dequant_kernels.h"

namespace gptqt::kernels {

void dequant_gemm(const LinearMatrixView& w, const float* X, int batch, float* Y) {
  w.check();
  GPTQT_CHECK(batch >= 1 && X && Y, "dequant_gemm: need at least one input vector");
  const QuantShape s = w.shape();
  const int padded = s.padded_cols();
  const int n_groups = s.n_groups();
  // Zero-padded inputs (whole 32-column blocks, no tail code in the kernels) and
  // the per-group input sums of the zero-point term.
  thread_local AlignedVector<float> xpad;
  thread_local std::vector<float> gsum;
  xpad.assign(size_t(batch) * padded, 0.f);
  gsum.assign(size_t(batch) * n_groups, 0.f);
  for (int v = 0; v < batch; ++v) {
    const float* x = X + int64_t(v) * w.cols;
    std::copy_n(x, w.cols, xpad.begin() + int64_t(v) * padded);
    for (int g = 0; g < n_groups; ++g) {
      float sum = 0.f;
      for (int c = s.group_begin(g); c < s.group_end(g); ++c) sum += x[c];
      gsum[size_t(v) * n_groups + g] = sum;
    }
  }
  switch (active_isa()) {
    case Isa::avx512: return detail::dequant_gemm_avx512(w, xpad.data(), gsum.data(), batch, Y);
    case Isa::avx2: return detail::dequant_gemm_avx2(w, xpad.data(), gsum.data(), batch, Y);
    default: return detail::dequant_gemm_scalar(w, xpad.data(), gsum.data(), batch, Y);
  }
}

void dequant_gemv(const LinearMatrixView& w, const float* x, float* y) { dequant_gemm(w, x, 1, y); }

}  // namespace gptqt::kernels
