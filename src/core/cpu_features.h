// Which SIMD paths this CPU can run. Kernels pick their implementation from
// active_isa(); GPTQT_ISA=scalar|avx2|avx512 lowers it, so tests and benches
// can run every path the machine has.
#pragma once
#include <string>

namespace gptqt {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

Isa best_isa();    // the best the CPU supports (AVX2 needs FMA and F16C too)
Isa active_isa();  // best_isa(), lowered by GPTQT_ISA or set_active_isa
void set_active_isa(Isa isa);  // clamps to best_isa()
const char* isa_name(Isa isa);
// The processor's name as /proc/cpuinfo gives it ("unknown" where it cannot be read),
// for the speed figures' host line.
std::string cpu_model_name();

}  // namespace gptqt
