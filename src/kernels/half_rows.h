// Runs of IEEE fp16 <-> fp32 (an fp16 KV cache written a token at a time and widened
// for a prompt's sgemm): F16C where the CPU path has it, else core/half.h's scalar
// conversions, which round the same way (to nearest even).
#pragma once
#include <cstdint>

namespace gptqt::kernels {

void f16_to_f32_row(const uint16_t* in, int64_t n, float* out);
void f32_to_f16_row(const float* in, int64_t n, uint16_t* out);

namespace detail {
void f16_to_f32_row_avx2(const uint16_t* in, int64_t n, float* out);
void f32_to_f16_row_avx2(const float* in, int64_t n, uint16_t* out);
}  // namespace detail

}  // namespace gptqt::kernels
