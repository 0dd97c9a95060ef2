#include "kernels/silu.h"

#include <cmath>

#include "core/cpu_features.h"

namespace gptqt::kernels {

void silu_gated_reference(float* x, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = x[i] / (1.f + std::exp(-x[i])) * up[i];
}

void silu_gated(float* x, const float* up, size_t n) {
  if (active_isa() >= Isa::avx2)
    detail::silu_gated_avx2(x, up, n);
  else
    silu_gated_reference(x, up, n);
}

}  // namespace gptqt::kernels
