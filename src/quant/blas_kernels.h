// Calibration's heavy algebra (Hessians, the GPTQ solver, scale refits) runs in
// OpenBLAS, which picks its kernels from the CPU model when the library loads. A
// model it does not know gets generic kernels: Debian's OpenBLAS 0.3.21 ran its
// Prescott (SSE3) sgemm on a Xeon of family 6 model 207, a quarter of the AVX-512
// rate, and OPENBLAS_CORETYPE chooses better ones. (Inference does not depend on
// it: kernels/f32_gemm.h.)
#pragma once
#include <string>

#include "core/cpu_features.h"

namespace gptqt::quant {

// A one-line warning when OpenBLAS's kernels (`corename`, as openblas_get_corename()
// gives it) lack the AVX2 that the CPU (`best`) has; empty otherwise.
std::string blas_kernels_warning(const std::string& corename, Isa best);
// The same for the OpenBLAS this process runs.
std::string blas_kernels_warning();

}  // namespace gptqt::quant
