// The packed model format of gptqt (docs/format.md): a folder holding
//   gptqt.json           header: format version, model config, quantization
//                        method and options, calibration, tool version
//   weights.safetensors  packed linear layers and the unquantized tensors
//   tokenizer.gguf | tokenizer.json   the source model's tokenizer
#pragma once
#include <string>

#include "model/architecture.h"

namespace gptqt {

inline constexpr char kPackedHeaderFile[] = "gptqt.json";
inline constexpr char kPackedWeightsFile[] = "weights.safetensors";
inline constexpr char kPackedFormat[] = "gptqt-packed";
inline constexpr int kPackedFormatVersion = 1;

bool is_packed_model(const std::string& path);
// Tensor names inside weights.safetensors (family independent; q, k, v always separate).
const TensorNames& packed_tensor_names();
// The header's text; Error when missing, not JSON, or of another format/version.
std::string read_packed_header(const std::string& folder);

}  // namespace gptqt
