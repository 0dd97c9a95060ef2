#include "kernels/blas_cores.h"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace gptqt::kernels {

namespace {

std::string corename_now() {
  const char* name = openblas_get_corename();
  return name ? name : "";
}

}  // namespace

Isa blas_core_isa(const std::string& corename) {
  std::string name = corename;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* avx512 : {"skylakex", "cooperlake", "sapphirerapids"})
    if (name == avx512) return Isa::avx512;
  for (const char* avx2 : {"haswell", "zen", "excavator"})
    if (name == avx2) return Isa::avx2;
  return Isa::scalar;
}

Isa openblas_isa() {
  static const Isa isa = blas_core_isa(corename_now());
  return isa;
}

std::string blas_kernels_warning(const std::string& corename, Isa best) {
  if (best < Isa::avx2 || blas_core_isa(corename) >= Isa::avx2) return "";
  return fmt::format("warning: OpenBLAS runs its {} kernels, without the {} this CPU has (it does not know this CPU "
                     "model), so calibration runs several times slower than it could; OPENBLAS_CORETYPE={} chooses "
                     "better ones",
                     corename.empty() ? "unnamed" : corename, isa_name(best),
                     best >= Isa::avx512 ? "SkylakeX" : "Haswell");
}

std::string blas_kernels_warning() { return blas_kernels_warning(corename_now(), best_isa()); }

}  // namespace gptqt::kernels
