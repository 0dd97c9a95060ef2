// Writing ggml's legacy 32-weight block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0):
// one block from its fp16 scale d, fp16 minimum m and integer codes, in the bit
// layout io/ggml_blocks.cpp reads (and llama.cpp runs).
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

}  // namespace gptqt
