#include "model/int8_linear.h"

#include "model/expanded_sgemm.h"

namespace gptqt {

void Int8Linear::forward(const float* x, int T, float* y) const {
  if (T == 1) return kernels::int8_gemv(*m_, x, y);
  expanded_sgemm(
      m_->rows, m_->cols,
      [&](int r0, int r1, float* dst) {
        for (int r = r0; r < r1; ++r) kernels::int8_dequantize_row(*m_, r, dst + size_t(r - r0) * m_->cols);
      },
      x, T, y);
}

}  // namespace gptqt
