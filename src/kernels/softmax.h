// Row softmax with a vectorised exp (the attention of a 2048-token window
// spends more time in exp than in anything but the matrix products).
#pragma once

namespace gptqt::kernels {

// row[0..n) <- softmax(row[0..n)) in place; n >= 1.
void softmax_inplace(float* row, int n);

// The scalar reference (std::exp in double), for tests.
void softmax_inplace_reference(float* row, int n);

namespace detail {
void softmax_inplace_avx2(float* row, int n);
}

}  // namespace gptqt::kernels
