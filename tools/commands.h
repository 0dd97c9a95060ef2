// Each subcommand of `gptqt` registers its options and its action here.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "model/model.h"

namespace gptqt::cli {

void register_eval(CLI::App& app);
void register_quantize(CLI::App& app);
void register_generate(CLI::App& app);
void register_bench(CLI::App& app);
void register_inspect(CLI::App& app);
void register_tokenize(CLI::App& app);
void register_export(CLI::App& app);
void register_report(CLI::App& app);

// --kernel, --head and --batch-gemm: how a loaded model runs its packed layers
// and its head (the fields of LoadOptions; their values now are the defaults).
void add_load_options(CLI::App& cmd, LoadOptions& load);

// --seed N: a non-negative integer.
void add_seed_option(CLI::App& cmd, uint64_t& seed, const std::string& help);

// --threads N: OpenMP and OpenBLAS threads (0 = all cores).
void add_threads_option(CLI::App& cmd, int& threads);
void apply_threads(int threads);

}  // namespace gptqt::cli
