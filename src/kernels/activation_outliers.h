// Activation outliers: the few inputs of a vector far above the rest (SmolLM2's
// hidden state has channels 100x the others). Kernels that quantize activations
// to int8 with one scale per run of columns take them out first and add their
// products exactly, so that one channel does not coarsen the grid of all others.
#pragma once

namespace gptqt::kernels {

// An input is an outlier when |x| exceeds kOutlierRatio times the vector's mean
// |x| (which, unlike the RMS, a few outliers barely move); at most kMaxOutliers
// per vector (the largest) are taken out. For Gaussian inputs that is 8 sigma, so
// they essentially never qualify.
inline constexpr float kOutlierRatio = 10.f;
inline constexpr int kMaxOutliers = 8;

struct ActivationOutlier {
  int col = 0;
  float value = 0.f;
};

// Finds x's outliers, writes them to out (in column order), zeroes them in x and
// returns how many there were (0 to kMaxOutliers).
int extract_outliers(float* x, int cols, ActivationOutlier* out);

namespace detail {
bool any_above_avx2(const float* x, int n, float limit);  // any |x[c]| > limit, c < n
}  // namespace detail

}  // namespace gptqt::kernels
