// gptqt: the command-line entry point. Subcommands register themselves here;
// the algorithms live in src/.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"gptqt: quantize large language models to 2-4 bits and run them fast"};
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const gptqt::Error& e) {
    std::fprintf(stderr, "gptqt: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
