#include "io/ggml_blocks.h"

#include <cstring>

#include "core/error.h"
#include "core/half.h"
#include "io/ggml_iq_tables.h"
#include "io/gguf.h"

// Each dequantizer below turns one block into block_size floats. Its comment gives the block
// layout ({fields in byte order}, little-endian, fp16 = IEEE half) and the formula. Element
// numbering follows the reshapes of the `gguf` package's dequantize_blocks (gguf/quants.py);
// the float operations are done in the same order as there, so the results are bit-identical
// to its float32 numpy output (tests/io/ggml_blocks_test.cpp).
//
// Every table index below comes from a bit field no wider than the table: the comment at each
// lookup gives the width. So any byte pattern, even a corrupt file's, stays in range.

namespace gptqt {

namespace {

uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
float load_f16(const uint8_t* p) { return f16_to_f32(load_u16(p)); }

// y[i] = db * grid[i] for i < n, negated where bit i of `signs` is set.
template <typename T>
void grid_row(float* y, float db, const T* grid, int n, unsigned signs) {
  for (int i = 0; i < n; ++i) {
    const float v = db * float(grid[i]);
    y[i] = (signs >> i & 1) ? -v : v;
  }
}

// ---- 32-element types -----------------------------------------------------------------

// Q4_0 {fp16 d; u8 qs[16]}: x = d*(q-8); element i < 16 is the low nibble of qs[i], i+16 the high one.
void q4_0(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int i = 0; i < 16; ++i) {
    y[i] = d * float((b[2 + i] & 15) - 8);
    y[i + 16] = d * float((b[2 + i] >> 4) - 8);
  }
}

// Q4_1 {fp16 d; fp16 m; u8 qs[16]}: x = d*q + m; nibbles as Q4_0.
void q4_1(const uint8_t* b, float* y) {
  const float d = load_f16(b), m = load_f16(b + 2);
  for (int i = 0; i < 16; ++i) {
    y[i] = d * float(b[4 + i] & 15) + m;
    y[i + 16] = d * float(b[4 + i] >> 4) + m;
  }
}

// Q5_0 {fp16 d; u32 qh; u8 qs[16]}: x = d*(q-16), q = nibble (as Q4_0) | (bit e of qh) << 4.
void q5_0(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  const uint32_t qh = load_u32(b + 2);
  for (int i = 0; i < 16; ++i) {
    const int lo = (b[6 + i] & 15) | int(qh >> i & 1) << 4;
    const int hi = (b[6 + i] >> 4) | int(qh >> (i + 16) & 1) << 4;
    y[i] = d * float(lo - 16);
    y[i + 16] = d * float(hi - 16);
  }
}

// Q5_1 {fp16 d; fp16 m; u32 qh; u8 qs[16]}: x = d*q + m, q as Q5_0 (unsigned, no offset).
void q5_1(const uint8_t* b, float* y) {
  const float d = load_f16(b), m = load_f16(b + 2);
  const uint32_t qh = load_u32(b + 4);
  for (int i = 0; i < 16; ++i) {
    const int lo = (b[8 + i] & 15) | int(qh >> i & 1) << 4;
    const int hi = (b[8 + i] >> 4) | int(qh >> (i + 16) & 1) << 4;
    y[i] = d * float(lo) + m;
    y[i + 16] = d * float(hi) + m;
  }
}

// Q8_0 {fp16 d; i8 qs[32]}: x = d*q.
void q8_0(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int i = 0; i < 32; ++i) y[i] = d * float(int8_t(b[2 + i]));
}

// IQ4_NL {fp16 d; u8 qs[16]}: x = d*kvalues[q], 4-bit q as Q4_0's nibbles.
void iq4_nl(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int i = 0; i < 16; ++i) {  // a nibble indexes the 16 kvalues
    y[i] = d * float(iq::kIq4nlValues[b[2 + i] & 15]);
    y[i + 16] = d * float(iq::kIq4nlValues[b[2 + i] >> 4]);
  }
}

// ---- k-quants (256 elements) --------------------------------------------------------------

