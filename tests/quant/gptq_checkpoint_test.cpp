// The GPTQ checkpoint's bit packing (quant/gptq_checkpoint.h) against the layouts as
// AutoGPTQ documents them: 32/bits codes per word for 2, 4, 8 bits; for 3 bits 32 codes
// in 3 words: 10 codes, 2 bits of the 11th | its last bit, 10 codes, 1 bit of the 22nd |
// its last 2 bits, 10 codes.
#include "quant/gptq_checkpoint.h"

#include <gtest/gtest.h>

#include <random>

#include "core/error.h"

namespace gptqt::quant {
namespace {

std::vector<uint32_t> documented(const std::vector<uint32_t>& v, int bits) {
  std::vector<uint32_t> w(v.size() * bits / 32, 0);
  if (bits != 3) {
    const int per = 32 / bits;
    for (size_t i = 0; i < v.size(); ++i) w[i / per] |= v[i] << (bits * (i % per));
    return w;
  }
  size_t i = 0, row = 0;
  while (row < w.size()) {
    for (size_t j = i; j < i + 10; ++j) w[row] |= v[j] << (3 * (j - i));
    i += 10;
    w[row] |= v[i] << 30;
    ++row;
    w[row] |= (v[i] >> 2) & 1;
    ++i;
    for (size_t j = i; j < i + 10; ++j) w[row] |= v[j] << (3 * (j - i) + 1);
    i += 10;
    w[row] |= v[i] << 31;
    ++row;
    w[row] |= (v[i] >> 1) & 3;
    ++i;
    for (size_t j = i; j < i + 10; ++j) w[row] |= v[j] << (3 * (j - i) + 2);
    i += 10;
    ++row;
  }
  return w;
}

TEST(GptqCheckpoint, BitStreamsAreTheDocumentedPacking) {
  std::mt19937 rng(1);
  for (int bits : {2, 3, 4, 8}) {
    std::uniform_int_distribution<uint32_t> d(0, (1u << bits) - 1);
    std::vector<uint32_t> v(96);
    for (uint32_t& x : v) x = d(rng);
    v[0] = (1u << bits) - 1;  // all ones at the edges
    v.back() = (1u << bits) - 1;
    EXPECT_EQ(pack_bit_stream(v.data(), v.size(), bits), documented(v, bits)) << bits << " bits";
  }
  std::vector<uint32_t> too_big(32, 0);
  too_big[3] = 8;
  EXPECT_THROW(pack_bit_stream(too_big.data(), 32, 3), Error);
  EXPECT_THROW(pack_bit_stream(too_big.data(), 31, 2), Error);
}

}  // namespace
}  // namespace gptqt::quant
