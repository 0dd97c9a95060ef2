#include "kernels/dequantize.h"

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/dequant_kernels.h"

namespace gptqt::kernels {

template <class View>
static void check_rows(const View& w, int row_begin, int row_end, const float* out) {
  w.check();
  GPTQT_CHECK(0 <= row_begin && row_begin <= row_end && row_end <= w.rows && out,
              "dequantize_rows: rows [{}, {}) are not inside a matrix of {} rows", row_begin, row_end, w.rows);
}

void dequantize_rows(const BcqMatrixView& w, int row_begin, int row_end, float* out) {
  check_rows(w, row_begin, row_end, out);
  switch (active_isa()) {
    case Isa::avx512: return detail::dequantize_rows_avx512(w, row_begin, row_end, out);
    case Isa::avx2: return detail::dequantize_rows_avx2(w, row_begin, row_end, out);
    default: return detail::dequantize_rows_scalar(w, row_begin, row_end, out);
  }
}

void dequantize_rows(const LinearMatrixView& w, int row_begin, int row_end, float* out) {
  check_rows(w, row_begin, row_end, out);
  switch (active_isa()) {
    case Isa::avx512: return detail::dequantize_rows_avx512(w, row_begin, row_end, out);
    case Isa::avx2: return detail::dequantize_rows_avx2(w, row_begin, row_end, out);
    default: return detail::dequantize_rows_scalar(w, row_begin, row_end, out);
  }
}

}  // namespace gptqt::kernels
