// A linear layer held in 8 bits (per-32-column scales): the output head at
// generation time. Single tokens run the int8 GEMV; batches dequantize row
// tiles for sgemm.
#pragma once
#include <memory>

#include "kernels/int8_gemv.h"
#include "model/linear.h"

namespace gptqt {

class Int8Linear : public LinearOp {
 public:
  // Shared: a tied head's matrix also serves the token embeddings.
  explicit Int8Linear(std::shared_ptr<const kernels::Int8Matrix> m) : m_(std::move(m)) {}
  int rows() const override { return m_->rows; }
  int cols() const override { return m_->cols; }
  void forward(const float* x, int T, float* y) const override;
  size_t weight_bytes() const override { return m_->q.size() + m_->scale.size() * 4; }
  std::string kind() const override { return "int8"; }
  const kernels::Int8Matrix& matrix() const { return *m_; }

 private:
  std::shared_ptr<const kernels::Int8Matrix> m_;
};

}  // namespace gptqt
