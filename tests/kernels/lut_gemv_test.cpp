// The LUT kernels on every instruction set this CPU has, with 1 and 2 threads,
// checked two ways:
//
// 1. Against a double-precision emulation that reads the int8 tables by their
//    documented layout and the fp16-rounded alpha and offset: only fp32 rounding
//    separates it from the kernel, so the tolerance is 1e-5 of
//    mag = Σ_groups (|offset| + Σ_planes |alpha|) · Σ_group |x|, a bound on every
//    partial sum. This pins down the layout and the arithmetic exactly.
// 2. Against the exact product of the dequantized matrix, within a worst-case bound
//    of the two roundings the kernel makes by design. A table entry is rounded to its
//    segment's int8 grid, off by at most scale/2 (plus float slop, far below 1e-4 of
//    that), and a plane of a segment sums 4 lookups per 16 columns; alpha and offset
//    are rounded to fp16 (relative 2^-11). Per output:
//      |error| ≤ Σ_segments Σ_planes |alpha| · lookups · scale/2 · (1 + 1e-4)
//              + (2^-11 + 1e-5) · mag.
//    The rounding errors are independent, so the typical error is about
//    sqrt(lookups) times smaller; LutAccuracy measures it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/half.h"
#include "kernel_test_util.h"
#include "kernels/dequant_gemv.h"
#include "kernels/lut_gemv.h"

