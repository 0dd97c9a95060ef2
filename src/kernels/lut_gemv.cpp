#include "kernels/lut_gemv.h"

#include <algorithm>
#include <cmath>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/lut_kernels.h"
#include "kernels/parallel.h"
#include "kernels/vector_sums.h"

namespace gptqt::kernels {

namespace {

// Largest |table entry| of a segment: the all-agreeing sign pattern, |x0|+|x1|+|x2|+|x3|,
// summed in the same order as the entries so that no entry can exceed it.
float segment_max(const float* x, int n) {
  float m = 0.f;
  for (int c = 0; c < n; c += 4) {
    const float a = ((std::fabs(x[c]) + std::fabs(x[c + 1])) + std::fabs(x[c + 2])) + std::fabs(x[c + 3]);
    m = std::max(m, a);
  }
  return m;
}

void fill_tables(const float* x, const std::vector<LutSegment>& segs, const float* inv, int8_t* tables) {
  switch (active_isa()) {
    case Isa::avx512: return detail::lut_fill_tables_avx512(x, segs, inv, tables);
    case Isa::avx2: return detail::lut_fill_tables_avx2(x, segs, inv, tables);
    default: return detail::lut_fill_tables_scalar(x, segs, inv, tables);
  }
}

// Tables, segment scales and group sums of input vector v (t already sized).
void build_vector_tables(const float* x, int v, LutTables& t) {
  const QuantShape& shape = t.shape;
  const int n_segs = int(t.segments.size());
  const int n_groups = shape.n_groups();
  // Zero-padded copy of the input: padded columns then contribute nothing.
  thread_local AlignedVector<float> xpad;
  thread_local std::vector<float> inv;
  xpad.assign(shape.padded_cols(), 0.f);
  std::copy_n(x, shape.cols, xpad.begin());
  float* gsum = t.group_sum.data() + size_t(v) * n_groups;
  for (int g = 0; g < n_groups; ++g)
    gsum[g] = sum8(xpad.data() + shape.group_begin(g), shape.group_end(g) - shape.group_begin(g));
  // After the group sums: the offset term still sees every input.
  t.n_outliers[v] = extract_outliers(xpad.data(), shape.cols, t.outliers.data() + size_t(v) * kMaxOutliers);
  inv.resize(n_segs);
  float* scale = t.seg_scale.data() + size_t(v) * n_segs;
  for (int k = 0; k < n_segs; ++k) {
    const LutSegment& s = t.segments[k];
    const float m = segment_max(xpad.data() + s.pair_begin * kLutPairCols, s.n_pairs * kLutPairCols);
    scale[k] = m / 127.f;
    inv[k] = m > 0.f ? 127.f / m : 0.f;
  }
  fill_tables(xpad.data(), t.segments, inv.data(), t.tables.data() + v * t.vector_table_bytes());
}

}  // namespace

void build_lut_tables(const float* X, int batch, int cols, int group_size, LutTables& t) {
  const QuantShape shape{1, cols, 1, group_size};
  shape.check("LUT tables", 1, 4);
  GPTQT_CHECK(batch >= 1 && X, "LUT tables: need at least one input vector");
  if (!(t.shape.cols == cols && t.shape.group_cols() == shape.group_cols()))
    t.segments = lut_segments(shape);
  t.shape = shape;
  t.batch = batch;
  t.tables.resize(size_t(batch) * t.vector_table_bytes());
  t.seg_scale.resize(size_t(batch) * t.segments.size());
  t.group_sum.resize(size_t(batch) * shape.n_groups());
  t.outliers.resize(size_t(batch) * kMaxOutliers);
  t.n_outliers.resize(batch);

  // Only a batch is worth a team; one vector (token generation) opens no OpenMP
  // region at all, so a GEMV starts exactly one team.
  if (batch > 1 && worth_threads(batch * t.vector_table_bytes())) {
#pragma omp parallel for schedule(static)
    for (int v = 0; v < batch; ++v) build_vector_tables(X + int64_t(v) * cols, v, t);
  } else {
    for (int v = 0; v < batch; ++v) build_vector_tables(X + int64_t(v) * cols, v, t);
  }
}

void lut_gemm(std::span<const LutProduct> products, const LutTables& t) {
  GPTQT_CHECK(!products.empty() && products.size() <= size_t(kMaxLutProducts),
              "lut_gemm: {} matrices in one call (1 to {})", products.size(), kMaxLutProducts);
  GPTQT_CHECK(t.batch > 0, "lut_gemm: the tables hold no input");
  for (const LutProduct& p : products) {
    const BcqPacked& w = *p.w;
    GPTQT_CHECK(w.tiles > 0 && !w.signs.empty(), "lut_gemm: weights were not packed");
    GPTQT_CHECK(t.shape.cols == w.shape.cols && t.shape.group_cols() == w.shape.group_cols(),
                "lut_gemm: tables for {} columns in groups of {} do not fit weights {}x{} in groups of {}",
                t.shape.cols, t.shape.group_cols(), w.shape.rows, w.shape.cols, w.shape.group_cols());
  }
  switch (active_isa()) {
    case Isa::avx512: return detail::lut_gemm_avx512(products, t);
    case Isa::avx2: return detail::lut_gemm_avx2(products, t);
    default: return detail::lut_gemm_scalar(products, t);
  }
}

void lut_gemm(const BcqPacked& w, const LutTables& t, float* Y) {
  const LutProduct one{&w, Y};
  lut_gemm(std::span(&one, 1), t);
}

void lut_gemm(const BcqPacked& w, const float* X, int batch, float* Y) {
  thread_local LutTables scratch;
  build_lut_tables(X, batch, w.shape.cols, w.shape.group_size, scratch);
  lut_gemm(w, scratch, Y);
}

void lut_gemv(const BcqPacked& w, const float* x, float* y) { lut_gemm(w, x, 1, y); }

}  // namespace gptqt::kernels
