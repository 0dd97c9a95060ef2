// gptqt: the command-line entry point. Subcommands live in cmd_*.cpp; the
// algorithms live in src/. Every user error ends as one line on stderr and exit 1.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"gptqt: quantize large language models to 2-4 bits and run them fast"};
  app.require_subcommand(1);
  gptqt::cli::register_eval(app);
  gptqt::cli::register_quantize(app);
  gptqt::cli::register_generate(app);
  gptqt::cli::register_bench(app);
  gptqt::cli::register_inspect(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const gptqt::Error& e) {
    std::fprintf(stderr, "gptqt: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "gptqt: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gptqt: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
