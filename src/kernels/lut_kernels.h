// Per-ISA entry points of the LUT kernels (lut_gemv_{scalar,avx2,avx512}.cpp);
// lut_gemv.cpp validates arguments and picks one with active_isa().
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/lut_gemv.h"

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

// Y (batch x rows) from validated weights and matching tables; threaded over tiles.
void lut_gemm_scalar(const BcqPacked& w, const LutTables& t, float* Y);
void lut_gemm_avx2(const BcqPacked& w, const LutTables& t, float* Y);
void lut_gemm_avx512(const BcqPacked& w, const LutTables& t, float* Y);

}  // namespace gptqt::kernels::detail
