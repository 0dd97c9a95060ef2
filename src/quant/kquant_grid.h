// The grids of llama.cpp's k-quants (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) as a GridFitter, so
// that the GPTQ solver (or RTN) picks levels llama.cpp then runs exactly (gptqt quantize
// --format): super-blocks of 256 columns share an fp16 d (and dmin); each sub-block of 16
// or 32 columns, the solver's group, has an integer scale sc (and minimum m), so its levels
// are d·sc·(q − zero) or d·sc·q − dmin·m (io/ggml_pack.h).
//
// The solver reaches a super-block's first group with the weights it has compensated so
// far: d and dmin are fixed then, from the whole super-block (its largest sub-block scale on
// the extreme integer, as llama-quantize does), and each group's sc and m when the solver
// reaches that group, from its weights at that point. Types without a minimum are linear
// grids ŵ = |d·sc|·(c − z) with the sign in z (as for Q4_0); those with one are binary
// codings of ŵ = d·sc·c − dmin·m with the nearest-level rule (as for Q4_1).
#pragma once
#include <string>
#include <vector>

#include "io/ggml_pack.h"
#include "quant/grid.h"
#include "quant/quantized_linear.h"

namespace gptqt::quant {

class KQuantFitter final : public GridFitter {
 public:
  // search: choose d, dmin, sc and m by the importance-weighted error (nearby integers
  // tried), not by the min-max formula alone.
  KQuantFitter(GgmlType type, bool search);
  int bits() const override { return grid_.bits; }
  std::string describe() const override;
  int super_block() const override { return kGgmlSuperBlock; }

 protected:
  QuantRule rule() const override { return grid_.has_min ? QuantRule::nearest : QuantRule::linear; }
  void check_group_size(int n) const override;
  void start_super_block(const MatrixView& w, const float* importance) const override;
  void fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const override;

 private:
  GgmlType type_;
  KQuantGrid grid_;
  bool search_;
  // Per row, the current super-block's fp16 d and dmin: written by start_super_block,
  // read by the fits of its groups (a row by one thread at a time).
  mutable std::vector<float> d_, dmin_;
};

// One super-block of one row of a layer quantized with KQuantFitter, as ggml stores it
// (codes q in 0..2^bits − 1). Error when the layer's grid is not the type's.
struct KQuantBlock {
  float d = 0, dmin = 0;
  int sc[16] = {}, m[16] = {};
  int q[kGgmlSuperBlock] = {};
};
KQuantBlock kquant_block_of(const QuantizedLinear& q, GgmlType type, int row, int super_block);

}  // namespace gptqt::quant
