// Incoherence processing in the model (QuIP, QuaRot): every linear layer's input space
// rotated by a randomized Hadamard matrix R (kernels/hadamard.h). A layer reading x
// computes W·x = (W·R)(Rᵀ·x): the stored weights are W·R, and the forward pass
// applies Rᵀ to the input once for all the layers that share it (q, k, v; gate, up).
// Quantizing W·R instead of W spreads each outlier over a whole row, and the Hessians
// the quantizer sees are those of the rotated inputs.
//
// One rotation per block and input, each from its own seed; the seeds are stored in
// the packed header so the runtime rebuilds the same matrices.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "kernels/hadamard.h"
#include "model/config.h"
#include "model/weights.h"

namespace gptqt {

// The inputs of a block, each read by one or more of its linear layers.
enum class LinearInput { attn, o, mlp, down };  // attn: q, k, v; mlp: gate, up
constexpr int kNumLinearInputs = 4;
LinearInput linear_input(LinearRole r);
const char* linear_input_name(LinearInput in);

using Rotation = kernels::HadamardRotation;

// A block's rotations; a null entry leaves that input as it is.
struct BlockRotations {
  std::array<std::shared_ptr<const Rotation>, kNumLinearInputs> in;
  const Rotation* operator[](LinearInput i) const { return in[size_t(i)].get(); }
  int count() const;  // the rotations present (one seed each)
};

// Every rotation of a model: per block (empty: none), and the head's input.
struct ModelRotations {
  std::vector<BlockRotations> blocks;
  std::shared_ptr<const Rotation> head;
  bool any() const;
  // The header's "rotation" object: {"kind": "hadamard", "blocks": [[seed per input] per
  // block], "head": seed or null}; null when there is none.
  nlohmann::json to_json() const;
  // Throws Error naming `where` for a malformed object or a width no rotation fits.
  static ModelRotations from_json(const nlohmann::json& j, const ModelConfig& c, const std::string& where);
  // The rotations a packed header records under "quantization" (none when it records none).
  static ModelRotations from_packed_header(const nlohmann::json& header, const ModelConfig& c,
                                           const std::string& where);
  // The seeds stored, one per rotated input: 64 bits each in the bits per weight.
  int64_t seed_count() const;
};

// The rotations of block `block` (block == n_layers: the head's alone) drawn from `seed`.
BlockRotations make_block_rotations(const ModelConfig& c, uint64_t seed, int block);
std::shared_ptr<const Rotation> make_head_rotation(const ModelConfig& c, uint64_t seed);

// W ← W·R for a dense layer (each row r ← Rᵀ·r), so that it computes on rotated inputs.
void rotate_weights(Linear& l, const Rotation& r);
// Every dense layer of the block, by the rotation of the input it reads.
void rotate_block_weights(BlockWeights& b, const BlockRotations& r);

}  // namespace gptqt
