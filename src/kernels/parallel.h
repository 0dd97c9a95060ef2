// When a kernel call is worth an OpenMP team: below ~32 KiB of packed weights (a
// few microseconds of work) waking a second thread costs more than it saves.
#pragma once
#include <cstdint>

namespace gptqt::kernels {

inline constexpr int64_t kMinParallelBytes = 32 << 10;

inline bool worth_threads(int64_t bytes) { return bytes >= kMinParallelBytes; }

}  // namespace gptqt::kernels
