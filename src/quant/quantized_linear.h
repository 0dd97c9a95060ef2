// The common output of every quantizer: binary coding with offset per (row, group),
//   ŵ = offset + Σ_{j<bits} alpha_j · c_j,   c_j ∈ {−1, +1},
// stored as one level index ("code") per weight whose bit j is (c_j + 1)/2.
// Linear grids (RTN/GPTQ) are a special case (alpha_j = s·2^(j−1), see linear_grid.h)
// and additionally keep their scale/zero so that export to the GPTQ format stays possible.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gptqt::quant {

constexpr int kMaxBits = 8;  // codes are uint8_t

// Groups of `group_size` consecutive columns (in processing order); the last group may be
// shorter (cols need not be a multiple of group_size). group_size = -1: one group per row.
struct GroupLayout {
  int cols = 0, group_size = -1;
  int size() const { return group_size > 0 ? group_size : cols; }
  int count() const { return cols == 0 ? 0 : (cols + size() - 1) / size(); }
  int begin(int group) const { return group * size(); }
  int end(int group) const { return std::min(begin(group) + size(), cols); }
  bool starts_group(int col) const { return col % size() == 0; }
};

// Value of level `code` of a binary coding. Every producer and consumer of levels goes
// through this one function, so the solver's error feedback and dequantize() agree bit for bit.
inline float level_value(const float* alpha, std::ptrdiff_t alpha_stride, float offset, int bits,
                         unsigned code) {
  float v = offset;
  for (int j = 0; j < bits; ++j) v += ((code >> j) & 1u) ? alpha[j * alpha_stride] : -alpha[j * alpha_stride];
  return v;
}

struct QuantizedLinear {
  int rows = 0, cols = 0, bits = 0, group_size = -1;
  std::vector<uint8_t> codes;   // [rows][cols], ORIGINAL column order
  std::vector<float> alpha;     // [n_groups][bits][rows]
  std::vector<float> offset;    // [n_groups][rows]
  std::vector<float> scale;     // [n_groups][rows], linear grids only (else empty)
  std::vector<float> zero;      // [n_groups][rows], linear grids only (else empty)
  // Act-order: perm[i] is the original column processed i-th; empty means identity.
  std::vector<int> perm;
  // True when groups are runs of consecutive columns in perm order (act-order without static
  // groups, as in the GPTQ reference); false when groups are runs of original columns.
  bool groups_follow_perm = false;

  GroupLayout layout() const { return {cols, group_size}; }
  int n_groups() const { return layout().count(); }
  bool has_linear_params() const { return !scale.empty(); }
  // Group of every original column (GPTQ's g_idx).
  std::vector<int> group_index() const;
  // Level value of weight (row, col) in original column order; `gidx` from group_index().
  float value(int row, int col, const std::vector<int>& gidx) const;
};

// Allocates every array for the given shape (codes zeroed, no linear params, no perm).
QuantizedLinear make_quantized_linear(int rows, int cols, int bits, int group_size);

// Throws gptqt::Error when arrays disagree with the shape or perm is not a permutation.
void validate(const QuantizedLinear& q);

// The dense fp32 matrix (rows × cols, row-major, original column order).
std::vector<float> dequantize(const QuantizedLinear& q);

}  // namespace gptqt::quant
