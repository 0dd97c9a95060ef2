// fp32 GEMV, y = W x, rows split over OpenMP threads. OpenBLAS's sgemv opens its
// own parallel region per call; for one token through a small model that is
// ~200 regions per token, which on a loaded 2-core machine stalls for
// milliseconds each. This one shares the caller's OpenMP team and only goes
// parallel for matrices worth it.
#pragma once

namespace gptqt::kernels {

void f32_gemv(const float* W, int rows, int cols, const float* x, float* y);

namespace detail {
void f32_gemv_rows_avx2(const float* W, int cols, const float* x, float* y, int r0, int r1);
}

}  // namespace gptqt::kernels