// Q2_K {u8 scales[16]; u8 qs[64]; fp16 d; fp16 dmin}: element e = 128h + 32s + l has
// q = qs[32h + l] >> 2s & 3; sub-block j = e/16: x = d*(scales[j] & 15)*q - dmin*(scales[j] >> 4).
void q2_k(const uint8_t* b, float* y) {
  const float d = load_f16(b + 80), dmin = load_f16(b + 82);
  for (int j = 0; j < 16; ++j) {
    const float dl = d * float(b[j] & 15), ml = dmin * float(b[j] >> 4);
    for (int k = 0; k < 16; ++k) {
      const int e = 16 * j + k, h = e / 128, s = e / 32 % 4, l = e % 32;
      y[e] = dl * float(b[16 + 32 * h + l] >> (2 * s) & 3) - ml;
    }
  }
}

// Q3_K {u8 hmask[32]; u8 qs[64]; u8 scales[12]; fp16 d}: element e = 128h + 32s + l has
// q = (qs[32h + l] >> 2s & 3) - (bit e/32 of hmask[l] ? 0 : 4); sub-block j = e/16 has the 6-bit
// scale (nibble j of scales[0..7], low nibbles first) | (scales[8 + j%4] >> 2*(j/4) & 3) << 4;
// x = d*(scale-32)*q.
void q3_k(const uint8_t* b, float* y) {
  const float d = load_f16(b + 108);
  const uint8_t* sc = b + 96;
  for (int j = 0; j < 16; ++j) {
    const int lo = j < 8 ? (sc[j] & 15) : (sc[j - 8] >> 4);
    const int hi = sc[8 + j % 4] >> (2 * (j / 4)) & 3;
    const float dl = d * float((lo | hi << 4) - 32);
    for (int k = 0; k < 16; ++k) {
      const int e = 16 * j + k, h = e / 128, s = e / 32 % 4, l = e % 32;
      const int q = (b[32 + 32 * h + l] >> (2 * s) & 3) - ((b[l] >> (e / 32) & 1) ? 0 : 4);
      y[e] = dl * float(q);
    }
  }
}

// The 6-bit scales and mins of Q4_K and Q5_K, 8 of each packed in 12 bytes s[]: sub-block
// j < 4 has scale s[j] & 63, min s[j+4] & 63; j >= 4 has scale (s[j+4] & 15) | (s[j-4] >> 6) << 4
// and min (s[j+4] >> 4) | (s[j] >> 6) << 4.
void k_scale_min(const uint8_t* s, int j, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 15) | (s[j - 4] >> 6) << 4;
    m = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
  }
}

// Q4_K {fp16 d; fp16 dmin; u8 scales[12]; u8 qs[128]}: sub-block j (32 elements) is nibble j%2
// (low first) of qs[32*(j/2) + l]; x = d*sc_j*q - dmin*m_j (k_scale_min).
void q4_k(const uint8_t* b, float* y) {
  const float d = load_f16(b), dmin = load_f16(b + 2);
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    k_scale_min(b + 4, j, sc, m);
    const float dl = d * float(sc), ml = dmin * float(m);
    const uint8_t* qs = b + 16 + 32 * (j / 2);
    for (int l = 0; l < 32; ++l) y[32 * j + l] = dl * float(qs[l] >> (4 * (j % 2)) & 15) - ml;
  }
}

// Q5_K {fp16 d; fp16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: as Q4_K with a fifth bit:
// q = nibble | (qh[l] >> j & 1) << 4 for element 32j + l.
void q5_k(const uint8_t* b, float* y) {
  const float d = load_f16(b), dmin = load_f16(b + 2);
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    k_scale_min(b + 4, j, sc, m);
    const float dl = d * float(sc), ml = dmin * float(m);
    const uint8_t* qs = b + 48 + 32 * (j / 2);
    for (int l = 0; l < 32; ++l) {
      const int q = (qs[l] >> (4 * (j % 2)) & 15) | (b[16 + l] >> j & 1) << 4;
      y[32 * j + l] = dl * float(q) - ml;
    }
  }
}

