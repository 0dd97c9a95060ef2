// Portable dequantize kernels: the reference for the SIMD paths.
#include "kernels/dequant_kernels.h"
#include "kernels/parallel.h"

namespace gptqt::kernels::detail {

namespace {

// The 32 codes of one packed block (linear_matrix.h).
void unpack_block(const uint32_t* block, int bits, uint8_t* codes) {
  const uint32_t mask = (1u << bits) - 1;
  for (int i = 0; i < kBlockCols; ++i) {
    const int bit = i * bits;
    uint32_t v = block[bit / 32] >> (bit % 32);
    if (bit % 32 + bits > 32) v |= block[bit / 32 + 1] << (32 - bit % 32);
    codes[i] = uint8_t(v & mask);
  }
}

}  // namespace

void dequant_gemm_scalar(const LinearMatrixView& w, const float* Xpad, const float* gsum, int batch, float* Y) {
  const QuantShape s = w.shape();
  const int padded = s.padded_cols();
  const int n_groups = s.n_groups();

#pragma omp parallel for schedule(guided) if (worth_threads(int64_t(batch) * w.rows * w.row_words() * 4))
  for (int r = 0; r < w.rows; ++r) {
    const uint32_t* row = w.row(r);
    for (int v = 0; v < batch; ++v) {
      const float* x = Xpad + int64_t(v) * padded;
      float y = 0.f;
      for (int g = 0; g < n_groups; ++g) {
        float acc = 0.f;
        for (int b = s.group_block_begin(g); b < s.group_block_end(g); ++b) {
          uint8_t codes[kBlockCols];
          unpack_block(row + b * w.bits, w.bits, codes);
          for (int i = 0; i < kBlockCols; ++i) acc += float(codes[i]) * x[b * kBlockCols + i];
        }
        y += w.scale_at(g, r) * (acc - w.zero_at(g, r) * gsum[size_t(v) * n_groups + g]);
      }
      Y[int64_t(v) * w.rows + r] = y;
    }
  }
}

void dequantize_rows_scalar(const LinearMatrixView& w, int r0, int r1, float* out) {
  const QuantShape s = w.shape();
#pragma omp parallel for schedule(guided) if (worth_threads(int64_t(r1 - r0) * w.cols * 4))
  for (int r = r0; r < r1; ++r) {
    float* o = out + int64_t(r - r0) * w.cols;
    for (int b = 0; b < s.blocks(); ++b) {
      uint8_t codes[kBlockCols];
      unpack_block(w.row(r) + b * w.bits, w.bits, codes);
      const int g = s.group_of(b * kBlockCols);
      const float sc = w.scale_at(g, r), z = w.zero_at(g, r);
      for (int i = 0; i < kBlockCols && b * kBlockCols + i < w.cols; ++i) o[b * kBlockCols + i] = sc * (float(codes[i]) - z);
    }
  }
}

void dequantize_rows_scalar(const BcqMatrixView& w, int r0, int r1, float* out) {
  const QuantShape s = w.shape();
#pragma omp parallel for schedule(guided) if (worth_threads(int64_t(r1 - r0) * w.cols * 4))
  for (int r = r0; r < r1; ++r) {
    float* o = out + int64_t(r - r0) * w.cols;
    for (int c = 0; c < w.cols; ++c) {
      const int g = s.group_of(c);
      float v = w.offset_at(g, r);
      for (int j = 0; j < w.bits; ++j) {
        const float a = w.alpha_at(g, j, r);
        v += (w.plane_row(j, r)[c / 32] >> (c % 32) & 1) ? a : -a;
      }
      o[c] = v;
    }
  }
}

}  // namespace gptqt::kernels::detail
