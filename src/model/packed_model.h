// The packed model format of gptqt (docs/format.md): a folder holding
//   gptqt.json           header: format version, model config, quantization
//                        method and options, calibration, tool version
//   weights.safetensors  packed linear layers and the unquantized tensors
//   tokenizer.gguf | tokenizer.json   the source model's tokenizer
#pragma once
#include <nlohmann/json.hpp>
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
// The header; Error when missing, not JSON, of another format or version, or
// without a config object.
nlohmann::json read_packed_header(const std::string& folder);

}  // namespace gptqt
