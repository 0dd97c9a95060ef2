#include "quant/work_dir.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "quant/packed_conversion.h"
#include "quant/pipeline.h"

namespace gptqt::quant {

namespace fs = std::filesystem;
using nlohmann::json;

WorkDir::WorkDir(std::string dir, const std::string& fingerprint) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  const std::string state = dir_ + "/job.json";
  if (fs::exists(state)) {
    std::ifstream in(state);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string theirs;
    try {
      theirs = json::parse(ss.str()).at("fingerprint").get<std::string>();
    } catch (const json::exception& e) {
      fail("{}: unreadable job file ({}); remove the folder to start afresh", state, e.what());
    }
    GPTQT_CHECK(theirs == fingerprint,
                "{} holds an unfinished job with other arguments ({}); remove it, or rerun with the same arguments",
                dir_, theirs);
  } else {
    write_file_atomic(state, json{{"fingerprint", fingerprint}}.dump(2) + "\n");
  }
}

std::string WorkDir::block_path(int b) const { return fmt::format("{}/block_{:04}.safetensors", dir_, b); }

bool WorkDir::has_block(int b) const { return fs::exists(block_path(b)); }

void WorkDir::save_block(int b, const std::array<std::optional<QuantizedLinear>, kNumLinearRoles>& lin,
                         const std::vector<LayerLogRow>& log) const {
  SafetensorsWriter w;
  for (int r = 0; r < kNumLinearRoles; ++r)
    if (lin[r]) write_packed_linear(w, linear_role_name(LinearRole(r)), to_packed(*lin[r]), /*fp16=*/false);
  json rows = json::array();
  for (const LayerLogRow& l : log)
    rows.push_back({{"block", l.block}, {"layer", l.layer}, {"loss", l.loss}, {"damp", l.damp},
                    {"seconds", l.seconds}, {"fallback_rtn", l.fallback_rtn}, {"dead_inputs", l.dead_inputs},
                    {"samples", l.samples}});
  w.set_metadata("log", rows.dump());
  w.write(block_path(b));
}

WorkDir::Block WorkDir::load_block(int b) const {
  const std::string path = block_path(b);
  SafetensorsFile f(path);
  Block out;
  for (int r = 0; r < kNumLinearRoles; ++r) {
    const char* name = linear_role_name(LinearRole(r));
    if (has_packed_linear(f, name)) out.lin[r] = from_packed(read_packed_linear(f, name));
  }
  try {
    json rows = json::parse(f.metadata("log"));
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

}  // namespace gptqt::quant
