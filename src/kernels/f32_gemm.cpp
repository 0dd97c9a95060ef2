#include "kernels/f32_gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/aligned_vector.h"
#include "kernels/blas_cores.h"

namespace gptqt::kernels {

namespace {

// Depth 256: the AVX-512 path's B panel (256 × 32 floats, 32 KiB) stays in L1 while
// A's rows stream past it from a block of 192 rows (192 KiB) that stays in L2; B is
// packed once per call, in blocks of 256 columns (256 KiB).
constexpr int kDepth = 256;
constexpr int kBlockRows = 192;  // a multiple of both paths' MR
constexpr int kBlockCols = 256;
// Below about a million multiply-adds (some tens of microseconds) a second thread
// costs more than it saves.
constexpr int64_t kMinParallelMacs = int64_t(1) << 20;

using TileKernel = void (*)(int, const float*, int64_t, const float*, float*, int64_t, int, int, bool, float);
struct Path {
  int mr, nr;
  TileKernel tile;
};

// Columns [n0, n0 + cols) of C's B over depth [k0, k0 + depth) as [depth][nr], columns
// past `cols` zero. B is n × k when BRowsAreColumns (Aᵀ-style), else k × n.
template <bool BRowsAreColumns>
void pack_b(const float* B, int64_t ldb, int n0, int cols, int k0, int depth, int nr, float* dst) {
  if constexpr (BRowsAreColumns) {
    for (int j = 0; j < cols; ++j) {
      const float* src = B + int64_t(n0 + j) * ldb + k0;
      for (int kk = 0; kk < depth; ++kk) dst[size_t(kk) * nr + j] = src[kk];
    }
  } else {
    for (int kk = 0; kk < depth; ++kk) std::copy_n(B + int64_t(k0 + kk) * ldb + n0, cols, dst + size_t(kk) * nr);
  }
  if (cols < nr)
    for (int kk = 0; kk < depth; ++kk) std::fill(dst + size_t(kk) * nr + cols, dst + size_t(kk + 1) * nr, 0.f);
}

// Column panels [q0, q1) of C, every row.
template <bool BRowsAreColumns>
void run_panels(const Path& p, int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B,
                int64_t ldb, float* C, int64_t ldc, int q0, int q1) {
  const int block_panels = std::max(1, kBlockCols / p.nr);
  thread_local AlignedVector<float> b_pack;
  b_pack.resize(size_t(kDepth) * block_panels * p.nr);
  for (int k0 = 0; k0 < k; k0 += kDepth) {
    const int depth = std::min(kDepth, k - k0);
    const float scale = k0 + depth == k ? alpha : 1.f;
    for (int qb = q0; qb < q1; qb += block_panels) {
      const int qe = std::min(q1, qb + block_panels);
      auto panel = [&](int q) { return b_pack.data() + size_t(q - qb) * depth * p.nr; };
      for (int q = qb; q < qe; ++q)
        pack_b<BRowsAreColumns>(B, ldb, q * p.nr, std::min(p.nr, n - q * p.nr), k0, depth, p.nr, panel(q));
      for (int m0 = 0; m0 < m; m0 += kBlockRows) {
        const int rows = std::min(kBlockRows, m - m0);
        for (int q = qb; q < qe; ++q)
          for (int i = m0; i < m0 + rows; i += p.mr)
            p.tile(depth, A + int64_t(i) * lda + k0, lda, panel(q), C + int64_t(i) * ldc + q * p.nr, ldc,
                   std::min(p.mr, m0 + rows - i), std::min(p.nr, n - q * p.nr), k0 > 0, scale);
      }
    }
  }
}

template <bool BRowsAreColumns>
void gemm(bool own, int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
          float* C, int64_t ldc) {
  GPTQT_CHECK(m >= 0 && n >= 0 && k >= 0 && lda >= k && ldb >= (BRowsAreColumns ? k : n) && ldc >= n,
              "f32_gemm: bad shape {}x{}x{} (leading dimensions {}, {}, {})", m, n, k, lda, ldb, ldc);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int i = 0; i < m; ++i) std::fill_n(C + int64_t(i) * ldc, n, 0.f);
    return;
  }
  const Isa isa = active_isa();
  // OpenBLAS where its kernels use this path's vectors, for a product of its own
  // (inside a parallel region, as the attention calls it, its per-call cost shows).
  if (isa == Isa::scalar || (!own && !omp_in_parallel() && openblas_isa() >= isa)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, BRowsAreColumns ? CblasTrans : CblasNoTrans, m, n, k, alpha, A, int(lda),
                B, int(ldb), 0.f, C, int(ldc));
    return;
  }
  const Path p = isa == Isa::avx512
                     ? Path{detail::kF32GemmAvx512Rows, detail::kF32GemmAvx512Cols, detail::f32_gemm_tile_avx512}
                     : Path{detail::kF32GemmAvx2Rows, detail::kF32GemmAvx2Cols, detail::f32_gemm_tile_avx2};
  const int panels = (n + p.nr - 1) / p.nr;
  if (panels > 1 && !omp_in_parallel() && int64_t(m) * n * k >= kMinParallelMacs) {
#pragma omp parallel
    {  // an even share of C's column panels per thread
      const int t = omp_get_thread_num(), threads = omp_get_num_threads();
      run_panels<BRowsAreColumns>(p, m, n, k, alpha, A, lda, B, ldb, C, ldc, int(int64_t(panels) * t / threads),
                                  int(int64_t(panels) * (t + 1) / threads));
    }
  } else {
    run_panels<BRowsAreColumns>(p, m, n, k, alpha, A, lda, B, ldb, C, ldc, 0, panels);
  }
}

}  // namespace

void f32_gemm_nt(int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                 int64_t ldc) {
  gemm<true>(false, m, n, k, alpha, A, lda, B, ldb, C, ldc);
}

void f32_gemm_nn(int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                 int64_t ldc) {
  gemm<false>(false, m, n, k, alpha, A, lda, B, ldb, C, ldc);
}

namespace detail {

void own_f32_gemm_nt(int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                     float* C, int64_t ldc) {
  gemm<true>(true, m, n, k, alpha, A, lda, B, ldb, C, ldc);
}

void own_f32_gemm_nn(int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                     float* C, int64_t ldc) {
  gemm<false>(true, m, n, k, alpha, A, lda, B, ldb, C, ldc);
}

}  // namespace detail

}  // namespace gptqt::kernels
