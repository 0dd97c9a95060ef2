// Calibration samples for quantization: windows of a token stream at random,
// seeded start positions (the GPTQ recipe: n samples of L tokens each).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace gptqt {

// `n` copies of `length` consecutive tokens; sample i starts at
// rng() % (tokens.size() - length + 1), where rng is std::mt19937_64 seeded
// with `seed` and drawn once per sample in order. mt19937_64's output is fixed
// by the C++ standard, so a seed gives the same samples on every platform (which
// std::uniform_int_distribution would not promise); the modulo bias is below
// tokens.size() / 2^64. Samples may overlap. Throws Error if length is 0 or
// longer than the stream.
std::vector<std::vector<int32_t>> sample_calibration(std::span<const int32_t> tokens, size_t n, size_t length,
                                                     uint64_t seed);

}  // namespace gptqt
