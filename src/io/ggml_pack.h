// Writing ggml's block types: the legacy 32-weight types (Q4_0, Q4_1, Q5_0, Q5_1,
// Q8_0) from a block's fp16 scale d, fp16 minimum m and integer codes, and the
// k-quants (Q2_K..Q6_K, below), in the bit layouts io/ggml_blocks.cpp reads (and
// llama.cpp runs).
//   Q4_0: x = d*(q - 8),  q in 0..15      Q4_1: x = d*q + m, q in 0..15
//   Q5_0: x = d*(q - 16), q in 0..31      Q5_1: x = d*q + m, q in 0..31
//   Q8_0: x = d*q,        q in -128..127
#pragma once
#include <cstdint>

#include "io/gguf.h"

namespace gptqt {

constexpr int kGgmlLegacyBlock = 32;

// Whether `t` is one of the five types above.
bool is_ggml_legacy_type(GgmlType t);
// Bits per code (4, 5 or 8) and whether the type stores a minimum (Q4_1, Q5_1).
int ggml_legacy_bits(GgmlType t);
bool ggml_legacy_has_min(GgmlType t);
// Q4_0 / Q5_0: the code of zero (8, 16); Q8_0: 0; the _1 types: none (-1).
int ggml_legacy_zero(GgmlType t);

// d and m are rounded to fp16 here; callers that need exact levels pass fp16 values.
// q: 32 codes in the ranges above (Error otherwise). m is ignored by the types without a minimum.
void pack_ggml_block(GgmlType t, float d, float m, const int* q, uint8_t* out);

// The k-quants: super-blocks of 256 weights with fp16 d (and dmin), in sub-blocks of 16
// or 32 weights that each have an integer scale sc (and minimum m):
//   Q2_K, Q4_K, Q5_K: x = d*sc*q - dmin*m       Q3_K, Q6_K: x = d*sc*(q - zero)
// (ggml computes d*sc and dmin*m in fp32 first, then the level.)
constexpr int kGgmlSuperBlock = 256;

struct KQuantGrid {
  int bits = 0;          // per code q, 0..2^bits - 1
  int sub_block = 0;     // weights per sc (16 or 32)
  bool has_min = false;  // Q2_K, Q4_K, Q5_K
  int zero = 0;          // the code of zero where there is no minimum (Q3_K 4, Q6_K 32)
  int sc_lo = 0, sc_hi = 0;  // sc's range: Q3_K -32..31, Q6_K -128..127, else 0..2^(scale bits) - 1
  int m_hi = 0;              // m's range 0..m_hi (types with a minimum)
  int sub_blocks() const { return kGgmlSuperBlock / sub_block; }
};

bool is_ggml_kquant_type(GgmlType t);  // Q2_K, Q3_K, Q4_K, Q5_K, Q6_K
KQuantGrid kquant_grid(GgmlType t);    // Error for other types

// d and dmin are rounded to fp16 here. sc and m: one per sub-block (m ignored without a
// minimum); q: 256 codes. Error when a value is outside its range.
void pack_kquant_block(GgmlType t, float d, float dmin, const int* sc, const int* m, const int* q, uint8_t* out);

// What --format writes for each type: bits per code, weights per scale (a sub-block
// for the k-quants) and the multiple the rows must be of (32 or 256).
int ggml_format_bits(GgmlType t);
int ggml_format_group(GgmlType t);
int ggml_format_row_multiple(GgmlType t);

}  // namespace gptqt
