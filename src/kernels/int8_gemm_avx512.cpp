// AVX-512BW int8 GEMM (maddubs); hosts with VNNI take int8_gemm_avx512vnni.cpp.
#include "kernels/int8_gemm_avx512_tile.h"

namespace gptqt::kernels::detail {

void int8_tile_gemm_avx512(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy) {
  avx512::tile_gemm<false>(tiles, n, x, Y, ldy);
}

}  // namespace gptqt::kernels::detail
