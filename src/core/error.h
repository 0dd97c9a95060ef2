// Errors: every failure the user can cause (bad file, bad option, bad numbers)
// is a gptqt::Error with a one-line message naming the file and the field or
// layer; the CLI prints it and exits 1 (exit 2 is kept for genuine internal faults).
#pragma once
#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace gptqt {

// `s` with control characters, DEL and bytes that are not UTF-8 written as \xNN:
// messages quote names and values read from files, and those must neither reach
// the terminal as escape sequences nor split the message (a newline) or cut it
// short (a NUL).
std::string printable(std::string_view s);

struct Error : std::runtime_error {
  explicit Error(std::string_view message) : std::runtime_error(printable(message)) {}
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
