#include "quant/output_folder.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "model/packed_model.h"
#include "quant/work_dir.h"

namespace gptqt::quant {

namespace fs = std::filesystem;

namespace {

// The files a packed folder (or its temporary) may hold; anything else in a
// folder named like our leftover means it is not ours to delete.
bool is_packed_folder_file(const std::string& name) {
  static const std::set<std::string> names = {kPackedHeaderFile,      kPackedWeightsFile,      "quant_log.csv",
                                              "tokenizer.gguf",       "tokenizer.json",        "tokenizer.model",
                                              "tokenizer_config.json", "special_tokens_map.json"};
  return names.count(name) || name.find(".tmp.") != std::string::npos;
}

bool holds_only_packed_files(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (!e.is_regular_file() || !is_packed_folder_file(e.path().filename().string())) return false;
  return !ec;
}

bool process_alive(long pid) { return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM); }

// `path` is `a` or lies inside `a` (both resolved through symbolic links).
bool same_or_inside(const fs::path& path, const fs::path& a) {
  std::error_code ec;
  if (fs::exists(path, ec) && fs::exists(a, ec) && fs::equivalent(path, a, ec)) return true;
  const fs::path p = fs::weakly_canonical(path, ec), q = fs::weakly_canonical(a, ec);
  auto pi = p.begin(), qi = q.begin();
  for (; qi != q.end(); ++pi, ++qi)
    if (pi == p.end() || *pi != *qi) return false;
  return true;
}

void sync_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// OUT.tmp.<pid> and OUT.old.<pid> of processes that are gone.
void clean_leftovers(const fs::path& out) {
  const fs::path parent = out.parent_path().empty() ? "." : out.parent_path();
  const std::string base = out.filename().string();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    for (const std::string kind : {".tmp.", ".old."}) {
      const std::string prefix = base + kind;
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string pid = name.substr(prefix.size());
      if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
      if (process_alive(std::stol(pid))) {
        fmt::print(stderr, "note: {} belongs to a running process ({}); left alone\n", e.path().string(), pid);
        continue;
      }
      if (!e.is_directory() || !holds_only_packed_files(e.path())) {
        fmt::print(stderr, "warning: {} looks like an interrupted write but holds other files; left alone\n",
                   e.path().string());
        continue;
      }
      // A previous model moved aside just before its replacement came in: with no
      // model at OUT it is the last complete one, so it goes back.
      if (kind == ".old." && !fs::exists(out) && fs::exists(e.path() / kPackedHeaderFile)) {
        fs::rename(e.path(), out);
        fmt::print(stderr, "restored {} from {}, left by an interrupted write\n", out.string(), name);
      } else {
        fs::remove_all(e.path());
        fmt::print(stderr, "removed {}, left by an interrupted write\n", e.path().string());
      }
    }
  }
}

}  // namespace

std::string normalize_output_path(const std::string& arg) {
  std::string p = arg;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const std::string last = fs::path(p).filename().string();
  GPTQT_CHECK(!p.empty() && p != "/" && last != "." && last != "..",
              "-o \"{}\": name a folder to create (or an earlier gptqt model to replace)", arg);
  return p;
}

std::string temporary_output_folder(const std::string& out) { return fmt::format("{}.tmp.{}", out, ::getpid()); }

StagingFolder::StagingFolder(std::string out) : out_(std::move(out)), tmp_(temporary_output_folder(out_)) {
  fs::remove_all(tmp_);
  fs::create_directories(tmp_);
}

StagingFolder::~StagingFolder() {
  std::error_code ec;
  if (!installed_) fs::remove_all(tmp_, ec);
}

void StagingFolder::install() {
  install_output_folder(tmp_, out_);
  installed_ = true;
}

void prepare_output_folder(const std::string& out, const std::vector<std::string>& inputs) {
  const fs::path o(out);
  const fs::path parent = o.parent_path().empty() ? "." : o.parent_path();
  GPTQT_CHECK(fs::is_directory(parent), "-o {}: the folder {} does not exist", out, parent.string());
  GPTQT_CHECK(::access(parent.c_str(), W_OK | X_OK) == 0, "-o {}: cannot write in {}: {}", out, parent.string(),
              std::strerror(errno));
  for (const std::string& in : inputs) {
    if (in.empty()) continue;
    GPTQT_CHECK(!same_or_inside(in, o), "-o {}: that is {} of this run ({}); refusing to replace it", out,
                same_or_inside(o, in) ? "an input" : "a folder holding an input", in);
    GPTQT_CHECK(!same_or_inside(in, out + ".work"), "-o {}: its work folder {}.work would be an input of this run ({})",
                out, out, in);
  }
  const fs::file_status st = fs::symlink_status(o);
  if (fs::exists(st)) {
    GPTQT_CHECK(fs::is_directory(st) && is_packed_model(out) && holds_only_packed_files(o),
                "-o {}: it exists and is not a gptqt packed model; refusing to replace it (remove it yourself or "
                "choose another path)",
                out);
  }
  WorkDir::check_usable(out + ".work");
  clean_leftovers(o);
}

void install_output_folder(const std::string& tmp, const std::string& out) {
  const fs::path parent = fs::path(out).parent_path().empty() ? "." : fs::path(out).parent_path();
  if (!fs::exists(fs::symlink_status(out))) {
    fs::rename(tmp, out);
  } else if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(tmp);  // now the previous model
  } else {
    // A file system without RENAME_EXCHANGE: move the old model aside first. A kill
    // between the two renames leaves OUT.old.<pid>, which the next run restores.
    GPTQT_CHECK(errno == EINVAL || errno == ENOSYS, "cannot replace {}: {}", out, std::strerror(errno));
    const std::string old = fmt::format("{}.old.{}", out, ::getpid());
    fs::rename(out, old);
    fs::rename(tmp, out);
    fs::remove_all(old);
  }
  sync_folder(parent);
}

}  // namespace gptqt::quant
