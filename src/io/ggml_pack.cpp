#include "io/ggml_pack.h"

#include <cstring>

#include "core/error.h"
#include "core/half.h"

namespace gptqt {

bool is_ggml_legacy_type(GgmlType t) {
  return t == GgmlType::Q4_0 || t == GgmlType::Q4_1 || t == GgmlType::Q5_0 || t == GgmlType::Q5_1 ||
         t == GgmlType::Q8_0;
}

int ggml_legacy_bits(GgmlType t) {
  GPTQT_CHECK(is_ggml_legacy_type(t), "{} is not one of Q4_0, Q4_1, Q5_0, Q5_1, Q8_0", ggml_type_name(uint32_t(t)));
  return t == GgmlType::Q8_0 ? 8 : t == GgmlType::Q5_0 || t == GgmlType::Q5_1 ? 5 : 4;
}

bool ggml_legacy_has_min(GgmlType t) { return t == GgmlType::Q4_1 || t == GgmlType::Q5_1; }

int ggml_legacy_zero(GgmlType t) {
  if (ggml_legacy_has_min(t)) return -1;
  return t == GgmlType::Q8_0 ? 0 : 1 << (ggml_legacy_bits(t) - 1);
}

namespace {

void put_f16(uint8_t* p, float v) {
  const uint16_t h = f32_to_f16(v);
  std::memcpy(p, &h, 2);
}

// 32 codes of 4 or 5 bits: the low nibbles in 16 bytes (element i and i + 16 share
// byte i, i in the low half), the fifth bits in a little-endian u32 (bit i = element i).
void put_nibbles(const int* q, uint8_t* qs) {
  for (int i = 0; i < 16; ++i) qs[i] = uint8_t((q[i] & 15) | (q[i + 16] & 15) << 4);
}

void put_high_bits(const int* q, uint8_t* qh) {
  uint32_t h = 0;
  for (int i = 0; i < 32; ++i) h |= uint32_t(q[i] >> 4 & 1) << i;
  std::memcpy(qh, &h, 4);
}

}  // namespace

void pack_ggml_block(GgmlType t, float d, float m, const int* q, uint8_t* out) {
  const int bits = ggml_legacy_bits(t);
  const int lo = t == GgmlType::Q8_0 ? -128 : 0, hi = t == GgmlType::Q8_0 ? 127 : (1 << bits) - 1;
  for (int i = 0; i < kGgmlLegacyBlock; ++i)
    GPTQT_CHECK(q[i] >= lo && q[i] <= hi, "{} block: code {} of element {} is outside {}..{}",
                ggml_type_name(uint32_t(t)), q[i], i, lo, hi);
  put_f16(out, d);
  switch (t) {
    case GgmlType::Q4_0: put_nibbles(q, out + 2); break;
    case GgmlType::Q4_1: put_f16(out + 2, m), put_nibbles(q, out + 4); break;
    case GgmlType::Q5_0: put_high_bits(q, out + 2), put_nibbles(q, out + 6); break;
    case GgmlType::Q5_1: put_f16(out + 2, m), put_high_bits(q, out + 4), put_nibbles(q, out + 8); break;
    default:  // Q8_0
      for (int i = 0; i < kGgmlLegacyBlock; ++i) out[2 + i] = uint8_t(int8_t(q[i]));
  }
}

}  // namespace gptqt
