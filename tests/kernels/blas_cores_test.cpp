// What OpenBLAS's core names mean for the fp32 GEMM's choice (f32_gemm.h) and for
// the warning `gptqt quantize` prints when OpenBLAS runs generic kernels on a CPU
// with AVX2 or AVX-512 (Debian's 0.3.21 picked Prescott on a Xeon it did not know).
#include "kernels/blas_cores.h"

#include <gtest/gtest.h>

namespace gptqt::kernels {
namespace {

TEST(BlasCores, CoreNamesGiveTheirVectors) {
  for (const char* name : {"SkylakeX", "Cooperlake", "SapphireRapids", "skylakex"})
    EXPECT_EQ(blas_core_isa(name), Isa::avx512) << name;
  for (const char* name : {"Haswell", "Zen", "Excavator", "HASWELL"}) EXPECT_EQ(blas_core_isa(name), Isa::avx2) << name;
  for (const char* name : {"Prescott", "Sandybridge", "Nehalem", "Core2", ""})
    EXPECT_EQ(blas_core_isa(name), Isa::scalar) << name;
}

TEST(BlasCores, WarnsOnlyWhenOpenBlasLacksTheCpusVectors) {
  const std::string prescott = blas_kernels_warning("Prescott", Isa::avx512);
  EXPECT_NE(prescott.find("Prescott"), std::string::npos) << prescott;
  EXPECT_NE(prescott.find("OPENBLAS_CORETYPE=SkylakeX"), std::string::npos) << prescott;
  EXPECT_EQ(prescott.find('\n'), std::string::npos) << "one line";
  EXPECT_NE(blas_kernels_warning("Sandybridge", Isa::avx2).find("OPENBLAS_CORETYPE=Haswell"), std::string::npos);
  EXPECT_NE(blas_kernels_warning("", Isa::avx2), "");
  for (const char* vector_core : {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"})
    EXPECT_EQ(blas_kernels_warning(vector_core, Isa::avx512), "") << vector_core;
  EXPECT_EQ(blas_kernels_warning("Prescott", Isa::scalar), "") << "a CPU without AVX2 loses nothing";
}

}  // namespace
}  // namespace gptqt::kernels
