// Which SIMD paths this CPU can run. Kernels pick their implementation from
// active_isa(); GPTQT_ISA=scalar|avx2|avx512 lowers it, so tests and benches
// can run every path the machine has.
#pragma once
#include <cstdint>
#include <string>

namespace gptqt {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

Isa best_isa();    // the best the CPU supports (AVX2 needs FMA and F16C too)
Isa active_isa();  // best_isa(), lowered by GPTQT_ISA or set_active_isa
void set_active_isa(Isa isa);  // clamps to best_isa()
// AVX-512 VNNI (vpdpbusd), which the int8 GEMM uses on top of Isa::avx512 where the
// CPU has it (GPTQT_VNNI=0 or set_avx512_vnni(false) turn it off: tests, benches;
// any GPTQT_VNNI but 0 or 1 is refused with an error).
// The same switch turns off AVX-VNNI (the 256-bit vpdpbusd of CPUs with AVX2, with or
// without AVX-512), which the int8 GEMM uses on top of Isa::avx2.
bool cpu_has_avx512_vnni();
bool cpu_has_avx_vnni();
bool avx512_vnni_active();  // active_isa() is avx512, the CPU has VNNI and it is not turned off
bool avx_vnni_active();     // active_isa() is avx2, the CPU has AVX-VNNI and it is not turned off
void set_avx512_vnni(bool on);
const char* isa_name(Isa isa);
// The size of the last-level cache (L3, else L2) in bytes as the C library reports
// it, 0 where it cannot tell. Some hosts here have 260 MiB of L3: a small model's
// weights stay in it, and a bandwidth probe must be larger still.
int64_t last_level_cache_bytes();
// The processor's name as /proc/cpuinfo gives it ("unknown" where it cannot be read),
// for the speed figures' host line.
std::string cpu_model_name();

}  // namespace gptqt
