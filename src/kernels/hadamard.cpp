#include "kernels/hadamard.h"

#include <cmath>
#include <random>

#include "core/cpu_features.h"
#include "core/error.h"

namespace gptqt::kernels {

namespace {

bool is_prime(int q) {
  if (q < 2) return false;
  for (int d = 2; d * d <= q; ++d)
    if (q % d == 0) return false;
  return true;
}

// The Legendre symbol χ(a) of a modulo the odd prime q: 0, 1 or −1.
int legendre(int a, int q) {
  a = ((a % q) + q) % q;
  if (a == 0) return 0;
  int64_t r = 1, base = a;
  for (int e = (q - 1) / 2; e > 0; e >>= 1, base = base * base % q)
    if (e & 1) r = r * base % q;
  return r == 1 ? 1 : -1;
}

// Paley's (q + 1) × (q + 1) core: row/column 0 the border, Q[i][j] = χ(j − i) inside.
// `border_sign`: the first column is −1 (Paley I, skew) or +1 (Paley II, symmetric).
std::vector<int> paley_core(int q, int border_sign) {
  const int n = q + 1;
  std::vector<int> c(size_t(n) * n, 0);
  for (int j = 1; j < n; ++j) {
    c[j] = 1;
    c[size_t(j) * n] = border_sign;
  }
  for (int i = 1; i < n; ++i)
    for (int j = 1; j < n; ++j) c[size_t(i) * n + j] = legendre(j - i, q);
  return c;
}

constexpr int64_t kParallelCount = 16;  // fewer vectors than this: one thread (generation)

void fwht(float* v, int len) {
  for (int h = 1; h < len; h *= 2)
    for (int i = 0; i < len; i += 2 * h)
      for (int j = i; j < i + h; ++j) {
        const float a = v[j], b = v[j + h];
        v[j] = a + b;
        v[j + h] = a - b;
      }
}

}  // namespace

std::vector<int8_t> hadamard_matrix(int m) {
  if (m == 1) return {1};
  if (m == 2) return {1, 1, 1, -1};
  std::vector<int8_t> h;
  if (m % 4 != 0) return h;
  if (const int q = m - 1; is_prime(q) && q % 4 == 3) {  // Paley I: I + S with S skew
    const std::vector<int> s = paley_core(q, -1);
    h.resize(size_t(m) * m);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < m; ++j) h[size_t(i) * m + j] = int8_t(s[size_t(i) * m + j] + (i == j ? 1 : 0));
    return h;
  }
  if (const int q = m / 2 - 1; is_prime(q) && q % 4 == 1) {  // Paley II from the conference matrix C
    const std::vector<int> c = paley_core(q, 1);
    const int n = q + 1;
    h.resize(size_t(m) * m);
    // C's zeros become [[1, −1], [−1, −1]], its ±1 become ±[[1, 1], [1, −1]].
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        const int v = c[size_t(i) * n + j];
        const int blk[2][2] = {{v == 0 ? 1 : v, v == 0 ? -1 : v}, {v == 0 ? -1 : v, v == 0 ? -1 : -v}};
        for (int a = 0; a < 2; ++a)
          for (int b = 0; b < 2; ++b) h[size_t(2 * i + a) * m + 2 * j + b] = int8_t(blk[a][b]);
      }
  }
  return h;
}

HadamardRotation::HadamardRotation(int n, uint64_t seed) : n_(n), seed_(seed) {
  GPTQT_CHECK(n >= 2 && n % 2 == 0, "a Hadamard rotation needs an even width, not {}", n);
  int max_chunk = 1;
  while (n % (max_chunk * 2) == 0) max_chunk *= 2;
  chunk_ = 0;
  std::vector<int8_t> h;
  for (int c = max_chunk; c >= 2 && chunk_ == 0; c /= 2)
    if (h = hadamard_matrix(n / c); !h.empty()) chunk_ = c;
  m_ = chunk_ ? n / chunk_ : n / max_chunk;
  if (chunk_ == 0) chunk_ = max_chunk;  // no Paley factor: blocks of the largest 2^k
  const float inv_sqrt_n = 1.f / std::sqrt(float(n));
  if (!h.empty() && m_ > 1) {
    mix_.resize(size_t(m_) * m_);
    for (size_t i = 0; i < mix_.size(); ++i) mix_[i] = float(h[i]) * inv_sqrt_n;
    chunk_scale_ = 1.f;
  } else {
    chunk_scale_ = m_ == 1 ? inv_sqrt_n : 1.f / std::sqrt(float(chunk_));
  }
  std::mt19937_64 rng(seed);
  signs_.resize(n);
  for (int i = 0; i < n; i += 64) {
    const uint64_t bits = rng();
    for (int j = i; j < std::min(n, i + 64); ++j) signs_[j] = (bits >> (j - i)) & 1u ? -1.f : 1.f;
  }
}

// R = D·(H_m ⊗ H_c)/√n. Rᵀ·v = (H_mᵀ ⊗ H_c)(D·v)/√n; R·v = D·(H_m ⊗ H_c)·v/√n (H_c is symmetric).
void HadamardRotation::apply_transpose(float* v, int64_t count) const { transform(v, count, /*transpose=*/true); }

void HadamardRotation::apply(float* v, int64_t count) const { transform(v, count, /*transpose=*/false); }

// Vectors are independent: a prompt's positions (or a matrix's rows) split over the threads.
void HadamardRotation::transform(float* v, int64_t count, bool transpose) const {
  const bool avx2 = active_isa() >= Isa::avx2 && chunk_ % 8 == 0;  // chunks of whole registers
#pragma omp parallel if (count >= kParallelCount)
  {
    std::vector<float> tmp(mix_.empty() ? 0 : n_);
#pragma omp for schedule(static)
    for (int64_t t = 0; t < count; ++t) {
      float* x = v + t * n_;
      if (transpose)
        for (int i = 0; i < n_; ++i) x[i] *= signs_[i] * chunk_scale_;
      for (int a = 0; a < m_; ++a) avx2 ? detail::fwht_avx2(x + a * chunk_, chunk_) : fwht(x + a * chunk_, chunk_);
      if (!mix_.empty()) {
        if (avx2) {
          detail::mix_chunks_avx2(mix_.data(), m_, chunk_, transpose, x, tmp.data());
        } else {
          std::fill(tmp.begin(), tmp.end(), 0.f);
          for (int a = 0; a < m_; ++a)      // output chunk a
            for (int b = 0; b < m_; ++b) {  // gets H_m[a][b] (Rᵀ: H_m[b][a]) times input chunk b
              const float w = transpose ? mix_[size_t(b) * m_ + a] : mix_[size_t(a) * m_ + b];
              const float* src = x + b * chunk_;
              float* dst = &tmp[size_t(a) * chunk_];
              for (int j = 0; j < chunk_; ++j) dst[j] += w * src[j];
            }
        }
        std::copy(tmp.begin(), tmp.end(), x);
      }
      if (!transpose)
        for (int i = 0; i < n_; ++i) x[i] *= signs_[i] * chunk_scale_;
    }
  }
}

}  // namespace gptqt::kernels
