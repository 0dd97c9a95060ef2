// Table-lookup GEMV/GEMM for binary-coded weights (LUT-GEMM / T-MAC style):
// y = Ŵ x with Ŵ in BcqPacked layout (lut_layout.h). The scalar, AVX2 and AVX-512
// paths compute the same int8-table arithmetic and are chosen by active_isa();
// rows are split over OpenMP threads. The int8 tables add a small, bounded error
// against the exact product (docs/kernels.md, "Accuracy"); the few inputs far above
// the rest (LLM outlier channels) are kept out of the tables and multiplied in fp32.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/activation_outliers.h"
#include "kernels/aligned_vector.h"
#include "kernels/lut_layout.h"
#include "kernels/quant_shape.h"

namespace gptqt::kernels {

// The lookup tables of a batch of input vectors for weights with a given column
// count and group size. Build once per input, reuse for every matrix that reads it
// (q/k/v, gate/up); reusing one object also reuses its memory.
struct LutTables {
  QuantShape shape;  // cols and group_size of the weights served (rows, bits unused)
  int batch = 0;
  std::vector<LutSegment> segments;
  AlignedVector<int8_t> tables;  // [batch][padded_cols / 16][128], lut_layout.h
  std::vector<float> seg_scale;  // [batch][segments]: table entry ≈ int8 · scale
  std::vector<float> group_sum;  // [batch][n_groups]: Σ x over the group (offset term)
  // [batch][kMaxOutliers], in column order; their columns are zero in the tables
  std::vector<ActivationOutlier> outliers;
  std::vector<int> n_outliers;  // [batch]

  int64_t vector_table_bytes() const { return int64_t(shape.padded_cols()) / kLutPairCols * kLutTableBytes; }
  const int8_t* vector_tables(int v) const { return tables.data() + v * vector_table_bytes(); }
  const float* vector_seg_scale(int v) const { return seg_scale.data() + size_t(v) * segments.size(); }
  const float* vector_group_sum(int v) const {
    return group_sum.data() + size_t(v) * shape.n_groups();
  }
  const ActivationOutlier* vector_outliers(int v) const { return outliers.data() + size_t(v) * kMaxOutliers; }
};

// X is batch x cols, row-major.
void build_lut_tables(const float* X, int batch, int cols, int group_size, LutTables& out);

// Y (batch x rows, row-major) = X Ŵᵀ from prebuilt tables; throws gptqt::Error if
// the tables were built for another column count or group size.
void lut_gemm(const BcqPacked& w, const LutTables& tables, float* Y);

// One matrix of a shared-input call and where its output goes.
struct LutProduct {
  const BcqPacked* w;
  float* Y;  // batch x w->shape.rows
};
inline constexpr int kMaxLutProducts = 4;
// Up to kMaxLutProducts matrices of the same input (q/k/v, gate/up) from one set of
// tables, in one parallel loop over all their tiles: a generated token's small
// matrices then start one OpenMP team between them instead of one each, and the
// threads share out the tiles of all of them.
void lut_gemm(std::span<const LutProduct> products, const LutTables& tables);
// Convenience forms that build the tables in a per-thread scratch object.
void lut_gemm(const BcqPacked& w, const float* X, int batch, float* Y);
void lut_gemv(const BcqPacked& w, const float* x, float* y);

}  // namespace gptqt::kernels
