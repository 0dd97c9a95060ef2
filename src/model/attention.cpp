#include "model/attention.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/f32_gemm.h"
#include "kernels/f32_gemv.h"
#include "kernels/half_rows.h"
#include "kernels/softmax.h"

namespace gptqt {

namespace {

// Softcap, ALiBi and softmax of one query's scores over the positions it sees.
void normalize_scores(const AttentionShape& s, float slope, int first, int last, float* row) {
  if (s.softcap > 0)
    for (int j = first; j <= last; ++j) row[j] = s.softcap * std::tanh(row[j] / s.softcap);
  if (slope != 0.f)
    for (int j = first; j <= last; ++j) row[j] += slope * float(j - last);
  kernels::softmax_inplace(row + first, last + 1 - first);
}

// One query (a generated token): the query heads that share a key/value head take
// it together, as two small products on the calling thread that read each key and
// value once for all of them (a 1-row sgemm per head re-read them and cost more in
// its call than in its arithmetic); the key/value heads are split over the threads
// only when a long context makes a team worth it.
template <class E>  // the cache's element type: float or uint16_t (fp16 bits)
void attend_one_query(const AttentionShape& s, const float* q, const KvView& kv, int S,
                      const std::vector<float>& alibi, float* out) {
  const E* k = static_cast<const E*>(kv.k);
  const E* v = static_cast<const E*>(kv.v);
  const int hd = s.head_dim, group = s.n_heads / s.n_kv_heads;
  const int last = S - 1, first = s.window > 0 ? std::max(0, last - s.window + 1) : 0, n = last + 1 - first;
  const float scale = s.scale > 0 ? s.scale : 1.f / std::sqrt(float(hd));
#pragma omp parallel if (size_t(s.n_heads) * n * hd >= (size_t(1) << 14))
  {
    thread_local std::vector<float> scores;  // [group][S]
    scores.resize(size_t(group) * S);
#pragma omp for schedule(static)
    for (int kh = 0; kh < s.n_kv_heads; ++kh) {
      const int h0 = kh * group;
      const int64_t at = first * kv.row_stride + kh * kv.head_stride;
      kernels::f32_rows_dot(k + at, kv.row_stride, n, hd, q + size_t(h0) * hd, group, scale, scores.data() + first, S);
      for (int g = 0; g < group; ++g)
        normalize_scores(s, alibi.empty() ? 0.f : alibi[h0 + g], first, last, scores.data() + size_t(g) * S);
      kernels::f32_rows_combine(v + at, kv.row_stride, n, hd, scores.data() + first, S, group, out + size_t(h0) * hd);
    }
  }
}

// fp32 copies of an fp16 cache's first S positions, head-major, for the prompt path's sgemm.
KvView widened(const AttentionShape& s, const KvView& kv, int S) {
  thread_local std::vector<float> k, v;
  const size_t per_head = size_t(S) * s.head_dim;
  k.resize(per_head * s.n_kv_heads);
  v.resize(k.size());
  for (int h = 0; h < s.n_kv_heads; ++h)
    for (int p = 0; p < S; ++p) {
      const int64_t at = p * kv.row_stride + h * kv.head_stride;
      const size_t to = h * per_head + size_t(p) * s.head_dim;
      kernels::f16_to_f32_row(static_cast<const uint16_t*>(kv.k) + at, s.head_dim, k.data() + to);
      kernels::f16_to_f32_row(static_cast<const uint16_t*>(kv.v) + at, s.head_dim, v.data() + to);
    }
  return {k.data(), v.data(), KvType::f32, s.head_dim, int64_t(per_head)};
}

}  // namespace

KvType parse_kv_type(const std::string& s) {
  if (s == "f32") return KvType::f32;
  if (s == "f16") return KvType::f16;
  fail("unknown KV cache type \"{}\" (f32 or f16)", s);
}

const char* kv_type_name(KvType t) { return t == KvType::f16 ? "f16" : "f32"; }

void causal_attention(const AttentionShape& s, const float* q, int T, const KvView& kv_in, int S,
                      const std::vector<float>& alibi, float* out) {
  if (T == 1)
    return kv_in.type == KvType::f16 ? attend_one_query<uint16_t>(s, q, kv_in, S, alibi, out)
                                     : attend_one_query<float>(s, q, kv_in, S, alibi, out);
  const KvView kv = kv_in.type == KvType::f16 ? widened(s, kv_in, S) : kv_in;
  const float* k = static_cast<const float*>(kv.k);
  const float* v = static_cast<const float*>(kv.v);
  const int hd = s.head_dim, qd = s.n_heads * hd;
  const int ld = int(kv.row_stride);
  const int group = s.n_heads / s.n_kv_heads;
  const int p0 = S - T;  // position of the first query
  const float scale = s.scale > 0 ? s.scale : 1.f / std::sqrt(float(hd));
  // Queries in chunks: a chunk only needs the keys up to its last position, which
  // halves the work of a full causal window. Each (head, chunk) is one task of two
  // single-threaded GEMM calls, the costliest (last) chunks handed out first: one
  // parallel region per layer, where OpenBLAS's own threads met at every call.
  constexpr int kChunk = 64;
  const int chunks = (T + kChunk - 1) / kChunk, tasks = chunks * s.n_heads;
#pragma omp parallel if (size_t(T) * S * qd >= (size_t(1) << 20))
  {
    // Kept between layers: a fresh 128 KiB+ vector per region was mapped, zeroed by the
    // kernel and unmapped again (glibc serves such sizes with mmap at first).
    thread_local std::vector<float> scores;
    scores.resize(size_t(std::min(T, kChunk)) * S);
#pragma omp for schedule(dynamic)
    for (int task = 0; task < tasks; ++task) {
      const int h = task % s.n_heads, kh = h / group, t0 = (chunks - 1 - task / s.n_heads) * kChunk;
      const float slope = alibi.empty() ? 0.f : alibi[h];
      const int n = std::min(kChunk, T - t0);
      const int keys = p0 + t0 + n;  // positions 0..keys-1 are visible to some query of the chunk
      // Inside the parallel region f32_gemm runs on the calling thread.
      kernels::f32_gemm_nt(n, keys, hd, scale, q + size_t(t0) * qd + h * hd, qd, k + kh * kv.head_stride, ld,
                           scores.data(), keys);
      for (int t = 0; t < n; ++t) {
        float* row = scores.data() + size_t(t) * keys;
        const int last = p0 + t0 + t;  // this query sees positions first..last
        const int first = s.window > 0 ? std::max(0, last - s.window + 1) : 0;
        normalize_scores(s, slope, first, last, row);
        std::fill(row, row + first, 0.f);
        std::fill(row + last + 1, row + keys, 0.f);
      }
      kernels::f32_gemm_nn(n, hd, keys, 1.f, scores.data(), keys, v + kh * kv.head_stride, ld,
                           out + size_t(t0) * qd + h * hd, qd);
    }
  }
}

}  // namespace gptqt