namespace gptqt::kernels::test {
namespace {

double f16(float v) { return f16_to_f32(f32_to_f16(v)); }

// mag (see above) for every (vector, row).
std::vector<double> magnitude(const BcqMatrixView& w, const float* X, int batch) {
  const QuantShape s = w.shape();
  std::vector<double> mag(size_t(batch) * w.rows, 0.0);
  for (int v = 0; v < batch; ++v) {
    std::vector<double> l1(s.n_groups(), 0.0);
    for (int c = 0; c < w.cols; ++c) l1[s.group_of(c)] += std::abs(X[size_t(v) * w.cols + c]);
    for (int r = 0; r < w.rows; ++r)
      for (int g = 0; g < s.n_groups(); ++g) {
        double a = std::abs(w.offset_at(g, r));
        for (int j = 0; j < w.bits; ++j) a += std::abs(w.alpha_at(g, j, r));
        mag[size_t(v) * w.rows + r] += a * l1[g];
      }
  }
  return mag;
}

// The product the int8 tables define, in double.
std::vector<double> table_emulation(const BcqMatrixView& w, const LutTables& t) {
  const QuantShape s = w.shape();
  std::vector<double> y(size_t(t.batch) * w.rows, 0.0);
  for (int v = 0; v < t.batch; ++v)
    for (int r = 0; r < w.rows; ++r) {
      double acc = 0;
      for (size_t k = 0; k < t.segments.size(); ++k) {
        const LutSegment& seg = t.segments[k];
        for (int j = 0; j < w.bits; ++j) {
          const uint32_t* words = w.planes + (size_t(j) * w.rows + r) * s.blocks();
          long sum = 0;
          for (int q = 4 * seg.pair_begin; q < 4 * (seg.pair_begin + seg.n_pairs); ++q) {
            const int p = (words[q / 8] >> (4 * (q % 8))) & 15;  // the quad's 4 signs
            const int slot = (q % 4 & 1) * 2 + (q % 4 >> 1);      // lut_layout.h record order
            sum += t.vector_tables(v)[(q / 4) * kLutTableBytes + slot * 32 + p];
          }
          acc += double(t.vector_seg_scale(v)[k]) * f16(w.alpha_at(seg.group, j, r)) * double(sum);
        }
        if (seg.ends_group) acc += f16(w.offset_at(seg.group, r)) * double(t.vector_group_sum(v)[seg.group]);
      }
      for (int o = 0; o < t.n_outliers[v]; ++o) {  // outside the tables, exact
        const ActivationOutlier out = t.vector_outliers(v)[o];
        for (int j = 0; j < w.bits; ++j) {
          const uint32_t word = w.planes[(size_t(j) * w.rows + r) * s.blocks() + out.col / 32];
          const double x = (word >> (out.col % 32)) & 1 ? out.value : -out.value;
          acc += f16(w.alpha_at(s.group_of(out.col), j, r)) * x;
        }
      }
      y[size_t(v) * w.rows + r] = acc;
    }
  return y;
}

// Scales n inputs spread over the vector by 100x and more (LLM outlier channels).
void add_outliers(float* x, int cols, int n) {
  for (int i = 0; i < n; ++i) x[(i * 7919 + 3) % cols] = (i % 2 ? -1.f : 1.f) * float(100 + 37 * i);
}

std::vector<double> error_bound(const BcqMatrixView& w, const LutTables& t, const std::vector<double>& mag) {
  std::vector<double> bound(mag.size());
  for (int v = 0; v < t.batch; ++v)
    for (int r = 0; r < w.rows; ++r) {
      double b = 0;
      for (size_t k = 0; k < t.segments.size(); ++k) {
        const LutSegment& seg = t.segments[k];
        double a = 0;
        for (int j = 0; j < w.bits; ++j) a += std::abs(w.alpha_at(seg.group, j, r));
        b += a * 4.0 * seg.n_pairs * t.vector_seg_scale(v)[k] * 0.5 * (1 + 1e-4);
      }
      const size_t i = size_t(v) * w.rows + r;
      bound[i] = b + (std::ldexp(1.0, -11) + 1e-5) * mag[i] + 1e-30;
    }
  return bound;
}

class LutGemm : public IsaTest {};

TEST_P(LutGemm, MatchesTableEmulationAndExactProduct) {
  uint32_t seed = 1;
  for (const Shape& sh : ragged_shapes())
    for (int bits = 1; bits <= 4; ++bits)
      for (int batch : {1, 3}) {
        SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " group " << sh.group_size << " bits "
                                          << bits << " batch " << batch);
        const BcqMatrix m = random_bcq(sh.rows, sh.cols, bits, sh.group_size, ++seed);
        const BcqPacked p = repack_for_lut(m.view());
        std::vector<float> X = random_vector(size_t(batch) * sh.cols, ++seed);
        if (batch > 1) add_outliers(X.data() + sh.cols, sh.cols, 2 * kMaxOutliers);
        LutTables t;
        build_lut_tables(X.data(), batch, sh.cols, sh.group_size, t);
        const std::vector<double> exact = dense_gemm(dense_bcq(m.view()), sh.rows, sh.cols, X.data(), batch);
        const std::vector<double> emul = table_emulation(m.view(), t);
        const std::vector<double> mag = magnitude(m.view(), X.data(), batch);
        const std::vector<double> bound = error_bound(m.view(), t, mag);
        for_thread_counts([&] {
          std::vector<float> Y(size_t(batch) * sh.rows, NAN);
          lut_gemm(p, t, Y.data());
          for (size_t i = 0; i < Y.size(); ++i) {
            ASSERT_NEAR(Y[i], emul[i], 1e-5 * mag[i]) << "output " << i;
            ASSERT_LE(std::abs(Y[i] - exact[i]), bound[i]) << "output " << i << " got " << Y[i] << " want " << exact[i];
          }
        });
      }
}

// Every SIMD path does the scalar path's integer arithmetic on bit-identical tables;
// only the order of the fp32 scaling differs.
TEST_P(LutGemm, AgreesWithScalarPath) {
  uint32_t seed = 100;
  for (const Shape& sh : ragged_shapes())
    for (int bits : {1, 3, 4}) {
      SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " group " << sh.group_size << " bits " << bits);
      const BcqMatrix m = random_bcq(sh.rows, sh.cols, bits, sh.group_size, ++seed);
      const BcqPacked p = repack_for_lut(m.view());
      const int batch = 5;
      std::vector<float> X = random_vector(size_t(batch) * sh.cols, ++seed);
      add_outliers(X.data(), sh.cols, 1);
      add_outliers(X.data() + 2 * sh.cols, sh.cols, 3);
      LutTables t;
      build_lut_tables(X.data(), batch, sh.cols, sh.group_size, t);
      std::vector<float> got(size_t(batch) * sh.rows), ref(got.size());
      lut_gemm(p, t, got.data());
      const Isa isa = active_isa();
      set_active_isa(Isa::scalar);
      LutTables ts;
      build_lut_tables(X.data(), batch, sh.cols, sh.group_size, ts);
      ASSERT_EQ(ts.tables, t.tables);
      ASSERT_EQ(ts.seg_scale, t.seg_scale);
      ASSERT_EQ(ts.n_outliers, t.n_outliers);
      lut_gemm(p, ts, ref.data());
      set_active_isa(isa);
      const std::vector<double> mag = magnitude(m.view(), X.data(), batch);
      for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], ref[i], 1e-5 * mag[i]) << "output " << i;
    }
}

// Each vector of a batch gets exactly what a GEMV of that vector gets.
TEST_P(LutGemm, BatchEqualsSeparateVectors) {
  const BcqMatrix m = random_bcq(70, 576, 3, 128, 7);
  const BcqPacked p = repack_for_lut(m.view());
  for (int batch : {2, 4, 7, 16}) {
    const std::vector<float> X = random_vector(size_t(batch) * 576, 8 + batch);
    std::vector<float> Y(size_t(batch) * 70), y(70);
    lut_gemm(p, X.data(), batch, Y.data());
    for (int v = 0; v < batch; ++v) {
      lut_gemv(p, X.data() + v * 576, y.data());
      for (int r = 0; r < 70; ++r) ASSERT_FLOAT_EQ(Y[v * 70 + r], y[r]) << "batch " << batch << " vector " << v;
    }
  }
}

