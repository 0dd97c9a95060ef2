#include "quant/blas_kernels.h"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace gptqt::quant {

std::string blas_kernels_warning(const std::string& corename, Isa best) {
  if (best < Isa::avx2) return "";
  std::string name = corename;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  // OpenBLAS's x86-64 cores whose sgemm uses AVX2 or AVX-512.
  constexpr std::array<const char*, 6> kVectorCores = {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids",
                                                       "excavator"};
  if (std::find(kVectorCores.begin(), kVectorCores.end(), name) != kVectorCores.end()) return "";
  return fmt::format("warning: OpenBLAS runs its {} kernels, without the {} this CPU has (it does not know this CPU "
                     "model), so calibration runs several times slower than it could; OPENBLAS_CORETYPE={} chooses "
                     "better ones",
                     corename.empty() ? "unnamed" : corename, isa_name(best),
                     best >= Isa::avx512 ? "SkylakeX" : "Haswell");
}

std::string blas_kernels_warning() {
  const char* name = openblas_get_corename();
  return blas_kernels_warning(name ? name : "", best_isa());
}

}  // namespace gptqt::quant
