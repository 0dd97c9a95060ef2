// Grids and fitters. A fitter looks at the current weights of one column group (all rows)
// and fits one grid per row; the resulting GroupGrid then quantizes columns of that group
// to their nearest level. RTN calls it once per group; the GPTQ solver calls it at every
// group boundary on the already error-compensated weights.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "quant/quantized_linear.h"

namespace gptqt::quant {

// A strided read-only view of a matrix: element (r, c) is data[r·row_stride + c·col_stride].
struct MatrixView {
  const float* data = nullptr;
  int rows = 0, cols = 0;
  std::ptrdiff_t row_stride = 0, col_stride = 1;
  float operator()(int r, int c) const { return data[r * row_stride + c * col_stride]; }
  MatrixView columns(int begin, int end) const {
    return {data + begin * col_stride, rows, end - begin, row_stride, col_stride};
  }
};

// How a weight is mapped to a level.
enum class QuantRule : uint8_t {
  linear,         // code = clamp(round(w/s) + z, 0, 2^k − 1): the RTN/GPTQ rounding
  nearest,        // code = the nearest of the 2^k levels (BCQ, GPTQT one-rounding)
  two_roundings,  // q = clamp(round(w/s) + z, 0, 2^m − 1) on the intermediate grid, code = map[q]
};

// The per-row grids of one column group. Fitters write alpha/offset (and scale/zero/map when
// the rule needs them) for each row, then call finalize_row(); quantize() reads only
// precomputed tables, so the solver's per-column loop does no allocation and no search.
class GroupGrid {
 public:
  // Sizes every array; capacity is kept, so refitting the next group allocates nothing.
  void reset(int rows, int bits, QuantRule rule, int inter_bits = 0);

  int rows() const { return rows_; }
  int bits() const { return bits_; }
  int levels() const { return 1 << bits_; }
  QuantRule rule() const { return rule_; }

  float& alpha(int bit, int row) { return alpha_[size_t(bit) * rows_ + row]; }
  float& offset(int row) { return offset_[row]; }
  float& scale(int row) { return scale_[row]; }  // linear / two_roundings (the m-bit grid)
  float& zero(int row) { return zero_[row]; }
  uint8_t* map(int row) { return &map_[size_t(row) << inter_bits_]; }  // two_roundings

  // Builds the level table (and the nearest-level search table) of one row.
  void finalize_row(int row);

  // Quantizes one column: w[r] for every row r -> codes[r] and the level value values[r].
  void quantize(const float* w, uint8_t* codes, float* values) const;
  float value(int row, unsigned code) const { return table_[(size_t(row) << bits_) + code]; }

  // Copies this group's alpha/offset (and scale/zero for linear grids) into q.
  void store(QuantizedLinear& q, int group) const;

 private:
  int rows_ = 0, bits_ = 0, inter_bits_ = 0;
  QuantRule rule_ = QuantRule::linear;
  std::vector<float> alpha_, offset_, scale_, zero_;
  std::vector<uint8_t> map_;
  std::vector<float> table_;      // [rows][2^bits] level value by code
  std::vector<float> threshold_;  // [2^bits − 1][rows] midpoints between sorted levels
  std::vector<uint8_t> order_;    // [rows][2^bits] code of the i-th smallest level
};

class GridFitter {
 public:
  virtual ~GridFitter() = default;
  virtual int bits() const = 0;
  virtual std::string describe() const = 0;  // one line for logs

  // Fits one grid per row of w (the group's current weights, rows × n). importance[c] weighs
  // column c (the solver passes H_cc) or is null for plain squared error. Rows in parallel.
  void fit(const MatrixView& w, const float* importance, GroupGrid& grid) const;
  // Fits the group of columns [begin, end) of w (all of a layer's columns, importance indexed
  // alike); where the group starts a super-block, first fixes the super-block's scales.
  // Groups must come in column order: the solver and RTN take them so.
  void fit_group(const MatrixView& w, int begin, int end, const float* importance, GroupGrid& grid) const;

  // llama.cpp's k-quants: groups come in super-blocks of this many columns whose fp16
  // scales are shared, so the group's own scales are integer multiples of them. 0: none.
  virtual int super_block() const { return 0; }

 protected:
  // Fixes the shared scales of the super-block whose current weights are w (all rows).
  virtual void start_super_block(const MatrixView& w, const float* importance) const {}
  virtual QuantRule rule() const = 0;
  virtual int inter_bits() const { return 0; }
  // Whether a row's fit costs enough to spread rows over threads. Cheap fits stay on one
  // thread: waking the team and its spinning afterwards would slow the solver's BLAS calls.
  virtual bool fit_in_parallel() const { return true; }
  // Throws gptqt::Error when groups of n columns cannot be fitted (checked before the rows
  // are fitted in parallel, where an exception could not propagate).
  virtual void check_group_size(int n) const {}
  // Fits row `row` from its n contiguous weights; writes that row of grid (not finalize).
  virtual void fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const = 0;
};

}  // namespace gptqt::quant