// GPTQ/RTN results run on the LUT kernel after linear_to_bcq.
TEST_P(LutGemm, RunsLinearWeightsLikeTheDequantKernel) {
  for (int bits = 2; bits <= 4; ++bits) {
    const LinearMatrix l = random_linear(200, 700, bits, 64, 600 + bits);
    const BcqPacked p = repack_for_lut(linear_to_bcq(l.view()).view());
    const std::vector<float> x = random_vector(700, 700 + bits);
    std::vector<float> lut(200), deq(200);
    lut_gemv(p, x.data(), lut.data());
    dequant_gemv(l.view(), x.data(), deq.data());
    double num = 0, den = 0;
    for (int r = 0; r < 200; ++r) {
      num += double(lut[r] - deq[r]) * (lut[r] - deq[r]);
      den += double(deq[r]) * deq[r];
    }
    EXPECT_LT(std::sqrt(num / den), 1e-2) << bits << " bits";
  }
}

// Matrices of one input in one call (q/k/v): each gets the bits its own call gives,
// whatever the threads make of the shared tile loop.
TEST_P(LutGemm, SharedTablesGiveEachMatrixItsOwnProduct) {
  const int cols = 576;
  std::vector<BcqPacked> w;
  for (int rows : {96, 33, 33, 200}) w.push_back(repack_for_lut(random_bcq(rows, cols, 3, 64, 40 + rows).view()));
  for (int batch : {1, 3}) {
    const std::vector<float> X = random_vector(size_t(batch) * cols, 50 + batch);
    LutTables t;
    build_lut_tables(X.data(), batch, cols, 64, t);
    std::vector<std::vector<float>> got(w.size()), want(w.size());
    std::vector<LutProduct> products;
    for (size_t i = 0; i < w.size(); ++i) {
      got[i].assign(size_t(batch) * w[i].shape.rows, NAN);
      want[i].resize(got[i].size());
      lut_gemm(w[i], t, want[i].data());
      products.push_back({&w[i], got[i].data()});
    }
    for_thread_counts([&] {
      lut_gemm(products, t);
      for (size_t i = 0; i < w.size(); ++i) ASSERT_EQ(got[i], want[i]) << "matrix " << i << " batch " << batch;
    });
  }
}

GPTQT_INSTANTIATE_ISA_TESTS(LutGemm);

// Norm-wise relative error of the int8 tables on LLM-like shapes; the numbers are
// quoted in docs/kernels.md.
TEST(LutAccuracy, RelativeErrorIsSmall) {
  struct Case {
    int bits, group;
    float outlier;  // one input column this many times larger than the rest
  };
  for (const Case cs : {Case{2, 128, 1}, Case{3, 128, 1}, Case{4, 128, 1}, Case{3, 32, 1}, Case{3, -1, 1},
                        Case{3, 128, 50}, Case{3, -1, 50}, Case{3, 128, 1000}, Case{3, -1, 1000}}) {
    const int rows = 256, cols = 2048;
    const BcqMatrix m = random_bcq(rows, cols, cs.bits, cs.group, 11);
    const BcqPacked p = repack_for_lut(m.view());
    std::vector<float> x = random_vector(cols, 12);
    x[100] *= cs.outlier;
    std::vector<float> y(rows);
    lut_gemv(p, x.data(), y.data());
    const std::vector<double> want = dense_gemm(dense_bcq(m.view()), rows, cols, x.data(), 1);
    double num = 0, den = 0;
    for (int r = 0; r < rows; ++r) {
      num += (y[r] - want[r]) * (y[r] - want[r]);
      den += want[r] * want[r];
    }
    const double rel = std::sqrt(num / den);
    std::printf("LUT int8 tables: bits %d group %d outlier x%g: relative error %.2e\n", cs.bits, cs.group,
                double(cs.outlier), rel);
    EXPECT_LT(rel, 1e-2);
  }
}

