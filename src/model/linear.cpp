#include "model/linear.h"

#include <cblas.h>

#include "core/error.h"
#include "kernels/f32_gemv.h"

namespace gptqt {

DenseLinear::DenseLinear(int rows, int cols, std::vector<float> w) : rows_(rows), cols_(cols), w_(std::move(w)) {
  GPTQT_CHECK(w_.size() == size_t(rows) * size_t(cols), "linear layer: {} weights for a {}x{} matrix", w_.size(),
              rows, cols);
}

void DenseLinear::forward(const float* x, int T, float* y) const {
  if (T == 1)
    kernels::f32_gemv(w_.data(), rows_, cols_, x, y);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, rows_, cols_, 1.f, x, cols_, w_.data(), cols_, 0.f, y,
                rows_);
}

void Linear::forward(const float* x, int T, float* y) const {
  op->forward(x, T, y);
  add_bias(T, y);
}

void Linear::add_bias(int T, float* y) const {
  if (bias.empty()) return;
  const int n = op->rows();
  for (int t = 0; t < T; ++t)
    for (int r = 0; r < n; ++r) y[size_t(t) * n + r] += bias[r];
}

void forward_same_input(const float* x, int T, std::initializer_list<std::pair<const Linear*, float*>> layers) {
  thread_local kernels::Int8Activations shared;
  int quantized_groups = 0;  // the groups `shared` holds x in for this call (0: none yet)
  for (const auto& [layer, y] : layers) {
    const int groups = layer->op->int8_input_groups(T);
    if (groups == 0) {
      layer->forward(x, T, y);
      continue;
    }
    if (groups != quantized_groups) {
      kernels::quantize_activations(x, T, layer->op->cols(), groups, shared);
      quantized_groups = groups;
    }
    layer->op->forward_int8(shared, y);
    layer->add_bias(T, y);
  }
}

}  // namespace gptqt
