// One quantized linear layer as the packed model format stores it
// (docs/format.md): sign planes packed 32 per word along the input dimension,
// alpha[group][bit][row], offset[group][row], and for linear grids also the
// integer grid's scale and zero. When act-order grouped columns by a
// permutation, the columns are stored permuted (perm[i] = original column of
// stored column i) so that every group is a run of stored columns; the
// runtime permutes the input vector instead of the weights.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/bcq_matrix.h"

namespace gptqt {

class SafetensorsFile;
class SafetensorsWriter;

struct PackedLinear {
  int rows = 0, cols = 0, bits = 0, group_size = -1;
  std::vector<uint32_t> planes;  // [bits][rows][ceil(cols/32)]
  std::vector<float> alpha;      // [n_groups][bits][rows]
  std::vector<float> offset;     // [n_groups][rows]
  std::vector<float> scale, zero;  // [n_groups][rows], linear grids only
  std::vector<int32_t> perm;     // [cols] or empty

  int n_groups() const;
  kernels::BcqMatrixView view() const {
    return {rows, cols, bits, group_size, planes.data(), alpha.data(), offset.data()};
  }
  // Dense rows x cols in the original column order.
  std::vector<float> dequantize() const;
  // Throws Error when the arrays disagree with the shape, or perm is not a permutation.
  void check(const std::string& what) const;
  // Bits per weight of what inference reads: planes + fp16 alpha and offset (+ perm).
  double bits_per_weight() const;
  // The same for a layer of this shape, before it exists (the bit planner's costs).
  static double bits_per_weight(int rows, int cols, int bits, int group_size, bool permuted);
};

// Tensors "<prefix>.shape" (I32: rows, cols, bits, group_size), ".planes" (U32),
// ".alpha", ".offset", ".scale", ".zero" (F16 or F32), ".perm" (I32).
void write_packed_linear(SafetensorsWriter& out, const std::string& prefix, const PackedLinear& q, bool fp16);
bool has_packed_linear(const SafetensorsFile& f, const std::string& prefix);
PackedLinear read_packed_linear(const SafetensorsFile& f, const std::string& prefix);

}  // namespace gptqt
