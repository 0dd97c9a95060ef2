#include "model/rope.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace gptqt {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr size_t kParallelElements = size_t(1) << 17;  // as model/ops.cpp

// Llama 3.x: frequencies whose wavelength exceeds original_ctx / low_freq_factor
// are divided by `factor`, those below original_ctx / high_freq_factor kept, and
// the band between blended smoothly.
double llama3(double f, const RopeScaling& r) {
  const double old_ctx = r.original_ctx, wavelen = 2 * kPi / f;
  const double low_wavelen = old_ctx / r.low_freq_factor, high_wavelen = old_ctx / r.high_freq_factor;
  if (wavelen > low_wavelen) return f / r.factor;
  if (wavelen < high_wavelen) return f;
  const double smooth = (old_ctx / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
  return (1 - smooth) * f / r.factor + smooth * f;
}

// YaRN: dimensions that turn fewer than beta_slow times over the original
// context are interpolated (divided by factor), those turning more than
// beta_fast times kept, with a linear ramp between.
std::vector<double> yarn(const std::vector<double>& f, const RopeScaling& r, double theta, int dim) {
  auto correction_dim = [&](double rotations) {
    return dim * std::log(r.original_ctx / (rotations * 2 * kPi)) / (2 * std::log(theta));
  };
  double low = correction_dim(r.beta_fast), high = correction_dim(r.beta_slow);
  if (r.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, double(dim - 1));
  if (low == high) high += 0.001;
  std::vector<double> out(f.size());
  for (size_t i = 0; i < f.size(); ++i) {
    const double ramp = std::clamp((double(i) - low) / (high - low), 0.0, 1.0);
    const double extrapolation = 1 - ramp;
    out[i] = f[i] / r.factor * (1 - extrapolation) + f[i] * extrapolation;
  }
  return out;
}

}  // namespace

std::vector<double> rope_inv_freq(const ModelConfig& c, const std::vector<float>& factors, int seq_len) {
  const int dim = c.rope_dim(), half = dim / 2;
  const RopeScaling& r = c.rope_scaling;
  double theta = c.rope_theta;
  if (r.type == RopeScalingType::dynamic && seq_len > c.max_ctx)  // NTK: a larger base past the trained context
    theta *= std::pow(r.factor * seq_len / c.max_ctx - (r.factor - 1), double(dim) / (dim - 2));
  std::vector<double> f(static_cast<size_t>(half));
  for (int i = 0; i < half; ++i) f[size_t(i)] = std::pow(theta, -2.0 * i / dim);
  switch (r.type) {
    case RopeScalingType::none:
    case RopeScalingType::dynamic: break;
    case RopeScalingType::linear:
      for (double& x : f) x /= r.factor;
      break;
    case RopeScalingType::llama3:
      for (double& x : f) x = llama3(x, r);
      break;
    case RopeScalingType::yarn: f = yarn(f, r, c.rope_theta, dim); break;
    case RopeScalingType::longrope: {
      const std::vector<float>& ext = seq_len > r.original_ctx ? r.long_factor : r.short_factor;
      GPTQT_CHECK(ext.size() == size_t(half), "longrope has {} factors, {} rotary dimensions need {}", ext.size(),
                  dim, half);
      for (int i = 0; i < half; ++i) f[size_t(i)] /= ext[size_t(i)];
      break;
    }
    case RopeScalingType::factors:
      GPTQT_CHECK(factors.size() == size_t(half), "rope_freqs has {} factors, {} rotary dimensions need {}",
                  factors.size(), dim, half);
      for (int i = 0; i < half; ++i) {
        GPTQT_CHECK(std::isfinite(factors[size_t(i)]) && factors[size_t(i)] > 0,
                    "rope_freqs factor {} is {}, not a positive number", i, factors[size_t(i)]);
        f[size_t(i)] /= factors[size_t(i)];
      }
      break;
  }
  return f;
}

RopeAngles rope_angles(const std::vector<double>& inv_freq, float attn_factor, int T, int pos0) {
  RopeAngles a{T, int(inv_freq.size()), {}, {}};
  a.cos.resize(size_t(T) * a.half);
  a.sin.resize(size_t(T) * a.half);
  // A sine and a cosine in double cost far more than a rotation: a lower bar than kParallelElements.
#pragma omp parallel for schedule(static) if (size_t(T) * a.half > (size_t(1) << 12))
  for (int t = 0; t < T; ++t)
    for (int i = 0; i < a.half; ++i) {
      const double ang = double(pos0 + t) * inv_freq[size_t(i)];
      a.cos[size_t(t) * a.half + i] = float(std::cos(ang)) * attn_factor;
      a.sin[size_t(t) * a.half + i] = float(std::sin(ang)) * attn_factor;
    }
  return a;
}

const RopeAngles& rope_angles_cached(const std::vector<double>& inv_freq, float attn_factor, int T, int pos0) {
  struct Entry {
    std::vector<double> inv_freq;
    float attn_factor = 0.f;
    int pos0 = -1;
    RopeAngles angles;
  };
  thread_local Entry kept[2];
  thread_local int oldest = 0;
  for (const Entry& e : kept)
    if (e.pos0 == pos0 && e.angles.T == T && e.attn_factor == attn_factor && e.inv_freq == inv_freq) return e.angles;
  Entry& e = kept[oldest];
  oldest ^= 1;
  e = {inv_freq, attn_factor, pos0, rope_angles(inv_freq, attn_factor, T, pos0)};
  return e.angles;
}

void apply_rope(RopeStyle style, const RopeAngles& angles, float* x, int n_heads, int head_dim) {
  const int half = angles.half, T = angles.T;
  GPTQT_CHECK(2 * half <= head_dim, "internal: {} RoPE frequencies for heads of {}", half, head_dim);
#pragma omp parallel for schedule(static) if (size_t(T) * n_heads * head_dim > kParallelElements)
  for (int t = 0; t < T; ++t) {
    for (int i = 0; i < half; ++i) {
      const float c = angles.cos[size_t(t) * half + i], s = angles.sin[size_t(t) * half + i];
      for (int h = 0; h < n_heads; ++h) {
        float* v = x + (size_t(t) * n_heads + h) * head_dim;
        // HF's rotate_half pairs element i with i + d/2; GGUF files of Llama store
        // Q/K rows permuted so that the pairs are adjacent (2i, 2i+1).
        const int a = style == RopeStyle::half ? i : 2 * i;
        const int b = style == RopeStyle::half ? i + half : 2 * i + 1;
        const float x0 = v[a], x1 = v[b];
        v[a] = x0 * c - x1 * s;
        v[b] = x0 * s + x1 * c;
      }
    }
  }
}

}  // namespace gptqt
