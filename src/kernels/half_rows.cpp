#include "kernels/half_rows.h"

#include "core/cpu_features.h"
#include "core/half.h"

namespace gptqt::kernels {

void f16_to_f32_row(const uint16_t* in, int64_t n, float* out) {
  if (active_isa() >= Isa::avx2) return detail::f16_to_f32_row_avx2(in, n, out);
  for (int64_t i = 0; i < n; ++i) out[i] = f16_to_f32(in[i]);
}

void f32_to_f16_row(const float* in, int64_t n, uint16_t* out) {
  if (active_isa() >= Isa::avx2) return detail::f32_to_f16_row_avx2(in, n, out);
  for (int64_t i = 0; i < n; ++i) out[i] = f32_to_f16(in[i]);
}

}  // namespace gptqt::kernels
