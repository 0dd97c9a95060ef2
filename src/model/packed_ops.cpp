#include "model/packed_ops.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "core/half.h"
#include "kernels/dequant_gemv.h"
#include "kernels/dequantize.h"
#include "kernels/int8_gemm.h"
#include "kernels/linear_matrix.h"
#include "kernels/lut_gemv.h"
#include "model/expanded_sgemm.h"

namespace gptqt {

PackedKernel parse_packed_kernel(const std::string& s) {
  if (s == "lut") return PackedKernel::lut;
  if (s == "dequant") return PackedKernel::dequant;
  if (s == "f32") return PackedKernel::f32;
  fail("unknown kernel \"{}\" (lut, dequant or f32)", s);
}

const char* packed_kernel_name(PackedKernel k) {
  return k == PackedKernel::lut ? "lut" : k == PackedKernel::dequant ? "dequant" : "f32";
}

BatchGemm parse_batch_gemm(const std::string& s) {
  if (s == "auto") return BatchGemm::automatic;
  if (s == "int8") return BatchGemm::int8;
  if (s == "sgemm") return BatchGemm::sgemm;
  fail("unknown batch GEMM \"{}\" (auto, int8 or sgemm)", s);
}

const char* batch_gemm_description(BatchGemm g) {
  return g == BatchGemm::int8    ? "int8 GEMM"
         : g == BatchGemm::sgemm ? "dequantize + sgemm"
                                 : "int8 GEMM on linear grids, dequantize + sgemm on other codings";
}

namespace {

// What both packed ops share: the optional input permutation (act-order) and the
// large-batch path through dequantized row tiles and sgemm.
class PackedOpBase : public LinearOp {
 public:
  PackedOpBase(PackedLinear q, BatchGemm batch)
      : q_(std::move(q)),
        int8_batches_(batch == BatchGemm::int8 ||
                      (batch == BatchGemm::automatic && kernels::int8_gemm_is_exact(q_.view()))) {}
  int rows() const override { return q_.rows; }
  int cols() const override { return q_.cols; }
  int int8_input_groups(int T) const override {  // act-order layers permute their own input
    return T > kSmallBatch && int8_batches_ && q_.perm.empty() ? q_.view().shape().group_cols() : 0;
  }
  void forward_int8(const kernels::Int8Activations& x, float* y) const override {
    kernels::int8_gemm(q_.view().shape(), int8_tiles(), x, y);
  }

  void forward(const float* x, int T, float* y) const override {
    const float* in = x;
    std::vector<float> permuted;
    if (!q_.perm.empty()) {  // stored column i is original column perm[i]
      permuted.resize(size_t(T) * q_.cols);
      for (int t = 0; t < T; ++t)
        for (int i = 0; i < q_.cols; ++i)
          permuted[size_t(t) * q_.cols + i] = x[size_t(t) * q_.cols + q_.perm[size_t(i)]];
      in = permuted.data();
    }
    if (T <= kSmallBatch)
      small_batch(in, T, y);
    else if (int8_batches_)
      kernels::int8_gemm(q_.view().shape(), int8_tiles(), in, T, y);
    else
      expanded_sgemm(q_.rows, q_.cols, [this](int r0, int r1, float* dst) { expand_rows(r0, r1, dst); }, in, T, y);
  }

 protected:
  virtual void small_batch(const float* x, int T, float* y) const = 0;
  // The batch paths' access to the weights, from the sign planes unless a subclass
  // holds them in another layout.
  virtual kernels::Int8TileSource int8_tiles() const {
    return [this](int r0, kernels::Int8Tile& tile) { kernels::decode_int8_tile(q_.view(), r0, tile); };
  }
  virtual void expand_rows(int r0, int r1, float* dst) const { kernels::dequantize_rows(q_.view(), r0, r1, dst); }
  const PackedLinear& q() const { return q_; }
  void release_planes() { q_.planes = std::vector<uint32_t>(); }
  void release_scales() {
    q_.alpha = std::vector<float>();
    q_.offset = std::vector<float>();
  }

 private:
  PackedLinear q_;
  bool int8_batches_;  // batches through the int8 GEMM (else dequantize + sgemm)
};

// Holds its weights once, as LUT records: the batch paths rebuild each 32-row tile's
// planes from them (exact), so the sign planes are released after the repacking, and
// so are the fp32 alpha and offset when the records' fp16 copies hold them exactly (a
// packed file's do; weights converted from GGUF blocks may not).
class LutLinear : public PackedOpBase {
 public:
  LutLinear(PackedLinear q, BatchGemm batch)
      : PackedOpBase(std::move(q), batch), lut_(kernels::repack_for_lut(this->q().view())) {
    release_planes();
    if (fp16_values(this->q().alpha) && fp16_values(this->q().offset)) release_scales();
  }
  size_t weight_bytes() const override { return size_t(lut_.weight_bytes()); }
  std::string kind() const override { return fmt::format("lut{}g{}", q().bits, q().group_size); }
  const kernels::BcqPacked* lut_weights(int T) const override {  // act-order layers permute their own input
    return T <= kSmallBatch && q().perm.empty() ? &lut_ : nullptr;
  }

