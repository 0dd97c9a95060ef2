// Runs a test body once per SIMD path this CPU has (scalar, AVX2, AVX-512),
// saying which it skipped, and restores the best path afterwards.
#pragma once
#include <cstdio>

#include "core/cpu_features.h"

namespace gptqt::test {

template <typename Body>
void for_each_available_isa(Body body) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (int(isa) > int(best_isa())) {
      std::printf("skipping %s: this CPU lacks it\n", isa_name(isa));
      continue;
    }
    set_active_isa(isa);
    body(isa);
  }
  set_active_isa(best_isa());
}

}  // namespace gptqt::test
