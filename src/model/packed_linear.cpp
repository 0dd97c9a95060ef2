#include "model/packed_linear.h"

#include <cmath>

#include "core/error.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "kernels/dequantize.h"

namespace gptqt {

namespace {
int groups_of(int cols, int group_size) {
  const int64_t g = group_size > 0 ? group_size : cols;  // 64-bit: cols + g - 1 may not fit an int
  return cols > 0 ? int((int64_t(cols) + g - 1) / g) : 0;
}
}  // namespace

int PackedLinear::n_groups() const { return groups_of(cols, group_size); }

void PackedLinear::check(const std::string& what) const {
  // The bounds of any layer a model config may declare (model/config.cpp): keeps
  // every size below far from overflow. Up to 8 bits and groups of 16: a work folder
  // also keeps the layers of quantize --format (5 to 8 bits, k-quant sub-blocks of 16);
  // the kernels take 1 to 4 bits (make_packed_op) in groups of 32 (QuantShape::check).
  GPTQT_CHECK(rows > 0 && cols > 0 && rows <= (1 << 22) && cols <= (1 << 18) && bits >= 1 && bits <= 8,
              "{}: bad packed shape {}x{} at {} bits", what, rows, cols, bits);
  GPTQT_CHECK(group_size == -1 || group_size == cols || (group_size > 0 && group_size % 16 == 0),
              "{}: bad group size {}", what, group_size);
  const size_t words = size_t(cols + 31) / 32, g = size_t(n_groups());
  GPTQT_CHECK(planes.size() == size_t(bits) * rows * words, "{}: {} plane words, the shape needs {}", what,
              planes.size(), size_t(bits) * rows * words);
  GPTQT_CHECK(alpha.size() == g * bits * rows && offset.size() == g * rows, "{}: alpha/offset sizes disagree with the "
              "shape", what);
  GPTQT_CHECK(scale.size() == zero.size() && (scale.empty() || scale.size() == g * rows),
              "{}: scale/zero sizes disagree with the shape", what);
  if (!perm.empty()) {
    GPTQT_CHECK(perm.size() == size_t(cols), "{}: perm has {} entries for {} columns", what, perm.size(), cols);
    std::vector<bool> seen(static_cast<size_t>(cols));
    for (int32_t p : perm) {
      GPTQT_CHECK(p >= 0 && p < cols && !seen[size_t(p)], "{}: perm is not a permutation", what);
      seen[size_t(p)] = true;
    }
  }
  for (float v : alpha) GPTQT_CHECK(std::isfinite(v), "{}: non-finite alpha", what);
  for (float v : offset) GPTQT_CHECK(std::isfinite(v), "{}: non-finite offset", what);
  for (float v : scale) GPTQT_CHECK(std::isfinite(v), "{}: non-finite scale", what);
  for (float v : zero) GPTQT_CHECK(std::isfinite(v), "{}: non-finite zero", what);
}

std::vector<float> PackedLinear::dequantize() const {
  std::vector<float> stored(size_t(rows) * cols);
  kernels::dequantize_rows(view(), 0, rows, stored.data());
  if (perm.empty()) return stored;
  std::vector<float> out(stored.size());
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < cols; ++i) out[size_t(r) * cols + perm[size_t(i)]] = stored[size_t(r) * cols + i];
  return out;
}

double PackedLinear::bits_per_weight() const {
  double bits_total = double(bits) * rows * cols + 16.0 * (alpha.size() + offset.size()) + 32.0 * perm.size();
  return bits_total / (double(rows) * cols);
}

double PackedLinear::bits_per_weight(int rows, int cols, int bits, int group_size, bool permuted) {
  const double groups = double(groups_of(cols, group_size)) * rows;  // α per bit plane and an offset in each
  const double bits_total = double(bits) * rows * cols + 16.0 * groups * (bits + 1) + (permuted ? 32.0 * cols : 0.0);
  return bits_total / (double(rows) * cols);
}

void write_packed_linear(SafetensorsWriter& out, const std::string& prefix, const PackedLinear& q, bool fp16) {
  q.check(prefix);
  const int32_t shape[4] = {q.rows, q.cols, q.bits, q.group_size};
  out.add_i32(prefix + ".shape", {4}, shape);
  out.add_u32(prefix + ".planes", {q.bits, q.rows, (q.cols + 31) / 32}, q.planes.data());
  auto add = [&](const char* name, const std::vector<float>& v, std::vector<int64_t> shape) {
    if (fp16)
      out.add_f16(prefix + name, std::move(shape), v.data());
    else
      out.add_f32(prefix + name, std::move(shape), v.data());
  };
  const int g = q.n_groups();
  add(".alpha", q.alpha, {g, q.bits, q.rows});
  add(".offset", q.offset, {g, q.rows});
  if (!q.scale.empty()) {
    add(".scale", q.scale, {g, q.rows});
    add(".zero", q.zero, {g, q.rows});
  }
  if (!q.perm.empty()) out.add_i32(prefix + ".perm", {q.cols}, q.perm.data());
}

bool has_packed_linear(const SafetensorsFile& f, const std::string& prefix) { return f.has(prefix + ".planes"); }

PackedLinear read_packed_linear(const SafetensorsFile& f, const std::string& prefix) {
  PackedLinear q;
  const std::vector<int32_t> shape = f.copy_raw<int32_t>(prefix + ".shape", "I32");
  GPTQT_CHECK(shape.size() == 4, "{}: {}.shape must hold 4 integers", f.describe(), prefix);
  q.rows = shape[0];
  q.cols = shape[1];
  q.bits = shape[2];
  q.group_size = shape[3];
  q.planes = f.copy_raw<uint32_t>(prefix + ".planes", "U32");
  q.alpha = f.load(prefix + ".alpha").data;
  q.offset = f.load(prefix + ".offset").data;
  if (f.has(prefix + ".scale")) {
    q.scale = f.load(prefix + ".scale").data;
    q.zero = f.load(prefix + ".zero").data;
  }
  if (f.has(prefix + ".perm")) q.perm = f.copy_raw<int32_t>(prefix + ".perm", "I32");
  q.check(f.describe() + ": " + prefix);
  return q;
}

}  // namespace gptqt
