// Which vectors OpenBLAS's kernels use. OpenBLAS picks them from the CPU model when
// the library loads, and a model it does not know gets generic ones: Debian's 0.3.21
// ran its Prescott (SSE3) sgemm on a Xeon of family 6 model 207 (AVX-512 VNNI), a
// quarter of that machine's rate; OPENBLAS_CORETYPE overrides the choice (this
// workplace sets Haswell, which holds AVX-512 hosts to AVX2).
#pragma once
#include <string>

#include "core/cpu_features.h"

namespace gptqt::kernels {

// The instruction set of OpenBLAS's sgemm for a core name as openblas_get_corename()
// gives it: Haswell, Zen, Excavator → avx2; SkylakeX, Cooperlake, SapphireRapids →
// avx512; any other (Prescott, Sandybridge, ...) → scalar (no AVX2).
Isa blas_core_isa(const std::string& corename);
// The same for the OpenBLAS this process runs (read once).
Isa openblas_isa();

// A one-line warning when OpenBLAS's kernels (core `corename`) lack the AVX2 that the
// CPU (`best`) has, naming the OPENBLAS_CORETYPE that fixes it; empty otherwise.
// Calibration (Hessians, the GPTQ solver) runs in OpenBLAS.
std::string blas_kernels_warning(const std::string& corename, Isa best);
std::string blas_kernels_warning();  // for this process

}  // namespace gptqt::kernels
