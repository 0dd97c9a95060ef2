// Randomized Hadamard rotations for incoherence processing (QuIP#, QuaRot): R = D·H/√n with
// D a seeded random ±1 diagonal and H a Hadamard matrix of order n, so R is orthogonal and
// W·x = (W·R)(Rᵀ·x). Quantizing W·R instead of W spreads each outlier weight over a whole
// row; the runtime applies Rᵀ to the activations (or the rotation is fused into a
// neighbouring layer where the algebra allows).
//
// n = m·2^k, H = H_m ⊗ H_{2^k}: a Sylvester matrix (fast Walsh-Hadamard transform, k·n
// additions) times, across the m chunks, a Paley matrix of order m (m·n multiply-adds), or
// for an m no Paley construction gives (9 in 576 = 9·64 has none), the largest 2^k whose
// m has one (576 = 36·16). Widths of real models: 576 = 36·16, 896 = 28·32, 1536 = 12·128,
// 4864 = 76·64, 14336 = 28·512, 2^k. Where no 2^k works (18 = 9·2), R is block-diagonal:
// m blocks of the largest 2^k, each mixed within itself only.
#pragma once
#include <cstdint>
#include <vector>

namespace gptqt::kernels {

// A Hadamard matrix of order m from Paley's constructions with a prime q (I: m = q + 1,
// q ≡ 3 mod 4; II: m = 2(q + 1), q ≡ 1 mod 4), or Sylvester's for m = 1, 2; entries ±1,
// row-major. Empty when none of these gives order m.
std::vector<int8_t> hadamard_matrix(int m);

class HadamardRotation {
 public:
  // Throws gptqt::Error for an odd n (no Hadamard structure) or n < 2.
  HadamardRotation(int n, uint64_t seed);
  int size() const { return n_; }
  int chunk() const { return chunk_; }  // 2^k
  int order_m() const { return m_; }   // m: the Paley (or block) factor
  uint64_t seed() const { return seed_; }

  // v ← Rᵀ·v for `count` vectors of length n stored one after another. Applied to the rows
  // of W it gives the rows of W·R; applied to an activation x it gives Rᵀ·x.
  void apply_transpose(float* v, int64_t count) const;
  // v ← R·v (the inverse): undoes apply_transpose.
  void apply(float* v, int64_t count) const;

 private:
  void transform(float* v, int64_t count, bool transpose) const;  // Rᵀ·v (transpose) or R·v
  int n_, chunk_, m_;
  uint64_t seed_;
  std::vector<float> signs_;   // D
  std::vector<float> mix_;     // H_m / √n (m × m), or empty: identity across chunks (blocks)
  float chunk_scale_;          // 1/√(2^k) when there is no mix (blocks), else 1
};

namespace detail {  // AVX2 steps (hadamard_avx2.cpp), for len = 2^k >= 8 and chunks of 8k floats
void fwht_avx2(float* v, int len);
void mix_chunks_avx2(const float* mix, int m, int chunk, bool transpose, const float* x, float* out);
}  // namespace detail

}  // namespace gptqt::kernels
