// Export of a packed model to a Hugging Face GPTQ checkpoint (gptqt export --to gptq),
// the layout transformers, GPTQModel and vLLM load: per linear layer
//   qweight  I32 [cols·bits/32, rows]   the codes along the inputs, a little-endian bit
//                                        stream of `bits`-bit values (3 bits cross words)
//   qzeros   I32 [groups, rows·bits/32]  the zero points along the outputs, the same way;
//                                        checkpoint_format "gptq" stores zero − 1, "gptq_v2" zero
//   scales   F16 [groups, rows]
//   g_idx    I32 [cols]                  each input's group (act-order: not monotone)
// so that w[r][c] = scales[g][r]·(q[c][r] − zero[g][r]), g = g_idx[c]; the other tensors
// in fp16 under the source's names, config.json with quantization_config, quantize_config.json,
// and the source's tokenizer and generation files.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gptqt::quant {

struct GptqExportOptions {
  std::string packed;       // the packed model folder
  std::string source;       // its Hugging Face source folder ("" = the header's source_model)
  std::string out;          // a new folder
  std::string checkpoint_format = "gptq";  // gptq | gptq_v2
};

// Error (and nothing at `out`) for levels off an integer grid (BCQ, GPTQT), rotated
// models, a quantized head, fused projections, shapes the packing cannot hold, a
// source that is not a Hugging Face folder, or an existing `out`.
void export_gptq_checkpoint(const GptqExportOptions& o);

// `values` (n, a multiple of 32, each below 2^bits) as a little-endian bit stream of
// n·bits/32 words: value k at bits [k·bits, (k+1)·bits) of the stream.
std::vector<uint32_t> pack_bit_stream(const uint32_t* values, size_t n, int bits);

}  // namespace gptqt::quant
