// Shared by the libFuzzer harnesses (docs/fuzzing.md): a per-process scratch
// folder for the files the path-based parsers read, and the splitting of one
// fuzz input into several files.
#pragma once
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz {

// Separates the files of a multi-file input (config.json, index, shards, ...).
// Text-friendly, so that JSON-only seeds stay readable; make_corpus.py writes the same.
inline constexpr std::string_view kPartSeparator = "\n@@gptqt-part@@\n";

// /dev/shm/gptqt-fuzz-<pid> (else $TMPDIR or /tmp), created once per process and
// removed at exit. Fork mode and -jobs give every worker its own.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    namespace fs = std::filesystem;
    std::string base = "/dev/shm";
    if (!fs::is_directory(base) || access(base.c_str(), W_OK) != 0) {
      const char* t = std::getenv("TMPDIR");
      base = (t && *t) ? t : "/tmp";
    }
    path = base + "/gptqt-fuzz-" + std::to_string(getpid());
    std::error_code ec;
    // Folders of earlier processes that crashed or were killed (no destructor ran).
    for (const auto& e : fs::directory_iterator(base, ec)) {
      const std::string n = e.path().filename().string();
      if (n.rfind("gptqt-fuzz-", 0) != 0) continue;
      const long pid = std::strtol(n.c_str() + 11, nullptr, 10);
      if (pid > 0 && kill(pid_t(pid), 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
    }
    fs::remove_all(path, ec);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline const std::string& scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

// A fresh empty sub-folder of the scratch folder (same name every call).
inline std::string fresh_dir(const std::string& name) {
  namespace fs = std::filesystem;
  const std::string d = scratch_dir() + "/" + name;
  std::error_code ec;
  fs::remove_all(d, ec);
  fs::create_directories(d);
  return d;
}

inline void write_file(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();  // the harness's own failure, not a finding in gptqt
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) std::abort();
  std::fclose(f);
}

inline std::string write_file_in(const std::string& dir, const std::string& name, std::string_view bytes) {
  const std::string p = dir + "/" + name;
  write_file(p, bytes);
  return p;
}

// The input cut at every kPartSeparator; always at least one (maybe empty) part.
inline std::vector<std::string_view> split_parts(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  for (;;) {
    size_t at = all.find(kPartSeparator);
    if (at == std::string_view::npos) {
      parts.push_back(all);
      return parts;
    }
    parts.push_back(all.substr(0, at));
    all.remove_prefix(at + kPartSeparator.size());
  }
}

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// GPTQT_FUZZ_VERBOSE=1: print why the parsers rejected an input (checking seeds).
inline void note(const char* what, const std::exception& e) {
  static const bool verbose = std::getenv("GPTQT_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "[%s] gptqt::Error: %s\n", what, e.what());
}

// Keep results alive so the optimizer cannot drop the work that produced them.
template <typename T>
inline void consume(const T& v) {
  asm volatile("" : : "r"(&v) : "memory");
}

}  // namespace fuzz