// Q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; fp16 d}: element e = 128h + 32s + l has
// q = (ql[64h + 32(s%2) + l] >> 4(s/2) & 15) | (qh[32h + l] >> 2s & 3) << 4; x = d*scales[e/16]*(q-32).
void q6_k(const uint8_t* b, float* y) {
  const float d = load_f16(b + 208);
  for (int j = 0; j < 16; ++j) {
    const float dl = d * float(int8_t(b[192 + j]));
    for (int k = 0; k < 16; ++k) {
      const int e = 16 * j + k, h = e / 128, s = e / 32 % 4, l = e % 32;
      const int lo = b[64 * h + 32 * (s % 2) + l] >> (4 * (s / 2)) & 15;
      const int hi = b[128 + 32 * h + l] >> (2 * s) & 3;
      y[e] = dl * float((lo | hi << 4) - 32);
    }
  }
}

// Q8_K {f32 d; i8 qs[256]; i16 bsums[16]}: x = d*q (bsums, the sums of 16 q's, are not needed).
void q8_k(const uint8_t* b, float* y) {
  float d;
  std::memcpy(&d, b, 4);
  for (int i = 0; i < 256; ++i) y[i] = d * float(int8_t(b[4 + i]));
}

// IQ4_XS {fp16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]}: sub-block j (32 elements) has the
// 6-bit scale (nibble j%2 of scales_l[j/2]) | (scales_h >> 2j & 3) << 4; element 32j + 16s + l is
// nibble s of qs[16j + l]; x = d*(scale-32)*kvalues[q].
void iq4_xs(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  const uint16_t sh = load_u16(b + 2);
  for (int j = 0; j < 8; ++j) {
    const int ls = (b[4 + j / 2] >> (4 * (j % 2)) & 15) | (sh >> (2 * j) & 3) << 4;
    const float dl = d * float(ls - 32);
    for (int l = 0; l < 16; ++l) {  // a nibble indexes the 16 kvalues
      const uint8_t q = b[8 + 16 * j + l];
      y[32 * j + l] = dl * float(iq::kIq4nlValues[q & 15]);
      y[32 * j + 16 + l] = dl * float(iq::kIq4nlValues[q >> 4]);
    }
  }
}

// ---- ternary (256 elements) -------------------------------------------------------------

// TQ1_0 {u8 qs[48]; u8 qh[4]; fp16 d}: base-3 digits held as fixed-point fractions, 5 per byte of
// qs and 4 per byte of qh: digit k of byte v is (u8(v * 3^k) * 3) >> 8, in 0..2. Elements
// 0..159 are digit e/32 of qs[e%32], 160..239 digit (e-160)/16 of qs[32 + e%16], 240..255 digit
// (e-240)/4 of qh[e%4]; x = d*(digit-1).
void tq1_0(const uint8_t* b, float* y) {
  static constexpr int kPow3[5] = {1, 3, 9, 27, 81};
  const float d = load_f16(b + 52);
  auto digit = [](uint8_t v, int k) { return int(uint8_t(v * kPow3[k])) * 3 >> 8; };
  for (int e = 0; e < 160; ++e) y[e] = d * float(digit(b[e % 32], e / 32) - 1);
  for (int e = 160; e < 240; ++e) y[e] = d * float(digit(b[32 + e % 16], (e - 160) / 16) - 1);
  for (int e = 240; e < 256; ++e) y[e] = d * float(digit(b[48 + e % 4], (e - 240) / 4) - 1);
}

// TQ2_0 {u8 qs[64]; fp16 d}: element e = 128h + 32s + l has q = qs[32h + l] >> 2s & 3; x = d*(q-1).
void tq2_0(const uint8_t* b, float* y) {
  const float d = load_f16(b + 64);
  for (int e = 0; e < 256; ++e) {
    const int h = e / 128, s = e / 32 % 4, l = e % 32;
    y[e] = d * float((b[32 * h + l] >> (2 * s) & 3) - 1);
  }
}

// ---- i-quants (256 elements, lookup grids in ggml_iq_tables) -----------------------------

