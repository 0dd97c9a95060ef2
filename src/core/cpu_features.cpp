#include "core/cpu_features.h"

#include <cpuid.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace gptqt {

namespace {
// F16C and BMI2 straight from cpuid: clang 14's __builtin_cpu_supports does not
// know their names (g++ does), and the fuzz build compiles this file with clang.
bool has_f16c() {
  unsigned a, b, c, d;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}
bool has_bmi2() {
  unsigned a, b, c, d;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_BMI2);
}
}  // namespace

Isa best_isa() {
  static const Isa best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("fma"))
      return Isa::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        has_f16c() && has_bmi2())
      return Isa::avx2;
    return Isa::scalar;
  }();
  return best;
}

static Isa from_env() {
  Isa isa = best_isa();
  if (const char* e = std::getenv("GPTQT_ISA")) {
    Isa want = isa;
    if (!std::strcmp(e, "scalar")) want = Isa::scalar;
    if (!std::strcmp(e, "avx2")) want = Isa::avx2;
    if (!std::strcmp(e, "avx512")) want = Isa::avx512;
    if (int(want) < int(isa)) isa = want;
  }
  return isa;
}

bool cpu_has_avx512_vnni() {
  static const bool has = best_isa() >= Isa::avx512 && [] {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1u << 11));  // CPUID.(7,0):ECX.AVX512_VNNI
  }();
  return has;
}

bool cpu_has_avx_vnni() {
  static const bool has = best_isa() >= Isa::avx2 && [] {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4));  // CPUID.(7,1):EAX.AVX_VNNI
  }();
  return has;
}

static std::atomic<int> g_vnni{-1};  // -1: from GPTQT_VNNI at first use

static bool vnni_switch() {
  int v = g_vnni.load(std::memory_order_relaxed);
  if (v < 0) {
    const char* e = std::getenv("GPTQT_VNNI");
    GPTQT_CHECK(!e || !std::strcmp(e, "0") || !std::strcmp(e, "1"), "GPTQT_VNNI={}: expected 0 or 1", e);
    v = !(e && !std::strcmp(e, "0"));
    g_vnni.store(v, std::memory_order_relaxed);
  }
  return v;
}

bool avx512_vnni_active() { return vnni_switch() && cpu_has_avx512_vnni() && active_isa() >= Isa::avx512; }

bool avx_vnni_active() { return vnni_switch() && cpu_has_avx_vnni() && active_isa() == Isa::avx2; }

void set_avx512_vnni(bool on) { g_vnni.store(on, std::memory_order_relaxed); }

static std::atomic<int> g_active{-1};

Isa active_isa() {
  int v = g_active.load(std::memory_order_relaxed);
  if (v < 0) {
    v = int(from_env());
    g_active.store(v, std::memory_order_relaxed);
  }
  return Isa(v);
}

void set_active_isa(Isa isa) {
  if (int(isa) > int(best_isa())) isa = best_isa();
  g_active.store(int(isa), std::memory_order_relaxed);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "scalar";
  }
}

int64_t last_level_cache_bytes() {
  for (const int name : {_SC_LEVEL3_CACHE_SIZE, _SC_LEVEL2_CACHE_SIZE})
    if (const long bytes = sysconf(name); bytes > 0) return bytes;
  return 0;
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
  return "unknown";
}

}  // namespace gptqt
