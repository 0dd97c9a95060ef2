// Replaces src/core/cpu_features.cpp in the emulation build: claims AVX-512, whose
// instructions SIMDe carries out, so the tests select and run the AVX-512 paths.
#include <atomic>

#include "core/cpu_features.h"

namespace gptqt {

static std::atomic<int> g_active{int(Isa::avx512)};

Isa best_isa() { return Isa::avx512; }
Isa active_isa() { return Isa(g_active.load()); }
void set_active_isa(Isa isa) { g_active.store(int(isa)); }
static std::atomic<bool> g_vnni{true};
bool cpu_has_avx512_vnni() { return true; }
bool avx512_vnni_active() { return g_vnni.load() && active_isa() >= Isa::avx512; }
void set_avx512_vnni(bool on) { g_vnni.store(on); }
bool cpu_has_avx_vnni() { return false; }  // the AVX2 kernels run natively, without AVX-VNNI
bool avx_vnni_active() { return false; }

// Only the AVX-512 cases run in this build, and none of them asks for these.
int64_t last_level_cache_bytes() { return 0; }
std::string cpu_model_name() { return "AVX-512 emulated by SIMDe"; }

const char* isa_name(Isa isa) {
  return isa == Isa::avx512 ? "avx512" : isa == Isa::avx2 ? "avx2" : "scalar";
}

}  // namespace gptqt
