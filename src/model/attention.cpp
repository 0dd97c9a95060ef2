#include "model/attention.h"

#include <cblas.h>

#include <cmath>

namespace gptqt {

void causal_attention(const AttentionShape& s, const float* q, int T, const float* k, const float* v, int S,
                      const std::vector<float>& alibi, float* out) {
  const int hd = s.head_dim, qd = s.n_heads * hd, kd = s.n_kv_heads * hd;
  const int group = s.n_heads / s.n_kv_heads;
  const int p0 = S - T;  // position of the first query
  const float scale = 1.f / std::sqrt(float(hd));
  std::vector<float> scores(size_t(T) * S);
  for (int h = 0; h < s.n_heads; ++h) {
    const int kh = h / group;
    // scores = scale * Q_h K_khᵀ (T x S); OpenBLAS threads the big products.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, S, hd, scale, q + h * hd, qd, k + kh * hd, kd, 0.f,
                scores.data(), S);
    const float slope = alibi.empty() ? 0.f : alibi[h];
#pragma omp parallel for schedule(static) if (T > 8)
    for (int t = 0; t < T; ++t) {
      float* row = scores.data() + size_t(t) * S;
      const int last = p0 + t;  // attend to positions 0..last
      float m = -INFINITY;
      for (int j = 0; j <= last; ++j) {
        row[j] += slope * float(j - last);
        m = row[j] > m ? row[j] : m;
      }
      double sum = 0;
      for (int j = 0; j <= last; ++j) {
        row[j] = std::exp(row[j] - m);
        sum += row[j];
      }
      const float inv = float(1.0 / sum);
      for (int j = 0; j <= last; ++j) row[j] *= inv;
      for (int j = last + 1; j < S; ++j) row[j] = 0.f;
    }
    // out_h = P V_kh (T x hd)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, S, 1.f, scores.data(), S, v + kh * hd, kd, 0.f,
                out + h * hd, qd);
  }
}

}  // namespace gptqt
