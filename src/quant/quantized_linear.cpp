#include "quant/quantized_linear.h"

#include "core/error.h"

namespace gptqt::quant {

QuantizedLinear make_quantized_linear(int rows, int cols, int bits, int group_size) {
  GPTQT_CHECK(rows > 0 && cols > 0, "quantized linear: bad shape {}x{}", rows, cols);
  GPTQT_CHECK(bits >= 1 && bits <= kMaxBits, "quantized linear: bits must be 1..{}, got {}", kMaxBits,
              bits);
  GPTQT_CHECK(group_size == -1 || group_size > 0, "quantized linear: group size must be -1 or > 0, got {}",
              group_size);
  QuantizedLinear q;
  q.rows = rows, q.cols = cols, q.bits = bits, q.group_size = group_size;
  const size_t groups = q.n_groups();
  q.codes.assign(size_t(rows) * cols, 0);
  q.alpha.assign(groups * bits * rows, 0.f);
  q.offset.assign(groups * rows, 0.f);
  return q;
}

void validate(const QuantizedLinear& q) {
  GPTQT_CHECK(q.rows > 0 && q.cols > 0 && q.bits >= 1 && q.bits <= kMaxBits &&
                  (q.group_size == -1 || q.group_size > 0),
              "quantized linear: bad header rows={} cols={} bits={} group_size={}", q.rows, q.cols, q.bits,
              q.group_size);
  const size_t groups = q.n_groups(), rows = q.rows;
  GPTQT_CHECK(q.codes.size() == rows * q.cols, "quantized linear: {} codes for {}x{}", q.codes.size(), rows,
              q.cols);
  GPTQT_CHECK(q.alpha.size() == groups * q.bits * rows && q.offset.size() == groups * rows,
              "quantized linear: alpha/offset sizes {}/{} do not match {} groups x {} bits x {} rows",
              q.alpha.size(), q.offset.size(), groups, q.bits, rows);
  GPTQT_CHECK(q.scale.size() == q.zero.size() && (q.scale.empty() || q.scale.size() == groups * rows),
              "quantized linear: scale/zero sizes {}/{} do not match {} groups x {} rows", q.scale.size(),
              q.zero.size(), groups, rows);
  const unsigned max_code = (1u << q.bits) - 1;
  for (uint8_t c : q.codes) GPTQT_CHECK(c <= max_code, "quantized linear: code {} exceeds {} bits", c, q.bits);
  if (!q.perm.empty()) {
    GPTQT_CHECK(q.perm.size() == size_t(q.cols), "quantized linear: perm has {} entries for {} columns",
                q.perm.size(), q.cols);
    std::vector<char> seen(q.cols, 0);
    for (int c : q.perm) {
      GPTQT_CHECK(c >= 0 && c < q.cols && !seen[c], "quantized linear: perm is not a permutation");
      seen[c] = 1;
    }
  }
  GPTQT_CHECK(!q.groups_follow_perm || !q.perm.empty(), "quantized linear: groups follow an empty perm");
}

std::vector<int> QuantizedLinear::group_index() const {
  const GroupLayout g = layout();
  std::vector<int> gidx(cols);
  for (int i = 0; i < cols; ++i) {
    // Position i in processing order holds original column perm[i].
    const int col = groups_follow_perm ? perm[i] : i;
    gidx[col] = i / g.size();
  }
  return gidx;
}

float QuantizedLinear::value(int row, int col, const std::vector<int>& gidx) const {
  const size_t g = gidx[col];
  return level_value(&alpha[g * bits * rows + row], rows, offset[g * rows + row], bits,
                     codes[size_t(row) * cols + col]);
}

std::vector<float> dequantize(const QuantizedLinear& q) {
  validate(q);
  const std::vector<int> gidx = q.group_index();
  std::vector<float> w(size_t(q.rows) * q.cols);
  // Threads only pay off for large layers: on a busy machine waking them can take milliseconds.
#pragma omp parallel for schedule(static) if (w.size() >= (size_t(1) << 20))
  for (int r = 0; r < q.rows; ++r)
    for (int c = 0; c < q.cols; ++c) w[size_t(r) * q.cols + c] = q.value(r, c, gidx);
  return w;
}

}  // namespace gptqt::quant
