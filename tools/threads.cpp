#include <cblas.h>
#include <omp.h>

#include "commands.h"

namespace gptqt::cli {

void add_threads_option(CLI::App& cmd, int& threads) {
  cmd.add_option("--threads,-t", threads, "threads for OpenMP and OpenBLAS (0 = all cores)")
      ->check(CLI::Range(0, 1024));
}

void apply_threads(int threads) {
  if (threads <= 0) threads = omp_get_num_procs();
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
}

}  // namespace gptqt::cli
