#include "quant/rtn.h"

#include <vector>

#include "quant/matrix_util.h"

namespace gptqt::quant {

QuantizedLinear quantize_rtn(const float* w, int rows, int cols, const GridFitter& fitter, int group_size,
                             const float* importance) {
  QuantizedLinear q = make_quantized_linear(rows, cols, fitter.bits(), group_size);
  check_finite(w, rows, cols, "rtn: weight matrix");
  // Columns contiguous, as GroupGrid::quantize wants them.
  std::vector<float> wt(size_t(rows) * cols), values(rows);
  transpose(w, rows, cols, wt.data());
  std::vector<uint8_t> codes_t(size_t(rows) * cols);
  GroupGrid grid;
  const GroupLayout layout = q.layout();
  for (int g = 0; g < layout.count(); ++g) {
    const int begin = layout.begin(g), end = layout.end(g);
    fitter.fit_group(MatrixView{w, rows, cols, cols, 1}, begin, end, importance, grid);
    grid.store(q, g);
    for (int c = begin; c < end; ++c) grid.quantize(&wt[size_t(c) * rows], &codes_t[size_t(c) * rows], values.data());
  }
  transpose(codes_t.data(), cols, rows, q.codes.data());
  return q;
}

}  // namespace gptqt::quant