// IQ2_XXS {fp16 d; u32 q[16]}: group g (32 elements) reads a = q[2g], whose 4 bytes are rows of
// iq2xxs_grid (8 values each), and b = q[2g+1]: 4 7-bit ksigns indices at bits 0, 7, 14, 21 and
// a 4-bit scale ls at bits 28..31. x[32g + 8k + i] = d*(0.5+ls)*0.25 * grid[a_k][i] * sign_k(i).
void iq2_xxs(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int g = 0; g < 8; ++g) {
    const uint8_t* rows = b + 2 + 8 * g;
    const uint32_t aux = load_u32(b + 6 + 8 * g);
    const float db = d * (0.5f + float(aux >> 28)) * 0.25f;
    for (int k = 0; k < 4; ++k)  // row: a byte (< 256 rows); ksigns index: 7 bits (< 128)
      grid_row(y + 32 * g + 8 * k, db, iq::kIq2xxsGrid[rows[k]], 8, iq::kKsigns[aux >> (7 * k) & 127]);
  }
}

// IQ2_XS {fp16 d; u16 q[32]; u8 scales[8]}: entry t (8 elements) has row q[t] & 511 of
// iq2xs_grid and ksigns index q[t] >> 9; sub-block j = t/2 (16 elements) has the 4-bit scale
// ls = nibble j%2 (low first) of scales[j/2]; x = d*(0.5+ls)*0.25 * grid * sign.
void iq2_xs(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int t = 0; t < 32; ++t) {
    const int j = t / 2;
    const float db = d * (0.5f + float(b[66 + j / 2] >> (4 * (j % 2)) & 15)) * 0.25f;
    const uint16_t q = load_u16(b + 2 + 2 * t);
    // row: 9 bits (< 512 rows); ksigns index: the top 7 bits of a u16 (< 128)
    grid_row(y + 8 * t, db, iq::kIq2xsGrid[q & 511], 8, iq::kKsigns[q >> 9]);
  }
}

// IQ2_S {fp16 d; u8 qs[32]; u8 signs[32]; u8 qh[8]; u8 scales[8]}: entry t (8 elements) has row
// qs[t] | (qh[t/4] >> 2(t%4) & 3) << 8 of iq2s_grid and sign bits signs[t]; scales as IQ2_XS.
void iq2_s(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int t = 0; t < 32; ++t) {
    const int j = t / 2;
    const float db = d * (0.5f + float(b[74 + j / 2] >> (4 * (j % 2)) & 15)) * 0.25f;
    const int row = b[2 + t] | (b[66 + t / 4] >> (2 * (t % 4)) & 3) << 8;  // 8 + 2 bits: < 1024 rows
    grid_row(y + 8 * t, db, iq::kIq2sGrid[row], 8, b[34 + t]);
  }
}

// IQ3_XXS {fp16 d; u8 qs[64]; u32 aux[8]}: entry k (4 elements) is row qs[k] of iq3xxs_grid;
// group g (32 elements) reads aux[g]: a 4-bit scale ls at bits 28..31 and 4 7-bit ksigns
// indices at bits 0, 7, 14, 21, one per 8 elements. x = d*(0.5+ls)*0.5 * grid * sign.
void iq3_xxs(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int g = 0; g < 8; ++g) {
    const uint32_t aux = load_u32(b + 66 + 4 * g);
    const float db = d * (0.5f + float(aux >> 28)) * 0.5f;
    for (int k = 0; k < 8; ++k) {
      const unsigned signs = iq::kKsigns[aux >> (7 * (k / 2)) & 127];  // 7 bits: < 128
      const int e = 32 * g + 4 * k;
      grid_row(y + e, db, iq::kIq3xxsGrid[b[2 + e / 4]], 4, signs >> (4 * (k % 2)));  // a byte: < 256 rows
    }
  }
}

// IQ3_S {fp16 d; u8 qs[64]; u8 qh[8]; u8 signs[32]; u8 scales[4]}: entry k (4 elements) is row
// qs[k] | (qh[k/8] >> k%8 & 1) << 8 of iq3s_grid; element e is negated when bit e%8 of signs[e/8]
// is set; group g (32 elements) has x = d*(1 + 2*(nibble g%2 of scales[g/2])) * grid * sign.
void iq3_s(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int g = 0; g < 8; ++g) {
    const float db = d * float(1 + 2 * (b[106 + g / 2] >> (4 * (g % 2)) & 15));
    for (int k = 8 * g; k < 8 * g + 8; ++k) {
      const int row = b[2 + k] | (b[66 + k / 8] >> (k % 8) & 1) << 8;  // 8 + 1 bits: < 512 rows
      grid_row(y + 4 * k, db, iq::kIq3sGrid[row], 4, unsigned(b[74 + k / 2]) >> (4 * (k % 2)));
    }
  }
}

