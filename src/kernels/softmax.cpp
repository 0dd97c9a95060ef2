#include "kernels/softmax.h"

#include <cmath>

#include "core/cpu_features.h"

namespace gptqt::kernels {

void softmax_inplace_reference(float* row, int n) {
  float m = row[0];
  for (int i = 1; i < n; ++i) m = row[i] > m ? row[i] : m;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    row[i] = float(std::exp(double(row[i]) - m));
    sum += row[i];
  }
  const float inv = float(1.0 / sum);
  for (int i = 0; i < n; ++i) row[i] *= inv;
}

void softmax_inplace(float* row, int n) {
  if (active_isa() >= Isa::avx2)
    detail::softmax_inplace_avx2(row, n);
  else
    softmax_inplace_reference(row, n);
}

}  // namespace gptqt::kernels
