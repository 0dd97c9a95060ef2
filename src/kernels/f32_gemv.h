// fp32 GEMV, y = W x, rows split over OpenMP threads. OpenBLAS's sgemv opens its
// own parallel region per call; for one token through a small model that is
// ~200 regions per token, which on a loaded 2-core machine stalls for
// milliseconds each. This one shares the caller's OpenMP team and only goes
// parallel for matrices worth it.
#pragma once
#include <cstdint>

namespace gptqt::kernels {

void f32_gemv(const float* W, int rows, int cols, const float* x, float* y);

// Small products on the calling thread for m vectors at once (the query heads that
// share a key/value head), rows of W `ld` floats apart (a head's keys or values in
// the KV cache), each row read from memory once for all m vectors:
//   Y[v][r] = scale · W_r · X_v   (X: m x cols; Y: m rows of ldy floats)
//   Y[v] = Σ_r P[v][r] · W_r      (P: m rows of ldp floats; Y: m x cols)
void f32_rows_dot(const float* W, int64_t ld, int rows, int cols, const float* X, int m, float scale, float* Y,
                  int64_t ldy);
void f32_rows_combine(const float* W, int64_t ld, int rows, int cols, const float* P, int64_t ldp, int m, float* Y);
// The same over rows of IEEE fp16 (an fp16 KV cache), in fp32 arithmetic.
void f32_rows_dot(const uint16_t* W, int64_t ld, int rows, int cols, const float* X, int m, float scale, float* Y,
                  int64_t ldy);
void f32_rows_combine(const uint16_t* W, int64_t ld, int rows, int cols, const float* P, int64_t ldp, int m,
                      float* Y);

namespace detail {
template <class E>  // float or uint16_t (fp16 bits)
void f32_rows_dot_avx2(const E* W, int64_t ld, int rows, int cols, const float* X, int m, float scale, float* Y,
                       int64_t ldy);
template <class E>
void f32_rows_combine_avx2(const E* W, int64_t ld, int rows, int cols, const float* P, int64_t ldp, int m, float* Y);
}  // namespace detail

}  // namespace gptqt::kernels
