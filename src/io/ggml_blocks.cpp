#include "io/ggml_blocks.h"

#include <cstring>

#include "core/error.h"
#include "core/half.h"
#include "io/gguf.h"

namespace gptqt {

const GgmlTypeTraits* ggml_type_traits(uint32_t type) {
  static const GgmlTypeTraits f32{"F32", 1, 4, true}, f16{"F16", 1, 2, true}, bf16{"BF16", 1, 2, true},
      q4_0{"Q4_0", 32, 18, true}, q4_1{"Q4_1", 32, 20, true}, q5_0{"Q5_0", 32, 22, false},
      q5_1{"Q5_1", 32, 24, false}, q8_0{"Q8_0", 32, 34, true}, q8_1{"Q8_1", 32, 36, false},
      q2_k{"Q2_K", 256, 84, false}, q3_k{"Q3_K", 256, 110, false}, q4_k{"Q4_K", 256, 144, false},
      q5_k{"Q5_K", 256, 176, false}, q6_k{"Q6_K", 256, 210, false}, q8_k{"Q8_K", 256, 292, false};
  switch (GgmlType(type)) {
    case GgmlType::F32: return &f32;
    case GgmlType::F16: return &f16;
    case GgmlType::BF16: return &bf16;
    case GgmlType::Q4_0: return &q4_0;
    case GgmlType::Q4_1: return &q4_1;
    case GgmlType::Q5_0: return &q5_0;
    case GgmlType::Q5_1: return &q5_1;
    case GgmlType::Q8_0: return &q8_0;
    case GgmlType::Q8_1: return &q8_1;
    case GgmlType::Q2_K: return &q2_k;
    case GgmlType::Q3_K: return &q3_k;
    case GgmlType::Q4_K: return &q4_k;
    case GgmlType::Q5_K: return &q5_k;
    case GgmlType::Q6_K: return &q6_k;
    case GgmlType::Q8_K: return &q8_k;
  }
  return nullptr;
}

static uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

void dequantize_ggml(uint32_t type, const uint8_t* src, float* dst, int64_t n, const std::string& what) {
  const GgmlTypeTraits* tr = ggml_type_traits(type);
  GPTQT_CHECK(tr && tr->can_dequantize, "tensor {}: type {} is not supported (supported: F32, F16, BF16, Q8_0, "
              "Q4_0, Q4_1)", what, ggml_type_name(type));
  GPTQT_CHECK(n % tr->block_size == 0, "tensor {}: {} elements is not whole {} blocks", what, n, tr->name);
  const int64_t nb = n / tr->block_size;
  switch (GgmlType(type)) {
    case GgmlType::F32: std::memcpy(dst, src, size_t(n) * 4); break;
    case GgmlType::F16:
      for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(load_u16(src + 2 * i));
      break;
    case GgmlType::BF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load_u16(src + 2 * i));
      break;
    case GgmlType::Q8_0:  // {fp16 d; int8 q[32]}: x = d*q
      for (int64_t b = 0; b < nb; ++b) {
        const uint8_t* blk = src + b * 34;
        float d = f16_to_f32(load_u16(blk));
        for (int i = 0; i < 32; ++i) dst[b * 32 + i] = d * float(int8_t(blk[2 + i]));
      }
      break;
    case GgmlType::Q4_0:  // {fp16 d; nibbles[16]}: x = d*(q-8); low nibbles are elements 0..15
      for (int64_t b = 0; b < nb; ++b) {
        const uint8_t* blk = src + b * 18;
        float d = f16_to_f32(load_u16(blk));
        for (int i = 0; i < 16; ++i) {
          dst[b * 32 + i] = d * float((blk[2 + i] & 15) - 8);
          dst[b * 32 + i + 16] = d * float((blk[2 + i] >> 4) - 8);
        }
      }
      break;
    case GgmlType::Q4_1:  // {fp16 d; fp16 m; nibbles[16]}: x = d*q + m
      for (int64_t b = 0; b < nb; ++b) {
        const uint8_t* blk = src + b * 20;
        float d = f16_to_f32(load_u16(blk)), m = f16_to_f32(load_u16(blk + 2));
        for (int i = 0; i < 16; ++i) {
          dst[b * 32 + i] = d * float(blk[4 + i] & 15) + m;
          dst[b * 32 + i + 16] = d * float(blk[4 + i] >> 4) + m;
        }
      }
      break;
    default: fail("tensor {}: type {} has no dequantizer", what, tr->name);
  }
}

}  // namespace gptqt
