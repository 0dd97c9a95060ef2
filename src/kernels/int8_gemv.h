// 8-bit weights with one fp32 scale per 32 consecutive columns of a row (the
// layout of ggml's Q8_0, so a Q8_0 tensor converts without loss): y = W x.
// Used for the output head at generation time, where fp32 would read 4x the bytes.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/weight_arena.h"

namespace gptqt::kernels {

struct Int8Matrix {
  int rows = 0, cols = 0;
  WeightVector<int8_t> q;     // [rows][blocks * 32], padding columns hold 0
  std::vector<float> scale;   // [rows][blocks]
  int blocks() const { return (cols + 31) / 32; }
};

// Per block of 32: scale = max|w| / 127, q = round(w / scale).
Int8Matrix quantize_int8(const float* W, int rows, int cols);
void int8_gemv(const Int8Matrix& w, const float* x, float* y);
// out[c] = scale · q of row r: exactly the weights the GEMV multiplies.
void int8_dequantize_row(const Int8Matrix& w, int r, float* out);
void int8_gemv_reference(const Int8Matrix& w, const float* x, float* y);

namespace detail {
void int8_gemv_rows_avx2(const Int8Matrix& w, const float* xpad, float* y, int r0, int r1);
}

}  // namespace gptqt::kernels