 protected:
  void small_batch(const float* x, int T, float* y) const override { kernels::lut_gemm(lut_, x, T, y); }
  kernels::Int8TileSource int8_tiles() const override {
    return [this](int r0, kernels::Int8Tile& tile) {
      kernels::decode_int8_tile(tile_rows(r0 / kernels::kLutTileRows).view(), 0, tile);
    };
  }
  // Any run of rows; expanded_sgemm asks for whole tiles, so each is rebuilt once.
  void expand_rows(int r0, int r1, float* dst) const override {
    for (int r = r0; r < r1;) {
      const int tile = r / kernels::kLutTileRows, in_tile = r - tile * kernels::kLutTileRows;
      const int n = std::min(r1 - r, kernels::kLutTileRows - in_tile);
      kernels::dequantize_rows(tile_rows(tile).view(), in_tile, in_tile + n, dst + size_t(r - r0) * q().cols);
      r += n;
    }
  }

 private:
  // The tile's rows in this thread's matrix, valid until its next call.
  const kernels::BcqMatrix& tile_rows(int tile) const {
    thread_local kernels::BcqMatrix m;
    const bool released = q().alpha.empty();  // then the records' fp16 values are exact
    kernels::lut_tile_matrix(lut_, tile, released ? nullptr : q().alpha.data(), released ? nullptr : q().offset.data(),
                             m);
    return m;
  }
  static bool fp16_values(const std::vector<float>& v) {
    return std::all_of(v.begin(), v.end(), [](float x) { return f16_to_f32(f32_to_f16(x)) == x; });
  }
  kernels::BcqPacked lut_;
};

class DequantLinear : public PackedOpBase {
 public:
  DequantLinear(PackedLinear q, BatchGemm batch) : PackedOpBase(std::move(q), batch), lin_(make_linear(this->q())) {}
  size_t weight_bytes() const override {
    return lin_.qweight.size() * 4 + (lin_.scale.size() + lin_.zero.size()) * 2;
  }
  std::string kind() const override { return fmt::format("dequant{}g{}", q().bits, q().group_size); }

 protected:
  void small_batch(const float* x, int T, float* y) const override {
    if (T == 1)
      kernels::dequant_gemv(lin_.view(), x, y);
    else
      kernels::dequant_gemm(lin_.view(), x, T, y);
  }

 private:
  static kernels::LinearMatrix make_linear(const PackedLinear& q) {
    kernels::LinearMatrix m(q.rows, q.cols, q.bits, q.group_size);
    std::vector<uint8_t> codes = kernels::unpack_signs(q.planes.data(), q.rows, q.cols, q.bits);
    m.qweight = kernels::pack_linear_codes(codes.data(), q.rows, q.cols, q.bits);
    // scale and zero from alpha_0 and offset, not the stored fp16 scale/zero: each
    // fp16 value was rounded on its own, and the binary-coded levels are the truth.
    const size_t n = size_t(q.n_groups()) * q.rows;
    const float mid = float((1 << q.bits) - 1) / 2.f;
    m.scale.resize(n);
    m.zero.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const size_t g = i / q.rows, r = i % q.rows;
      m.scale[i] = 2.f * q.alpha[(g * q.bits) * q.rows + r];
      m.zero[i] = m.scale[i] != 0.f ? mid - q.offset[i] / m.scale[i] : 0.f;
    }
    return m;
  }
  kernels::LinearMatrix lin_;
};

}  // namespace

std::unique_ptr<LinearOp> make_packed_op(PackedLinear q, PackedKernel kernel, BatchGemm batch) {
  GPTQT_CHECK(q.bits <= 4, "a packed layer of {} bits: the kernels run 1 to 4", q.bits);
  if (kernel == PackedKernel::f32) {
    const int rows = q.rows, cols = q.cols;
    return std::make_unique<DenseLinear>(rows, cols, q.dequantize());
  }
  const bool dequant = kernel == PackedKernel::dequant && !q.scale.empty() && q.bits >= 2;
  // The stored grid scale and zero are for other formats' writers: every kernel here
  // works from alpha and offset.
  q.scale = std::vector<float>();
  q.zero = std::vector<float>();
  if (dequant) return std::make_unique<DequantLinear>(std::move(q), batch);
  return std::make_unique<LutLinear>(std::move(q), batch);
}

}  // namespace gptqt
