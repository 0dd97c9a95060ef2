// ggml's block-quantized tensor types: sizes of every known type, and
// dequantization of the ones llama.cpp writes for LLM weights: F32, F16, BF16,
// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, the k-quants Q2_K..Q8_K, the i-quants
// (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ4_NL, IQ4_XS) and
// the ternary TQ1_0, TQ2_0. The bit layouts follow the `gguf` Python package's
// dequantizers (gguf/quants.py), which tests/io/ggml_blocks_test.cpp checks against.
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

// The names of the types dequantize_ggml accepts, comma-separated, in type-id order.
std::string ggml_dequantizable_type_names();

// n elements of type `type` at src -> fp32 at dst. Error naming the type and
// `what` if the type cannot be dequantized. src must hold n / block_size blocks.
void dequantize_ggml(uint32_t type, const uint8_t* src, float* dst, int64_t n, const std::string& what);

}  // namespace gptqt
