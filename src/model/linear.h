// The one interface through which the decoder calls its linear layers:
// Y[T x rows] = X[T x cols] · Wᵀ (+ bias). Backends: dense fp32 (sgemm) here;
// packed binary-coded weights in runtime/.
#pragma once
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/int8_gemm.h"
#include "kernels/lut_layout.h"

namespace gptqt {

class LinearOp {
 public:
  virtual ~LinearOp() = default;
  virtual int rows() const = 0;  // outputs
  virtual int cols() const = 0;  // inputs
  // y = x Wᵀ for T rows of x (row-major, T x cols) into y (T x rows); no bias.
  virtual void forward(const float* x, int T, float* y) const = 0;
  virtual size_t weight_bytes() const = 0;  // what one pass reads from memory
  virtual std::string kind() const = 0;     // "f32", "bcq3g128", ...
  // A layer that multiplies a batch of T through the int8 GEMM gives the column
  // groups it quantizes the input in (0: it does not), and then takes the quantized
  // input in forward_int8: layers of one input share its quantization (q/k/v, gate/up).
  virtual int int8_input_groups(int T) const { return 0; }
  virtual void forward_int8(const kernels::Int8Activations& x, float* y) const {}
  // A layer that multiplies T rows through the LUT kernels gives its packed weights
  // (else nullptr): layers of one input then share the tables and one parallel loop.
  virtual const kernels::BcqPacked* lut_weights(int T) const { return nullptr; }
};

class DenseLinear : public LinearOp {
 public:
  DenseLinear(int rows, int cols, std::vector<float> w);
  int rows() const override { return rows_; }
  int cols() const override { return cols_; }
  void forward(const float* x, int T, float* y) const override;
  size_t weight_bytes() const override { return w_.size() * sizeof(float); }
  std::string kind() const override { return "f32"; }
  const std::vector<float>& weights() const { return w_; }  // row-major rows x cols

 private:
  int rows_, cols_;
  std::vector<float> w_;
};

struct Linear {
  std::unique_ptr<LinearOp> op;
  std::vector<float> bias;  // empty if none
  void forward(const float* x, int T, float* y) const;  // with bias
  void add_bias(int T, float* y) const;
  const DenseLinear* dense() const { return dynamic_cast<const DenseLinear*>(op.get()); }
};

// Each layer's forward of the same input x (T rows). Layers that take the int8 GEMM
// with the same column groups quantize x once between them; layers that take the LUT
// kernels with the same groups share one set of tables and one parallel loop.
void forward_same_input(const float* x, int T, std::initializer_list<std::pair<const Linear*, float*>> layers);

}  // namespace gptqt
