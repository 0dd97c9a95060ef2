// fp32 GEMM for batches: the fp32 layers of a prompt, dequantized tiles, and the
// attention's score and value products. OpenBLAS picks its kernels from the CPU
// model at load time (blas_cores.h): on a model it does not know they lack AVX2, and
// OPENBLAS_CORETYPE=Haswell holds an AVX-512 host to AVX2. So the AVX2 and AVX-512
// paths (chosen by active_isa()) are ours, and a product goes to cblas_sgemm only
// where OpenBLAS's kernels use the same vectors and the call is not inside a
// parallel region (there, as in the prompt attention's small products, OpenBLAS's
// per-call cost showed), or on the scalar path. Ours made 0.8-1.1× OpenBLAS's own
// kernels for the same vectors on SmolLM2's shapes (docs/performance.md).
//
// Blocked as BLIS does it: per thread and block of depth, B's columns packed into
// panels of NR columns ([depth][NR]), each kept in L1 while A's rows pass it MR at a
// time (read in place: a packed copy of A cost more than it saved). The
// micro-kernel keeps an MR × NR tile of C in registers (AVX-512: 8 × 32, AVX2:
// 6 × 16) and adds the depth's products with one fma per element and k, in order
// of k, from 0.f; the next depth block continues from C as stored. So every
// element is the chain c = fma(a_k, b_k, c) over k = 0, 1, ... and then c · alpha,
// the same bits on both vector paths (tests compare them with that chain).
#pragma once
#include <cstdint>

namespace gptqt::kernels {

// C (m × n, rows ldc floats apart) = alpha · A · Bᵀ, A m × k (rows lda apart), B n × k
// (rows ldb apart): B's rows are C's columns (x · Wᵀ, queries · keysᵀ).
void f32_gemm_nt(int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                 int64_t ldc);
// C = alpha · A · B, B k × n (rows ldb apart): B's columns are C's columns
// (attention weights · values).
void f32_gemm_nn(int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                 int64_t ldc);

namespace detail {

// Always ours, whatever OpenBLAS runs (tests, benchmarks).
void own_f32_gemm_nt(int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                     float* C, int64_t ldc);
void own_f32_gemm_nn(int m, int n, int k, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                     float* C, int64_t ldc);

// The micro-kernels: C's tile of `rows` × `cols` (≤ MR × NR) from `rows` rows of A
// (`depth` floats each, lda apart) and a packed panel of B ([depth][NR], zero past
// cols); adds to the stored tile when `accumulate`, and multiplies the sums by
// `scale` before storing (1.f except after the last depth block).
void f32_gemm_tile_avx2(int depth, const float* a, int64_t lda, const float* b, float* C, int64_t ldc, int rows,
                        int cols, bool accumulate, float scale);
void f32_gemm_tile_avx512(int depth, const float* a, int64_t lda, const float* b, float* C, int64_t ldc, int rows,
                          int cols, bool accumulate, float scale);
inline constexpr int kF32GemmAvx2Rows = 6, kF32GemmAvx2Cols = 16;
inline constexpr int kF32GemmAvx512Rows = 8, kF32GemmAvx512Cols = 32;

// f.template operator()<R>() with R = rows (1 ≤ rows ≤ Max): the micro-kernels are
// compiled once per row count, so a tail of rows keeps its accumulators in registers.
template <int Max, class F>
void with_rows(int rows, F&& f) {
  if constexpr (Max > 1)
    if (rows < Max) return with_rows<Max - 1>(rows, f);
  f.template operator()<Max>();
}

}  // namespace detail

}  // namespace gptqt::kernels
