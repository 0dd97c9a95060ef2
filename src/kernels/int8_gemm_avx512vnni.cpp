// AVX-512 VNNI int8 GEMM (vpdpbusd), in its own file: only it is compiled with
// -mavx512vnni, so no other AVX-512 code can pick up VNNI instructions that
// AVX-512 hosts without VNNI (Skylake-X) lack.
#include "kernels/int8_gemm_avx512_tile.h"

namespace gptqt::kernels::detail {

void int8_tile_gemm_avx512vnni(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy) {
  avx512::tile_gemm<true>(tiles, n, x, Y, ldy);
}

}  // namespace gptqt::kernels::detail
