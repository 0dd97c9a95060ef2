#include "model/stored_bits.h"

#include <filesystem>

#include "core/error.h"
#include "io/gguf.h"
#include "io/safetensors.h"
#include "model/architecture.h"
#include "model/model.h"
#include "model/packed_linear.h"
#include "model/packed_model.h"
#include "model/rotation.h"
#include "model/weights.h"

namespace gptqt {

namespace {

StoredBits packed_bits(const std::string& folder) {
  StoredBits s;
  const SafetensorsFile weights(folder + "/" + kPackedWeightsFile);
  const std::string suffix = ".shape";
  for (const auto& [name, entry] : weights.entries()) {
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const PackedLinear q = read_packed_linear(weights, name.substr(0, name.size() - suffix.size()));
    const double n = double(q.rows) * q.cols;
    s.bits += q.bits_per_weight() * n;
    s.weights += n;
  }
  const ModelRotations rotations = ModelRotations::from_packed_header(
      read_packed_header(folder), load_model_config(folder), folder + "/" + kPackedHeaderFile);
  s.bits += 64.0 * double(rotations.seed_count());
  return s;
}

StoredBits gguf_bits(const std::string& path) {
  StoredBits s;
  const GgufFile f(path);
  const ModelConfig c = config_from_gguf(f);
  const TensorNames& nm = architecture(c.family).gguf;
  for (int b = 0; b < c.n_layers; ++b)
    for (int r = 0; r < kNumLinearRoles; ++r) {
      if (!has_linear(c, LinearRole(r))) continue;
      const GgufTensorInfo* t = f.find_tensor(block_name(nm.lin[r], b));
      if (!t) continue;  // fused into another tensor (Phi-3's qkv): counted under that name
      s.bits += 8.0 * double(t->nbytes);
      s.weights += double(t->numel());
    }
  for (const std::string& fused : {nm.fused_qkv, nm.fused_gate_up})
    for (int b = 0; !fused.empty() && b < c.n_layers; ++b)
      if (const GgufTensorInfo* t = f.find_tensor(block_name(fused, b))) {
        s.bits += 8.0 * double(t->nbytes);
        s.weights += double(t->numel());
      }
  GPTQT_CHECK(s.weights > 0, "{}: no linear layers found under their GGUF names", path);
  return s;
}

}  // namespace

StoredBits linear_stored_bits(const std::string& model) {
  GPTQT_CHECK(std::filesystem::exists(model), "{}: no such file or folder", model);
  if (std::filesystem::is_directory(model)) {
    GPTQT_CHECK(std::filesystem::exists(model + "/" + kPackedHeaderFile), "{}: not a packed gptqt model (no {})",
                model, kPackedHeaderFile);
    return packed_bits(model);
  }
  return gguf_bits(model);
}

}  // namespace gptqt