// IQ1_S {fp16 d; u8 qs[32]; u16 qh[8]}: group g (32 elements) reads qh[g]: 3-bit scale s at bits
// 12..14, delta sign at bit 15, and for its entry t = 4g + k (8 elements) 3 high row bits at
// bits 3k; row qs[t] | (qh[g] >> 3k & 7) << 8 of iq1s_grid (values -1, 0, 1).
// x = d*(2s+1) * (grid + delta), delta = -0.125 if bit 15 is set, else +0.125.
void iq1_s(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int g = 0; g < 8; ++g) {
    const uint16_t qh = load_u16(b + 34 + 2 * g);
    const float dl = d * float(2 * (qh >> 12 & 7) + 1);
    const float delta = (qh & 0x8000) ? -0.125f : 0.125f;
    for (int k = 0; k < 4; ++k) {
      const int t = 4 * g + k;
      const int8_t* grid = iq::kIq1sGrid[b[2 + t] | (qh >> (3 * k) & 7) << 8];  // 8 + 3 bits: < 2048 rows
      for (int i = 0; i < 8; ++i) y[8 * t + i] = dl * (float(grid[i]) + delta);
    }
  }
}

// IQ1_M {u8 qs[32]; u8 qh[16]; u16 sc[4]}: the fp16 scale d is made of the top nibbles of sc[0..3]
// (sc[0]'s is the lowest); sub-block j (16 elements) has the 3-bit scale s = sc[j/4] >> 3(j%4) & 7;
// entry t (8 elements) reads nibble n = qh[t/2] >> 4(t%2): row qs[t] | (n & 7) << 8 of iq1s_grid,
// delta -0.125 if n & 8 else +0.125. x = d*(2s+1) * (grid + delta), s of sub-block t/2.
void iq1_m(const uint8_t* b, float* y) {
  uint16_t sc[4];
  for (int k = 0; k < 4; ++k) sc[k] = load_u16(b + 48 + 2 * k);
  const float d = f16_to_f32(uint16_t(sc[0] >> 12 | (sc[1] >> 8 & 0x00f0) | (sc[2] >> 4 & 0x0f00) | (sc[3] & 0xf000)));
  for (int t = 0; t < 32; ++t) {
    const int j = t / 2;
    const float dl = d * float(2 * (sc[j / 4] >> (3 * (j % 4)) & 7) + 1);
    const int n = b[32 + t / 2] >> (4 * (t % 2)) & 15;
    const float delta = (n & 8) ? -0.125f : 0.125f;
    const int8_t* grid = iq::kIq1sGrid[b[t] | (n & 7) << 8];  // 8 + 3 bits: < 2048 rows
    for (int i = 0; i < 8; ++i) y[8 * t + i] = dl * (float(grid[i]) + delta);
  }
}

// ---- the type table -------------------------------------------------------------------

using BlockFn = void (*)(const uint8_t* block, float* out);

struct TypeEntry {
  GgmlType id;
  GgmlTypeTraits traits;
  BlockFn block;  // nullptr for F32/F16/BF16 (converted element-wise) and the unsupported types
};

