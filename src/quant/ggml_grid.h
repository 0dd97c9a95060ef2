// The grids of llama.cpp's legacy block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) as a
// GridFitter, so that the GPTQ solver (or RTN) picks levels llama.cpp then runs
// exactly (gptqt quantize --format): groups of 32, one fp16 scale d per group
// (and an fp16 minimum m for the _1 types), codes of 4, 5 or 8 bits.
//
// The _0 types are linear grids ŵ = s·(c − z) with s = |d|: ggml's levels d·(q − 2^(k−1))
// with d < 0 are the same set as s·(c − (2^(k−1) − 1)) with c = 2^k − 1 − q, so the sign
// of d is carried by z (2^(k−1) for d > 0, one less for d < 0); Q8_0 is s·(c − 128).
// The _1 types are ŵ = m + d·c, held as a binary coding (α_j = d·2^(j−1),
// offset = m + d·(2^k − 1)/2) with the nearest-level rule.
#pragma once
#include <string>

#include "io/gguf.h"
#include "quant/grid.h"
#include "quant/quantized_linear.h"

namespace gptqt::quant {

class GgmlFitter final : public GridFitter {
 public:
  // search: choose d (and m) per group to minimise the importance-weighted squared
  // error (as llama.cpp does with an importance matrix), not llama-quantize's
  // min-max formula alone.
  GgmlFitter(GgmlType type, bool search);
  int bits() const override;
  std::string describe() const override;
  GgmlType type() const { return type_; }

 protected:
  QuantRule rule() const override;
  void check_group_size(int n) const override;
  void fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const override;

 private:
  GgmlType type_;
  bool search_;
};

// One group of one row of a layer quantized with GgmlFitter, as ggml stores it:
// fp16 d and m, and ggml's codes (Q4_0 / Q5_0: 0..2^k − 1 around 2^(k−1); Q8_0: −128..127).
// Error when the layer's grid is not the type's (another method, another group size).
struct GgmlBlock {
  float d = 0, m = 0;
  int q[32];
};
GgmlBlock ggml_block_of(const QuantizedLinear& q, GgmlType type, int row, int group);

}  // namespace gptqt::quant
