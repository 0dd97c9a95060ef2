// AVX-VNNI int8 GEMM (256-bit vpdpbusd, on CPUs with AVX2 and AVX-VNNI, AVX-512 or
// not), in its own file: only it is compiled with -mavxvnni.
#include "kernels/int8_gemm_avx2_tile.h"

namespace gptqt::kernels::detail {

void int8_tile_gemm_avxvnni(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy) {
  avx2::tile_gemm<true>(tiles, n, x, Y, ldy);
}

}  // namespace gptqt::kernels::detail