// Block sizes and bytes are ggml's (the gguf package's GGML_QUANT_SIZES).
constexpr TypeEntry kTypes[] = {
    {GgmlType::F32, {"F32", 1, 4, true}, nullptr},
    {GgmlType::F16, {"F16", 1, 2, true}, nullptr},
    {GgmlType::Q4_0, {"Q4_0", 32, 18, true}, q4_0},
    {GgmlType::Q4_1, {"Q4_1", 32, 20, true}, q4_1},
    {GgmlType::Q5_0, {"Q5_0", 32, 22, true}, q5_0},
    {GgmlType::Q5_1, {"Q5_1", 32, 24, true}, q5_1},
    {GgmlType::Q8_0, {"Q8_0", 32, 34, true}, q8_0},
    {GgmlType::Q8_1, {"Q8_1", 32, 36, false}, nullptr},
    {GgmlType::Q2_K, {"Q2_K", 256, 84, true}, q2_k},
    {GgmlType::Q3_K, {"Q3_K", 256, 110, true}, q3_k},
    {GgmlType::Q4_K, {"Q4_K", 256, 144, true}, q4_k},
    {GgmlType::Q5_K, {"Q5_K", 256, 176, true}, q5_k},
    {GgmlType::Q6_K, {"Q6_K", 256, 210, true}, q6_k},
    {GgmlType::Q8_K, {"Q8_K", 256, 292, true}, q8_k},
    {GgmlType::IQ2_XXS, {"IQ2_XXS", 256, 66, true}, iq2_xxs},
    {GgmlType::IQ2_XS, {"IQ2_XS", 256, 74, true}, iq2_xs},
    {GgmlType::IQ3_XXS, {"IQ3_XXS", 256, 98, true}, iq3_xxs},
    {GgmlType::IQ1_S, {"IQ1_S", 256, 50, true}, iq1_s},
    {GgmlType::IQ4_NL, {"IQ4_NL", 32, 18, true}, iq4_nl},
    {GgmlType::IQ3_S, {"IQ3_S", 256, 110, true}, iq3_s},
    {GgmlType::IQ2_S, {"IQ2_S", 256, 82, true}, iq2_s},
    {GgmlType::IQ4_XS, {"IQ4_XS", 256, 136, true}, iq4_xs},
    {GgmlType::I8, {"I8", 1, 1, false}, nullptr},
    {GgmlType::I16, {"I16", 1, 2, false}, nullptr},
    {GgmlType::I32, {"I32", 1, 4, false}, nullptr},
    {GgmlType::I64, {"I64", 1, 8, false}, nullptr},
    {GgmlType::F64, {"F64", 1, 8, false}, nullptr},
    {GgmlType::IQ1_M, {"IQ1_M", 256, 56, true}, iq1_m},
    {GgmlType::BF16, {"BF16", 1, 2, true}, nullptr},
    {GgmlType::TQ1_0, {"TQ1_0", 256, 54, true}, tq1_0},
    {GgmlType::TQ2_0, {"TQ2_0", 256, 66, true}, tq2_0},
    {GgmlType::MXFP4, {"MXFP4", 32, 17, false}, nullptr},
    {GgmlType::NVFP4, {"NVFP4", 64, 36, false}, nullptr},
    {GgmlType::Q1_0, {"Q1_0", 128, 18, false}, nullptr},
};

const TypeEntry* find_type(uint32_t type) {
  for (const TypeEntry& e : kTypes)
    if (uint32_t(e.id) == type) return &e;
  return nullptr;
}

}  // namespace

const GgmlTypeTraits* ggml_type_traits(uint32_t type) {
  const TypeEntry* e = find_type(type);
  return e ? &e->traits : nullptr;
}

std::string ggml_dequantizable_type_names() {
  std::string s;
  for (const TypeEntry& e : kTypes)
    if (e.traits.can_dequantize) s += (s.empty() ? "" : ", ") + std::string(e.traits.name);
  return s;
}

void dequantize_ggml(uint32_t type, const uint8_t* src, float* dst, int64_t n, const std::string& what) {
  const TypeEntry* e = find_type(type);
  GPTQT_CHECK(e && e->traits.can_dequantize, "tensor {}: type {} is not supported (supported: {})", what,
              ggml_type_name(type), ggml_dequantizable_type_names());
  const GgmlTypeTraits& tr = e->traits;
  GPTQT_CHECK(n % tr.block_size == 0, "tensor {}: {} elements is not whole {} blocks", what, n, tr.name);
  switch (e->id) {
    case GgmlType::F32: std::memcpy(dst, src, size_t(n) * 4); return;
    case GgmlType::F16:
      for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(load_u16(src + 2 * i));
      return;
    case GgmlType::BF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load_u16(src + 2 * i));
      return;
    default: break;
  }
  GPTQT_CHECK(e->block, "tensor {}: type {} has no dequantizer", what, tr.name);
  const int64_t nb = n / tr.block_size;
  for (int64_t b = 0; b < nb; ++b) e->block(src + b * tr.block_bytes, dst + b * tr.block_size);
}

}  // namespace gptqt