// Inputs above kActivationOutlierRatio x mean |x| leave the tables (the largest kMaxOutliers,
// in column order); the group sums, which carry the offset term, keep them.
TEST(LutTables, ExtractOutliers) {
  const int cols = 576;
  std::vector<float> x = random_vector(cols, 21);
  LutTables t;
  build_lut_tables(x.data(), 1, cols, 128, t);
  EXPECT_EQ(t.n_outliers[0], 0) << "Gaussian inputs have no outliers";

  x[300] = 200.f;
  build_lut_tables(x.data(), 1, cols, 128, t);
  ASSERT_EQ(t.n_outliers[0], 1);
  EXPECT_EQ(t.vector_outliers(0)[0].col, 300);
  EXPECT_EQ(t.vector_outliers(0)[0].value, 200.f);
  double sum = 0;
  for (int c = 256; c < 384; ++c) sum += x[c];
  EXPECT_NEAR(t.vector_group_sum(0)[2], sum, 1e-3);
  // The segment now has the Gaussian inputs' scale, not the outlier's.
  EXPECT_LT(*std::max_element(t.seg_scale.begin(), t.seg_scale.end()), 20.f / 127.f);

  for (int i = 0; i < 12; ++i) x[40 * i + 7] = float(100 + i);  // 13 candidates: the 8 largest stay
  build_lut_tables(x.data(), 1, cols, 128, t);
  ASSERT_EQ(t.n_outliers[0], kMaxOutliers);
  std::vector<int> cols_kept;
  for (int o = 0; o < kMaxOutliers; ++o) cols_kept.push_back(t.vector_outliers(0)[o].col);
  EXPECT_EQ(cols_kept, (std::vector<int>{207, 247, 287, 300, 327, 367, 407, 447}));
}

// The batch paths of a layer that keeps only its LUT records rebuild each tile from them,
// with fp32 alpha and offset given or, when they are fp16 values, the records' own.
TEST(LutLayout, TileMatricesAreTheExactRows) {
  uint32_t seed = 60;
  for (const bool from_records : {false, true})
    for (const Shape& sh : ragged_shapes())
      for (int bits = 1; bits <= 4; ++bits) {
        SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " g" << sh.group_size << " " << bits
                                          << "-bit" << (from_records ? ", fp16 scales from the records" : ""));
        BcqMatrix m = random_bcq(sh.rows, sh.cols, bits, sh.group_size, ++seed);
        if (from_records)
          for (std::vector<float>* v : {&m.alpha, &m.offset})
            for (float& x : *v) x = float(f16(x));
        const BcqMatrixView w = m.view();
        const BcqPacked p = repack_for_lut(w);
        const float* alpha = from_records ? nullptr : m.alpha.data();
        const float* offset = from_records ? nullptr : m.offset.data();
        BcqMatrix t;  // reused, as the batch paths do: every element must be rewritten
        for (int tile = p.tiles - 1; tile >= 0; --tile) {  // the ragged last tile first
          lut_tile_matrix(p, tile, alpha, offset, t);
          const int r0 = tile * kLutTileRows;
          ASSERT_EQ(t.rows, std::min(kLutTileRows, sh.rows - r0));
          ASSERT_EQ(t.cols, sh.cols);
          for (int i = 0; i < t.rows; ++i) {
            for (int j = 0; j < bits; ++j)
              ASSERT_EQ(0, std::memcmp(t.view().plane_row(j, i), w.plane_row(j, r0 + i), w.shape().blocks() * 4))
                  << "plane " << j << " row " << r0 + i;
            for (int g = 0; g < w.shape().n_groups(); ++g) {
              for (int j = 0; j < bits; ++j) ASSERT_EQ(t.view().alpha_at(g, j, i), w.alpha_at(g, j, r0 + i));
              ASSERT_EQ(t.view().offset_at(g, i), w.offset_at(g, r0 + i));
            }
          }
        }
        EXPECT_THROW(lut_tile_matrix(p, p.tiles, alpha, offset, t), Error);
      }
}

TEST(LutGemm, RejectsTablesOfAnotherShape) {
  const BcqMatrix m = random_bcq(8, 256, 2, 128, 3);
  const BcqPacked p = repack_for_lut(m.view());
  const std::vector<float> x = random_vector(256, 4);
  LutTables t;
  build_lut_tables(x.data(), 1, 256, 64, t);
  std::vector<float> y(8);
  EXPECT_THROW(lut_gemm(p, t, y.data()), Error);
  build_lut_tables(x.data(), 1, 192, 128, t);
  EXPECT_THROW(lut_gemm(p, t, y.data()), Error);
  EXPECT_THROW(build_lut_tables(x.data(), 0, 256, 128, t), Error);
  build_lut_tables(x.data(), 1, 256, 128, t);
  const std::vector<LutProduct> too_many(kMaxLutProducts + 1, LutProduct{&p, y.data()});
  EXPECT_THROW(lut_gemm(too_many, t), Error);
  EXPECT_THROW(lut_gemm(std::span<const LutProduct>(), t), Error);
  EXPECT_THROW(build_lut_tables(x.data(), 1, 256, 100, t), Error);
}

}  // namespace
}  // namespace gptqt::kernels::test
