// The shape rules shared by every packed weight format of this module.
//
// A quantized linear layer y = W x has `rows` outputs and `cols` inputs. Its
// quantization parameters are per (group, row), where the groups cut each row
// into runs of `group_size` consecutive columns: [0, g), [g, 2g), ...; the last
// group may be shorter (SmolLM2's 576 columns with g = 128 end in a group of 64).
// group_size is a multiple of 32, or -1 (or cols) for one group per row. Codes are
// stored in blocks of 32 columns, so a row is padded to a multiple of 32 columns
// with zero bits; kernels treat padded columns as absent.
#pragma once
#include <cstddef>
#include <cstdint>

namespace gptqt::kernels {

inline constexpr int kBlockCols = 32;  // columns per packed code block

struct QuantShape {
  int rows = 0;
  int cols = 0;
  int bits = 0;
  int group_size = -1;  // -1 or cols: the whole row is one group

  // Throws gptqt::Error naming `what` unless the shape is usable with bits in
  // [min_bits, max_bits].
  void check(const char* what, int min_bits, int max_bits) const;

  bool whole_row() const { return group_size == -1 || group_size >= cols; }
  int blocks() const { return (cols + kBlockCols - 1) / kBlockCols; }
  int padded_cols() const { return blocks() * kBlockCols; }
  // Width of every group but possibly the last.
  int group_cols() const { return whole_row() ? cols : group_size; }
  int n_groups() const { return (cols + group_cols() - 1) / group_cols(); }
  int group_of(int col) const { return col / group_cols(); }
  int group_begin(int g) const { return g * group_cols(); }
  int group_end(int g) const {
    int e = (g + 1) * group_cols();
    return e < cols ? e : cols;
  }
  // Blocks [block_begin, block_end) hold the group's columns (the last one padded).
  int group_block_begin(int g) const { return group_begin(g) / kBlockCols; }
  int group_block_end(int g) const { return (group_end(g) + kBlockCols - 1) / kBlockCols; }
};

}  // namespace gptqt::kernels
