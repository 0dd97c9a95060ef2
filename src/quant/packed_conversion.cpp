#include "quant/packed_conversion.h"

#include "kernels/bcq_matrix.h"

namespace gptqt::quant {

PackedLinear to_packed(const QuantizedLinear& q) {
  validate(q);
  PackedLinear p;
  p.rows = q.rows;
  p.cols = q.cols;
  p.bits = q.bits;
  p.group_size = q.group_size;
  const bool permuted = !q.perm.empty() && q.groups_follow_perm;
  std::vector<uint8_t> stored;
  if (permuted) {
    stored.resize(q.codes.size());
    for (int r = 0; r < q.rows; ++r)
      for (int i = 0; i < q.cols; ++i)
        stored[size_t(r) * q.cols + i] = q.codes[size_t(r) * q.cols + q.perm[size_t(i)]];
    p.perm.assign(q.perm.begin(), q.perm.end());
  }
  p.planes = kernels::pack_signs(permuted ? stored.data() : q.codes.data(), q.rows, q.cols, q.bits);
  p.alpha = q.alpha;
  p.offset = q.offset;
  p.scale = q.scale;
  p.zero = q.zero;
  return p;
}

QuantizedLinear from_packed(const PackedLinear& p) {
  p.check("packed layer");
  QuantizedLinear q = make_quantized_linear(p.rows, p.cols, p.bits, p.group_size);
  std::vector<uint8_t> stored = kernels::unpack_signs(p.planes.data(), p.rows, p.cols, p.bits);
  if (p.perm.empty()) {
    q.codes = std::move(stored);
  } else {
    for (int r = 0; r < p.rows; ++r)
      for (int i = 0; i < p.cols; ++i) q.codes[size_t(r) * p.cols + p.perm[size_t(i)]] = stored[size_t(r) * p.cols + i];
    q.perm.assign(p.perm.begin(), p.perm.end());
    q.groups_follow_perm = true;
  }
  q.alpha = p.alpha;
  q.offset = p.offset;
  q.scale = p.scale;
  q.zero = p.zero;
  validate(q);
  return q;
}

}  // namespace gptqt::quant
