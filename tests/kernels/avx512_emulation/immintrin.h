// Stands in for <immintrin.h> when the AVX-512 kernel files are compiled for a CPU
// without AVX-512 (run.sh): the real header, then SIMDe's portable implementations
// under the Intel names, plus the few intrinsics SIMDe 0.7.4 lacks.
#pragma once
#include_next <immintrin.h>
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#include <simde/x86/f16c.h>
#include <simde/x86/fma.h>

#include <cmath>
#include <cstdint>
#include <cstring>

static inline simde__m512 emu_cvtepi32_ps(simde__m512i a) {
  int32_t v[16];
  float f[16];
  simde_mm512_storeu_si512(v, a);
  for (int i = 0; i < 16; ++i) f[i] = float(v[i]);
  return simde_mm512_loadu_ps(f);
}
static inline simde__m512i emu_cvtps_epi32(simde__m512 a) {  // current rounding mode, like the instruction
  int32_t v[16];
  float f[16];
  simde_mm512_storeu_ps(f, a);
  for (int i = 0; i < 16; ++i) v[i] = int32_t(std::nearbyint(f[i]));
  return simde_mm512_loadu_si512(v);
}
static inline void emu_mask_storeu_ps(void* p, uint16_t k, simde__m512 a) {
  float f[16];
  simde_mm512_storeu_ps(f, a);
  for (int i = 0; i < 16; ++i)
    if (k >> i & 1) static_cast<float*>(p)[i] = f[i];
}
static inline float emu_reduce_add_ps(simde__m512 a) {
  float f[16];
  simde_mm512_storeu_ps(f, a);
  for (int n = 8; n >= 1; n /= 2)
    for (int i = 0; i < n; ++i) f[i] += f[i + n];
  return f[0];
}
static inline __m128i emu_maskz_loadu_epi32(uint8_t k, const void* p) {  // masked lanes are not read
  int32_t v[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; ++i)
    if (k >> i & 1) std::memcpy(&v[i], static_cast<const char*>(p) + 4 * i, 4);
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(v));
}
static inline simde__m512 emu_maskz_loadu_ps(uint16_t k, const void* p) {  // masked lanes are not read
  float f[16] = {};
  for (int i = 0; i < 16; ++i)
    if (k >> i & 1) std::memcpy(&f[i], static_cast<const char*>(p) + 4 * i, 4);
  return simde_mm512_loadu_ps(f);
}
#define _mm512_cvtepi32_ps emu_cvtepi32_ps
#define _mm512_maskz_loadu_ps emu_maskz_loadu_ps
// SIMDe 0.7.4 aliases _mm512_madd_epi16 with the mask variant's four arguments.
#undef _mm512_madd_epi16
#define _mm512_madd_epi16 simde_mm512_madd_epi16
#define _mm512_cvtps_epi32 emu_cvtps_epi32
#define _mm512_mask_storeu_ps emu_mask_storeu_ps
#define _mm512_reduce_add_ps emu_reduce_add_ps
#define _mm_maskz_loadu_epi32 emu_maskz_loadu_epi32
