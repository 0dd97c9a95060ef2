#include "io/ggml_pack.h"

#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"
#include "io/ggml_blocks.h"

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

// ---- k-quants ----------------------------------------------------------------------------

bool is_ggml_kquant_type(GgmlType t) {
  return t == GgmlType::Q2_K || t == GgmlType::Q3_K || t == GgmlType::Q4_K || t == GgmlType::Q5_K ||
         t == GgmlType::Q6_K;
}

KQuantGrid kquant_grid(GgmlType t) {
  switch (t) {
    case GgmlType::Q2_K: return {2, 16, true, 0, 0, 15, 15};
    case GgmlType::Q3_K: return {3, 16, false, 4, -32, 31, 0};
    case GgmlType::Q4_K: return {4, 32, true, 0, 0, 63, 63};
    case GgmlType::Q5_K: return {5, 32, true, 0, 0, 63, 63};
    case GgmlType::Q6_K: return {6, 16, false, 32, -128, 127, 0};
    default: fail("{} is not one of Q2_K, Q3_K, Q4_K, Q5_K, Q6_K", ggml_type_name(uint32_t(t)));
  }
}

namespace {

// Q4_K / Q5_K: 8 six-bit scales and mins in 12 bytes (the inverse of ggml_blocks.cpp's k_scale_min).
void put_scale_min(uint8_t* s, int j, int sc, int m) {
  if (j < 4) {
    s[j] = uint8_t((s[j] & 0xC0) | sc);
    s[j + 4] = uint8_t((s[j + 4] & 0xC0) | m);
  } else {
    s[j + 4] = uint8_t((sc & 15) | (m & 15) << 4);
    s[j - 4] = uint8_t(s[j - 4] | (sc >> 4) << 6);
    s[j] = uint8_t(s[j] | (m >> 4) << 6);
  }
}

}  // namespace

void pack_kquant_block(GgmlType t, float d, float dmin, const int* sc, const int* m, const int* q, uint8_t* out) {
  const KQuantGrid g = kquant_grid(t);
  const std::string name = ggml_type_name(uint32_t(t));
  for (int j = 0; j < g.sub_blocks(); ++j) {
    GPTQT_CHECK(sc[j] >= g.sc_lo && sc[j] <= g.sc_hi, "{} block: scale {} of sub-block {} is outside {}..{}", name,
                sc[j], j, g.sc_lo, g.sc_hi);
    GPTQT_CHECK(!g.has_min || (m[j] >= 0 && m[j] <= g.m_hi), "{} block: minimum {} of sub-block {} is outside 0..{}",
                name, m[j], j, g.m_hi);
  }
  for (int e = 0; e < kGgmlSuperBlock; ++e)
    GPTQT_CHECK(q[e] >= 0 && q[e] < 1 << g.bits, "{} block: code {} of element {} is outside 0..{}", name, q[e], e,
                (1 << g.bits) - 1);
  std::memset(out, 0, ggml_type_traits(uint32_t(t))->block_bytes);
  // Element e = 128h + 32s + l of the 2-bit planes (Q2_K, Q3_K) and of Q6_K's halves.
  auto h_of = [](int e) { return e / 128; };
  auto s_of = [](int e) { return e / 32 % 4; };
  auto l_of = [](int e) { return e % 32; };
  switch (t) {
    case GgmlType::Q2_K:
      for (int j = 0; j < 16; ++j) out[j] = uint8_t(sc[j] | m[j] << 4);
      for (int e = 0; e < 256; ++e) out[16 + 32 * h_of(e) + l_of(e)] |= uint8_t(q[e] << (2 * s_of(e)));
      put_f16(out + 80, d), put_f16(out + 82, dmin);
      break;
    case GgmlType::Q3_K:
      for (int e = 0; e < 256; ++e) {
        out[32 + 32 * h_of(e) + l_of(e)] |= uint8_t((q[e] & 3) << (2 * s_of(e)));
        out[l_of(e)] |= uint8_t((q[e] >> 2) << (e / 32));  // set: the value is q - 4 + 4
      }
      for (int j = 0; j < 16; ++j) {
        const int u = sc[j] + 32;
        out[96 + j % 8] |= uint8_t((u & 15) << (j < 8 ? 0 : 4));
        out[96 + 8 + j % 4] |= uint8_t((u >> 4) << (2 * (j / 4)));
      }
      put_f16(out + 108, d);
      break;
    case GgmlType::Q4_K:
    case GgmlType::Q5_K: {
      put_f16(out, d), put_f16(out + 2, dmin);
      for (int j = 0; j < 8; ++j) put_scale_min(out + 4, j, sc[j], m[j]);
      const bool q5 = t == GgmlType::Q5_K;
      uint8_t* qs = out + (q5 ? 48 : 16);
      for (int e = 0; e < 256; ++e) {
        const int j = e / 32, l = e % 32;
        qs[32 * (j / 2) + l] |= uint8_t((q[e] & 15) << (4 * (j % 2)));
        if (q5) out[16 + l] |= uint8_t((q[e] >> 4) << j);
      }
      break;
    }
    default:  // Q6_K
      for (int e = 0; e < 256; ++e) {
        const int h = h_of(e), s = s_of(e), l = l_of(e);
        out[64 * h + 32 * (s % 2) + l] |= uint8_t((q[e] & 15) << (4 * (s / 2)));
        out[128 + 32 * h + l] |= uint8_t((q[e] >> 4) << (2 * s));
      }
      for (int j = 0; j < 16; ++j) out[192 + j] = uint8_t(int8_t(sc[j]));
      put_f16(out + 208, d);
  }
}

int ggml_format_bits(GgmlType t) { return is_ggml_kquant_type(t) ? kquant_grid(t).bits : ggml_legacy_bits(t); }

int ggml_format_group(GgmlType t) {
  if (is_ggml_kquant_type(t)) return kquant_grid(t).sub_block;
  ggml_legacy_bits(t);  // Error for types --format does not write
  return kGgmlLegacyBlock;
}

int ggml_format_row_multiple(GgmlType t) { return is_ggml_kquant_type(t) ? kGgmlSuperBlock : ggml_format_group(t); }

}  // namespace gptqt
