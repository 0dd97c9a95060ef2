// gptqt: the command-line entry point. Subcommands live in cmd_*.cpp; the
// algorithms live in src/. Exit codes: 0 done; 1 the input, an option or the
// machine (a missing file, a full disk) made it fail, said in one line on stderr;
// 2 a fault of gptqt itself ("internal error"). A bad command line is bad input too (1).
#include <cstdio>
#include <exception>
#include <filesystem>

#include "commands.h"
#include "core/error.h"
#include "quant/cluster.h"

namespace {

// Ends the job: under mpirun a failure on one rank stops all of them (they would
// wait for it forever); otherwise MPI is shut down cleanly.
int finish(int code) {
  if (code != 0 && gptqt::quant::cluster_started() && gptqt::quant::cluster().size() > 1)
    gptqt::quant::cluster().abort(code);
  gptqt::quant::finish_cluster();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gptqt: quantize large language models to 2-4 bits and run them fast"};
  app.require_subcommand(1);
  gptqt::cli::register_eval(app);
  gptqt::cli::register_quantize(app);
  gptqt::cli::register_generate(app);
  gptqt::cli::register_bench(app);
  gptqt::cli::register_inspect(app);
  gptqt::cli::register_tokenize(app);
  gptqt::cli::register_export(app);
  gptqt::cli::register_report(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help and --version are ParseErrors too
    std::fprintf(stderr, "gptqt: error: %s (see --help)\n", gptqt::printable(e.what()).c_str());
    return finish(1);
  } catch (const gptqt::Error& e) {
    std::fprintf(stderr, "gptqt: error: %s\n", e.what());
    return finish(1);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "gptqt: error: out of memory\n");
    return finish(1);
  } catch (const std::filesystem::filesystem_error& e) {
    // A folder we may not read or write, a full disk: the user's to fix. Its
    // message names the paths.
    std::fprintf(stderr, "gptqt: error: %s\n", gptqt::printable(e.what()).c_str());
    return finish(1);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gptqt: internal error: %s\n", gptqt::printable(e.what()).c_str());
    return finish(2);
  }
  return finish(0);
}
