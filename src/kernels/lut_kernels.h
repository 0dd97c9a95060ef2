// Per-ISA entry points of the LUT kernels (lut_gemv_{scalar,avx2,avx512}.cpp);
// lut_gemv.cpp validates arguments and picks one with active_isa().
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/lut_gemv.h"
#include "kernels/parallel.h"

namespace gptqt::kernels::detail {

// Fills the int8 tables of one input vector: x is zero-padded to the padded row,
// inv_scale[k] = 127 / max |table entry| of segment k (0 for an all-zero segment).
// Every path must produce bit-identical tables: entries are summed as
// ((±x0 ± x1) ± x2) ± x3 and rounded to nearest even.
void lut_fill_tables_scalar(const float* x, const std::vector<LutSegment>& segs,
                            const float* inv_scale, int8_t* tables);
void lut_fill_tables_avx2(const float* x, const std::vector<LutSegment>& segs,
                          const float* inv_scale, int8_t* tables);
void lut_fill_tables_avx512(const float* x, const std::vector<LutSegment>& segs,
                            const float* inv_scale, int8_t* tables);

// Each product's Y from validated weights and matching tables.
void lut_gemm_scalar(std::span<const LutProduct> products, const LutTables& t);
void lut_gemm_avx2(std::span<const LutProduct> products, const LutTables& t);
void lut_gemm_avx512(std::span<const LutProduct> products, const LutTables& t);

// run_tile(w, tile, Y) for every tile of every product, in one parallel loop.
template <class RunTile>
void for_each_lut_tile(std::span<const LutProduct> products, int batch, RunTile&& run_tile) {
  std::array<int, kMaxLutProducts + 1> first{};  // tiles numbered across the products
  int64_t bytes = 0;
  for (size_t p = 0; p < products.size(); ++p) {
    first[p + 1] = first[p] + products[p].w->tiles;
    bytes += products[p].w->weight_bytes();
  }
  const int total = first[products.size()];
#pragma omp parallel for schedule(guided) if (worth_threads(bytes * batch))
  for (int i = 0; i < total; ++i) {
    size_t p = 0;
    while (i >= first[p + 1]) ++p;
    run_tile(*products[p].w, i - first[p], products[p].Y);
  }
}

}  // namespace gptqt::kernels::detail
