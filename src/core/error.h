// Errors: every failure the user can cause (bad file, bad option, bad numbers)
// is a gptqt::Error with a one-line message; the CLI prints it and exits 1.
#pragma once
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace gptqt {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace gptqt

// GPTQT_CHECK(cond, "format", args...): throw gptqt::Error when cond is false.
#define GPTQT_CHECK(cond, ...)         \
  do {                                 \
    if (!(cond)) ::gptqt::fail(__VA_ARGS__); \
  } while (0)
