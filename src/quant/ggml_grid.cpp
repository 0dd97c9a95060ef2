#include "quant/ggml_grid.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/half.h"
#include "io/ggml_pack.h"
#include "quant/block_fit.h"
#include "quant/linear_grid.h"
#include "quant/rounding.h"

namespace gptqt::quant {

GgmlFitter::GgmlFitter(GgmlType type, bool search) : type_(type), search_(search) {
  GPTQT_CHECK(is_ggml_legacy_type(type), "--format {}: the formats are Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0",
              ggml_type_name(uint32_t(type)));
}

int GgmlFitter::bits() const { return ggml_legacy_bits(type_); }

std::string GgmlFitter::describe() const {
  return fmt::format("ggml {}{}", ggml_type_name(uint32_t(type_)), search_ ? " (weighted scale search)" : "");
}

QuantRule GgmlFitter::rule() const { return ggml_legacy_has_min(type_) ? QuantRule::nearest : QuantRule::linear; }

void GgmlFitter::check_group_size(int n) const {
  GPTQT_CHECK(n == kGgmlLegacyBlock, "{} holds groups of {} weights, not {}", ggml_type_name(uint32_t(type_)),
              kGgmlLegacyBlock, n);
}

void GgmlFitter::fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const {
  const int bits = ggml_legacy_bits(type_);
  if (ggml_legacy_has_min(type_)) {
    const auto [d, m] = fit_with_min((1 << bits) - 1, w, n, importance, search_, round_to_f16);
    for (int j = 0; j < bits; ++j) grid.alpha(j, row) = std::ldexp(d, j - 1);
    grid.offset(row) = float(double(m) + double(d) * ((1 << bits) - 1) / 2);
    return;
  }
  const LinearParams p = fit_zero_point(ggml_legacy_zero(type_), type_ == GgmlType::Q8_0, w, n, importance, search_,
                                        round_to_f16);
  grid.scale(row) = p.scale;
  grid.zero(row) = p.zero;
  linear_to_binary(p, bits, &grid.alpha(0, row), grid.rows(), &grid.offset(row));
}

GgmlBlock ggml_block_of(const QuantizedLinear& q, GgmlType type, int row, int group) {
  const int bits = ggml_legacy_bits(type);
  const std::string name = ggml_type_name(uint32_t(type));
  GPTQT_CHECK(q.bits == bits && q.group_size == kGgmlLegacyBlock && q.cols % kGgmlLegacyBlock == 0 &&
                  !q.groups_follow_perm,
              "a {}-bit layer in groups of {} is not on {}'s grid ({} bits in groups of 32 along the rows)", q.bits,
              q.group_size, name, bits);
  GgmlBlock b;
  const size_t gr = size_t(group) * q.rows + row;
  const uint8_t* codes = &q.codes[size_t(row) * q.cols + size_t(group) * kGgmlLegacyBlock];
  if (ggml_legacy_has_min(type)) {
    b.d = 2 * q.alpha[(size_t(group) * bits) * q.rows + row];
    for (int j = 0; j < bits; ++j)
      GPTQT_CHECK(q.alpha[(size_t(group) * bits + j) * q.rows + row] == std::ldexp(b.d, j - 1),
                  "row {} group {}: the levels are not evenly spaced, so not {}'s", row, group, name);
    const float m = float(double(q.offset[gr]) - double(b.d) * ((1 << bits) - 1) / 2);
    b.m = round_to_f16(m);
    GPTQT_CHECK(std::abs(m - b.m) <= 1e-3f * std::abs(b.d) + 1e-6f * std::abs(m),
                "row {} group {}: the minimum {} is not an fp16 value, so not {}'s", row, group, m, name);
    for (int i = 0; i < kGgmlLegacyBlock; ++i) b.q[i] = codes[i];
  } else {
    GPTQT_CHECK(q.has_linear_params(), "a layer without a linear grid is not on {}'s grid", name);
    const float s = q.scale[gr], z = q.zero[gr];
    const int half = ggml_legacy_zero(type);
    if (type == GgmlType::Q8_0) {
      GPTQT_CHECK(z == 128.f, "row {} group {}: zero point {} is not Q8_0's 128", row, group, z);
      b.d = s;
      for (int i = 0; i < kGgmlLegacyBlock; ++i) b.q[i] = int(codes[i]) - 128;
    } else {
      GPTQT_CHECK(z == float(half) || z == float(half - 1), "row {} group {}: zero point {} is not {}'s", row,
                  group, z, name);
      const bool flipped = z == float(half - 1);
      b.d = flipped ? -s : s;
      for (int i = 0; i < kGgmlLegacyBlock; ++i) b.q[i] = flipped ? 2 * half - 1 - codes[i] : codes[i];
    }
    GPTQT_CHECK(round_to_f16(b.d) == b.d, "row {} group {}: scale {} is not an fp16 value, so not {}'s", row, group, b.d,
                name);
  }
  return b;
}

}  // namespace gptqt::quant
