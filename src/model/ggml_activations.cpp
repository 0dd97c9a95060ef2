#include "model/ggml_activations.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "io/gguf.h"

namespace gptqt {

ActivationGrid ggml_activation_grid(uint32_t ggml_type) {
  switch (GgmlType(ggml_type)) {
    case GgmlType::F32: return ActivationGrid::f32;
    case GgmlType::F16: return ActivationGrid::f16;
    case GgmlType::BF16: return ActivationGrid::bf16;
    case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0:
    case GgmlType::IQ4_NL: case GgmlType::MXFP4: case GgmlType::NVFP4: case GgmlType::Q1_0:
      return ActivationGrid::q8_0;
    case GgmlType::Q4_1: case GgmlType::Q5_1: return ActivationGrid::q8_1;
    case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
    case GgmlType::IQ2_XXS: case GgmlType::IQ2_XS: case GgmlType::IQ3_XXS: case GgmlType::IQ1_S:
    case GgmlType::IQ3_S: case GgmlType::IQ2_S: case GgmlType::IQ4_XS: case GgmlType::IQ1_M:
    case GgmlType::TQ1_0: case GgmlType::TQ2_0:
      return ActivationGrid::q8_K;
    default: fail("llama.cpp's activation rounding for ggml type {} is not known here", ggml_type_name(ggml_type));
  }
}

std::string activation_grid_name(ActivationGrid g) {
  switch (g) {
    case ActivationGrid::f32: return "f32";
    case ActivationGrid::f16: return "f16";
    case ActivationGrid::bf16: return "bf16";
    case ActivationGrid::q8_0: return "q8_0";
    case ActivationGrid::q8_1: return "q8_1";
    case ActivationGrid::q8_K: return "q8_K";
  }
  return "?";
}

int activation_grid_block(ActivationGrid g) {
  switch (g) {
    case ActivationGrid::q8_0: case ActivationGrid::q8_1: return 32;
    case ActivationGrid::q8_K: return 256;
    default: return 1;
  }
}

namespace {

// ggml's quantize_row_q8_0 / q8_1 (x86): d = amax/127 is stored as fp16, the codes
// are x·(127/amax) rounded to nearest even. Q8_1 also stores fp16(d·Σq) for the
// weights' minimum; using the rounded values' own sum instead differs by that fp16
// rounding, a relative 5e-4 of the minimum's term.
void round_q8_0(float* x) {
  float amax = 0;
  for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float d = round_to_f16(amax / 127.f), id = amax != 0 ? 127.f / amax : 0.f;
  for (int i = 0; i < 32; ++i) x[i] = d * std::nearbyint(x[i] * id);
}

// ggml's quantize_row_q8_K_ref: the scale comes from the element of largest
// magnitude with its sign, iscale = -127/max (so that element maps to -127 and
// codes stop at +127), d = 1/iscale in fp32.
void round_q8_K(float* x) {
  float amax = 0, max = 0;
  for (int i = 0; i < 256; ++i)
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  if (amax == 0) {
    std::fill_n(x, 256, 0.f);
    return;
  }
  const float iscale = -127.f / max, d = 1 / iscale;
  for (int i = 0; i < 256; ++i) x[i] = d * std::min(127.f, std::nearbyint(iscale * x[i]));
}

}  // namespace

void round_activations(ActivationGrid g, float* x, int64_t n) {
  const int block = activation_grid_block(g);
  GPTQT_CHECK(n % block == 0, "internal: {} activations do not fill blocks of {}", n, block);
  switch (g) {
    case ActivationGrid::f32: return;
    case ActivationGrid::f16:
      for (int64_t i = 0; i < n; ++i) x[i] = round_to_f16(x[i]);
      return;
    case ActivationGrid::bf16:
      for (int64_t i = 0; i < n; ++i) x[i] = bf16_to_f32(f32_to_bf16(x[i]));
      return;
    case ActivationGrid::q8_0: case ActivationGrid::q8_1:
      for (int64_t i = 0; i < n; i += 32) round_q8_0(x + i);
      return;
    case ActivationGrid::q8_K:
      for (int64_t i = 0; i < n; i += 256) round_q8_K(x + i);
      return;
  }
}

namespace {

class RoundedInputLinear : public LinearOp {
 public:
  RoundedInputLinear(std::unique_ptr<LinearOp> op, ActivationGrid grid) : op_(std::move(op)), grid_(grid) {}
  int rows() const override { return op_->rows(); }
  int cols() const override { return op_->cols(); }
  void forward(const float* x, int T, float* y) const override {
    const int64_t n = int64_t(T) * cols();
    thread_local std::vector<float> rounded;
    rounded.assign(x, x + n);
    round_activations(grid_, rounded.data(), n);
    op_->forward(rounded.data(), T, y);
  }
  size_t weight_bytes() const override { return op_->weight_bytes(); }
  std::string kind() const override { return op_->kind() + "+" + activation_grid_name(grid_); }

 private:
  std::unique_ptr<LinearOp> op_;
  ActivationGrid grid_;
};

}  // namespace

std::unique_ptr<LinearOp> with_ggml_activations(std::unique_ptr<LinearOp> op, uint32_t ggml_type,
                                                const std::string& what) {
  ActivationGrid g;
  try {
    g = ggml_activation_grid(ggml_type);
  } catch (const Error& e) {
    fail("{}: {}", what, e.what());
  }
  if (g == ActivationGrid::f32) return op;
  GPTQT_CHECK(op->cols() % activation_grid_block(g) == 0, "{}: a {} weight with {} columns: not whole blocks of {}",
              what, ggml_type_name(ggml_type), op->cols(), activation_grid_block(g));
  return std::make_unique<RoundedInputLinear>(std::move(op), g);
}

}  // namespace gptqt
