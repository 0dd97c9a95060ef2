#include "model/int8_linear.h"

#include <cblas.h>

#include <algorithm>
#include <vector>

namespace gptqt {

void Int8Linear::forward(const float* x, int T, float* y) const {
  if (T == 1) return kernels::int8_gemv(*m_, x, y);
  constexpr int kTileRows = 512;
  const int cols = m_->cols;
  std::vector<float> tile(size_t(kTileRows) * cols);
  for (int r0 = 0; r0 < m_->rows; r0 += kTileRows) {
    const int n = std::min(kTileRows, m_->rows - r0);
    for (int r = 0; r < n; ++r) kernels::int8_dequantize_row(*m_, r0 + r, &tile[size_t(r) * cols]);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, n, cols, 1.f, x, cols, tile.data(), cols, 0.f, y + r0,
                m_->rows);
  }
}

}  // namespace gptqt
