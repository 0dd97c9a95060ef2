// ggml's block-quantized tensor types: sizes of every known type, and
// dequantization of the ones this project loads (F32, F16, BF16, Q8_0, Q4_0, Q4_1).
#pragma once
#include <cstdint>
#include <string>

namespace gptqt {

struct GgmlTypeTraits {
  const char* name;
  int block_size;   // elements per block
  int block_bytes;  // bytes per block
  bool can_dequantize;
};

const GgmlTypeTraits* ggml_type_traits(uint32_t type);  // nullptr if unknown

// n elements of type `type` at src -> fp32 at dst. Error naming the type and
// `what` if the type cannot be dequantized.
void dequantize_ggml(uint32_t type, const uint8_t* src, float* dst, int64_t n, const std::string& what);

}  // namespace gptqt
