#include "quant/work_dir.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/json_read.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "quant/packed_conversion.h"
#include "quant/pipeline.h"

namespace gptqt::quant {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr char kJobFile[] = "job.json";
}

void WorkDir::check_usable(const std::string& dir) {
  const fs::file_status st = fs::symlink_status(dir);
  if (!fs::exists(st)) return;
  GPTQT_CHECK(fs::is_directory(st) && (fs::exists(dir + "/" + kJobFile) || fs::is_empty(dir)),
              "{} exists and is not a gptqt work folder; refusing to use (and later delete) it", dir);
}

namespace {

// The first item (space-separated) where two fingerprints differ, both sides shortened:
// the whole fingerprint of a planned job is kilobytes, the difference a few words.
std::string first_difference(const std::string& theirs, const std::string& ours) {
  auto split = [](const std::string& s) {
    std::vector<std::string> v;
    size_t i = 0;
    while (i <= s.size()) {
      const size_t j = std::min(s.find(' ', i), s.size());
      v.push_back(s.substr(i, j - i));
      i = j + 1;
    }
    return v;
  };
  auto shorten = [](const std::string& s) { return s.size() <= 160 ? s : s.substr(0, 157) + "..."; };
  const std::vector<std::string> a = split(theirs), b = split(ours);
  size_t k = 0;
  while (k < a.size() && k < b.size() && a[k] == b[k]) ++k;
  return fmt::format("{} where this run has {}", k < a.size() ? shorten(a[k]) : "(nothing)",
                     k < b.size() ? shorten(b[k]) : "(nothing)");
}

}  // namespace

WorkDir::WorkDir(std::string dir, const std::string& fingerprint) : dir_(std::move(dir)), fingerprint_(fingerprint) {
  check_usable(dir_);
  fs::create_directories(dir_);
  const std::string state = dir_ + "/" + kJobFile;
  if (fs::exists(state)) {
    const json j = read_json_file(state);
    const std::string theirs = json_string_or(j, "fingerprint", "", state);
    GPTQT_CHECK(theirs == fingerprint,
                "{} holds an unfinished job with other arguments or inputs (its {}); remove it, or rerun with the "
                "same arguments and inputs",
                dir_, first_difference(theirs, fingerprint));
    // Block files half-written by a killed run.
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) fs::remove(e.path());
  } else {
    write_file_atomic(state, json{{"fingerprint", fingerprint}}.dump(2) + "\n");
  }
}

std::string input_identity(const std::string& path) {
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  std::string out;
  for (const fs::path& f : files) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    const auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
    out += fmt::format("{}{}:{}:{}", out.empty() ? "" : " ", f.string(), ec ? 0 : size, ec ? 0 : mtime);
  }
  return out;
}

std::string WorkDir::block_path(int b) const { return fmt::format("{}/block_{:04}.safetensors", dir_, b); }

bool WorkDir::has_block(int b) const { return fs::exists(block_path(b)); }

void WorkDir::save_block(int b, const std::array<std::optional<QuantizedLinear>, kNumLinearRoles>& lin,
                         const std::vector<LayerLogRow>& log) const {
  SafetensorsWriter w(block_path(b));
  for (int r = 0; r < kNumLinearRoles; ++r)
    if (lin[r]) write_packed_linear(w, linear_role_name(LinearRole(r)), to_packed(*lin[r]), /*fp16=*/false);
  json rows = json::array();
  for (const LayerLogRow& l : log)
    rows.push_back({{"block", l.block}, {"layer", l.layer}, {"loss", l.loss}, {"damp", l.damp},
                    {"seconds", l.seconds}, {"fallback_rtn", l.fallback_rtn}, {"dead_inputs", l.dead_inputs},
                    {"samples", l.samples}});
  w.set_metadata("log", rows.dump());
  w.set_metadata("block", std::to_string(b));
  w.set_metadata("fingerprint", fingerprint_);
  w.commit();
}

WorkDir::Block WorkDir::load_block(int b) const {
  const std::string path = block_path(b);
  SafetensorsFile f(path);
  GPTQT_CHECK(f.metadata("block") == std::to_string(b) && f.metadata("fingerprint") == fingerprint_,
              "{}: the file holds block {} of {}, not block {} of this job; remove {} to start afresh", path,
              f.metadata("block"), f.metadata("fingerprint").empty() ? "an unknown job" : "another job", b, dir_);
  Block out;
  for (int r = 0; r < kNumLinearRoles; ++r) {
    const char* name = linear_role_name(LinearRole(r));
    if (has_packed_linear(f, name)) out.lin[r] = from_packed(read_packed_linear(f, name));
  }
  try {
    const json rows = parse_json(f.metadata("log"), path + " (log)");
    for (const json& j : rows) {
      LayerLogRow l;
      l.block = j.at("block");
      l.layer = j.at("layer");
      l.loss = j.at("loss").is_null() ? NAN : j.at("loss").get<double>();
      l.damp = j.at("damp");
      l.seconds = j.at("seconds");
      l.fallback_rtn = j.at("fallback_rtn");
      l.dead_inputs = j.at("dead_inputs");
      l.samples = j.at("samples");
      out.log.push_back(l);
    }
  } catch (const json::exception& e) {
    fail("{}: unreadable log rows ({})", path, e.what());
  }
  return out;
}

std::string WorkDir::record_path(const std::string& name) const { return fmt::format("{}/{}.json", dir_, name); }

bool WorkDir::has_record(const std::string& name) const { return fs::exists(record_path(name)); }

json WorkDir::load_record(const std::string& name) const {
  const std::string path = record_path(name);
  const json j = read_json_file(path);
  GPTQT_CHECK(j.is_object() && json_string_or(j, "fingerprint", "", path) == fingerprint_ && j.contains("value"),
              "{}: not a record of this job; remove {} to start afresh", path, dir_);
  return j.at("value");
}

void WorkDir::save_record(const std::string& name, const json& value) const {
  write_file_atomic(record_path(name), json{{"fingerprint", fingerprint_}, {"value", value}}.dump() + "\n");
}

}  // namespace gptqt::quant
