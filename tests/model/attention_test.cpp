// Causal attention against a scalar reference written from the definition: GQA,
// sliding windows, softcapping and ALiBi; prefill chunks and the one-query path of
// generation (threaded above 16K products), over token-major keys and values and the
// KV cache's head-major layouts in fp32 and fp16.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/half.h"
#include "model/attention.h"

namespace gptqt {
namespace {

std::vector<float> reference(const AttentionShape& s, const std::vector<float>& q, int T, const std::vector<float>& k,
                             const std::vector<float>& v, int S, const std::vector<float>& alibi) {
  const int hd = s.head_dim, qd = s.n_heads * hd, kd = s.n_kv_heads * hd;
  const double scale = s.scale > 0 ? s.scale : 1 / std::sqrt(double(hd));
  std::vector<float> out(size_t(T) * qd);
  for (int t = 0; t < T; ++t)
    for (int h = 0; h < s.n_heads; ++h) {
      const int kh = h * s.n_kv_heads / s.n_heads, pos = S - T + t;
      std::vector<double> p(size_t(S), 0.0);
      double max = -1e300, sum = 0;
      for (int j = 0; j <= pos; ++j) {
        if (s.window > 0 && pos - j >= s.window) continue;
        double d = 0;
        for (int c = 0; c < hd; ++c) d += double(q[size_t(t) * qd + h * hd + c]) * k[size_t(j) * kd + kh * hd + c];
        d *= scale;
        if (s.softcap > 0) d = s.softcap * std::tanh(d / s.softcap);
        if (!alibi.empty()) d += alibi[h] * double(j - pos);
        p[j] = d;
        max = std::max(max, d);
      }
      for (int j = 0; j <= pos; ++j)
        if (!(s.window > 0 && pos - j >= s.window)) sum += (p[j] = std::exp(p[j] - max));
        else p[j] = 0;
      for (int c = 0; c < hd; ++c) {
        double o = 0;
        for (int j = 0; j <= pos; ++j) o += p[j] / sum * v[size_t(j) * kd + kh * hd + c];
        out[size_t(t) * qd + h * hd + c] = float(o);
      }
    }
  return out;
}

TEST(Attention, MatchesTheDefinitionForPrefillAndGeneration) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  struct Case {
    AttentionShape shape;
    bool alibi;
  };
  const std::vector<Case> cases = {
      {{6, 2, 16}, false},                  // GQA
      {{4, 4, 8, 0, 0.f, 0.f}, true},        // ALiBi
      {{6, 3, 16, 37, 0.f, 0.f}, false},     // a sliding window
      {{2, 1, 32, 0, 0.05f, 30.f}, false},   // a set scale and softcapping
  };
  for (const Case& c : cases)
    for (int S : {1, 5, 300, 400})
      for (int T : {1, 3}) {
        if (T > S) continue;
        const AttentionShape& s = c.shape;
        const int qd = s.n_heads * s.head_dim, kd = s.n_kv_heads * s.head_dim;
        std::vector<float> q(size_t(T) * qd), k(size_t(S) * kd), v(size_t(S) * kd), alibi;
        for (float& x : q) x = nd(rng);
        for (float& x : k) x = nd(rng);
        for (float& x : v) x = nd(rng);
        if (c.alibi)
          for (int h = 0; h < s.n_heads; ++h) alibi.push_back(std::pow(2.f, -float(h + 1)));
        const std::vector<float> want = reference(s, q, T, k, v, S, alibi);
        // A KV cache's head-major fp32 and fp16 layouts, 3 more positions of room; the
        // fp16 cache is held to the definition over the fp16-rounded keys and values.
        const int64_t row = s.head_dim, head = int64_t(S + 3) * s.head_dim;
        std::vector<float> hk(size_t(S + 3) * kd, NAN), hv(hk.size(), NAN), k16(k.size()), v16(v.size());
        std::vector<uint16_t> hk16(hk.size(), 0x7e00), hv16(hk.size(), 0x7e00);  // NaN in unused positions
        for (int j = 0; j < S; ++j)
          for (int kh = 0; kh < s.n_kv_heads; ++kh)
            for (int c = 0; c < s.head_dim; ++c) {
              const size_t from = size_t(j) * kd + kh * s.head_dim + c, to = j * row + kh * head + c;
              hk[to] = k[from], hv[to] = v[from];
              hk16[to] = f32_to_f16(k[from]), hv16[to] = f32_to_f16(v[from]);
              k16[from] = f16_to_f32(hk16[to]), v16[from] = f16_to_f32(hv16[to]);
            }
        const std::vector<float> want16 = reference(s, q, T, k16, v16, S, alibi);
        const std::pair<const char*, KvView> views[] = {
            {"token-major", token_major(s, k.data(), v.data())},
            {"head-major", {hk.data(), hv.data(), KvType::f32, row, head}},
            {"head-major fp16", {hk16.data(), hv16.data(), KvType::f16, row, head}}};
        for (const auto& [name, kv] : views) {
          std::vector<float> out(size_t(T) * qd);
          causal_attention(s, q.data(), T, kv, S, alibi, out.data());
          const std::vector<float>& w = kv.type == KvType::f16 ? want16 : want;
          for (size_t i = 0; i < out.size(); ++i)
            ASSERT_NEAR(out[i], w[i], 2e-5) << "heads " << s.n_heads << "/" << s.n_kv_heads << " S " << S << " T "
                                            << T << " " << name;
        }
      }
}

}  // namespace
}  // namespace gptqt
