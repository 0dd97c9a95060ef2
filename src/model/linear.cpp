#include "model/linear.h"

#include "core/error.h"
#include "kernels/f32_gemm.h"
#include "kernels/f32_gemv.h"
#include "kernels/lut_gemv.h"

namespace gptqt {

DenseLinear::DenseLinear(int rows, int cols, std::vector<float> w) : rows_(rows), cols_(cols), w_(std::move(w)) {
  GPTQT_CHECK(w_.size() == size_t(rows) * size_t(cols), "linear layer: {} weights for a {}x{} matrix", w_.size(),
              rows, cols);
}

void DenseLinear::forward(const float* x, int T, float* y) const {
  if (T == 1)
    kernels::f32_gemv(w_.data(), rows_, cols_, x, y);
  else
    kernels::f32_gemm_nt(T, rows_, cols_, 1.f, x, cols_, w_.data(), cols_, y, rows_);
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
  thread_local kernels::LutTables tables;
  int quantized_groups = 0;  // the groups `shared` holds x in for this call (0: none yet)
  // LUT layers waiting for their tables, all of one group size.
  kernels::LutProduct lut[kernels::kMaxLutProducts];
  const Linear* lut_layer[kernels::kMaxLutProducts];
  int n_lut = 0;
  auto run_lut = [&] {
    if (n_lut == 0) return;
    const kernels::QuantShape& s = lut[0].w->shape;
    kernels::build_lut_tables(x, T, s.cols, s.group_size, tables);
    kernels::lut_gemm(std::span(lut, size_t(n_lut)), tables);
    for (int i = 0; i < n_lut; ++i) lut_layer[i]->add_bias(T, lut[i].Y);
    n_lut = 0;
  };
  for (const auto& [layer, y] : layers) {
    if (const kernels::BcqPacked* w = layer->op->lut_weights(T)) {
      if (n_lut == kernels::kMaxLutProducts || (n_lut > 0 && w->shape.group_cols() != lut[0].w->shape.group_cols()))
        run_lut();
      lut[n_lut] = {w, y};
      lut_layer[n_lut++] = layer;
      continue;
    }
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
  run_lut();
}

}  // namespace gptqt
