// How many bits a model stores per weight of its quantized linear layers, counted as
// `gptqt inspect` counts them, for the reports that set quality against size.
#pragma once
#include <string>

namespace gptqt {

struct StoredBits {
  double weights = 0, bits = 0;  // of the quantized linear layers
  double per_weight() const { return weights > 0 ? bits / weights : 0; }
};

// A packed folder: every packed layer's sign planes, α, offsets, scales and permutation
// (PackedLinear::bits_per_weight) and the rotation seeds (64 bits each). A GGUF file: the
// blocks (or plain values) of its linear layers as stored. Error for anything else.
StoredBits linear_stored_bits(const std::string& model);

}  // namespace gptqt
