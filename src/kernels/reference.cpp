#include "kernels/reference.h"

#include <cstdint>

namespace gptqt::kernels {

void gemv_f32_reference(const float* W, int rows, int cols, const float* x, float* y) {
  for (int r = 0; r < rows; ++r) {
    const float* w = W + int64_t(r) * cols;
    float s = 0.f;
    for (int c = 0; c < cols; ++c) s += w[c] * x[c];
    y[r] = s;
  }
}

}  // namespace gptqt::kernels
