// Each subcommand of `gptqt` registers its options and its action here.
#pragma once
#include <CLI/CLI.hpp>

namespace gptqt::cli {

void register_eval(CLI::App& app);
void register_quantize(CLI::App& app);
void register_generate(CLI::App& app);
void register_bench(CLI::App& app);

// --threads N: OpenMP and OpenBLAS threads (0 = all cores).
void add_threads_option(CLI::App& cmd, int& threads);
void apply_threads(int threads);

}  // namespace gptqt::cli
