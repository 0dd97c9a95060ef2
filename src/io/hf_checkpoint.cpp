#include "io/hf_checkpoint.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace gptqt {

namespace fs = std::filesystem;

static std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  GPTQT_CHECK(in, "cannot read {}", p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_hf_checkpoint_folder(const std::string& path) {
  return fs::is_directory(path) && fs::exists(fs::path(path) / "config.json");
}

HfCheckpoint::HfCheckpoint(const std::string& folder) : folder_(folder) {
  fs::path dir(folder);
  GPTQT_CHECK(fs::is_directory(dir), "{} is not a folder", folder);
  GPTQT_CHECK(fs::exists(dir / "config.json"), "{}: no config.json", folder);
  config_text_ = read_text(dir / "config.json");

  std::vector<std::string> files;
  if (fs::exists(dir / "model.safetensors.index.json")) {
    nlohmann::json index;
    try {
      index = nlohmann::json::parse(read_text(dir / "model.safetensors.index.json"));
      std::map<std::string, size_t> file_no;
      for (auto& [tensor, file] : index.at("weight_map").items()) {
        std::string f = file.get<std::string>();
        GPTQT_CHECK(f.find('/') == std::string::npos, "{}: shard name {} is not a plain file name", folder, f);
        auto [it, added] = file_no.emplace(f, files.size());
        if (added) files.push_back(f);
        where_[tensor] = it->second;
      }
    } catch (const nlohmann::json::exception& e) {
      fail("{}: bad model.safetensors.index.json: {}", folder, e.what());
    }
  } else if (fs::exists(dir / "model.safetensors")) {
    files.push_back("model.safetensors");
  } else {
    fail("{}: neither model.safetensors nor model.safetensors.index.json (only safetensors checkpoints are read)",
         folder);
  }
  for (const std::string& f : files) shards_.push_back(std::make_unique<SafetensorsFile>((dir / f).string()));
  if (where_.empty()) {
    for (const auto& name : shards_[0]->names()) where_[name] = 0;
  } else {
    for (const auto& [name, i] : where_)
      GPTQT_CHECK(shards_[i]->has(name), "{}: the index puts {} in {}, which does not hold it", folder, name, files[i]);
  }
}

const SafetensorsFile& HfCheckpoint::shard_of(const std::string& name) const {
  auto it = where_.find(name);
  GPTQT_CHECK(it != where_.end(), "{}: no tensor named {}", folder_, name);
  return *shards_[it->second];
}

std::vector<int64_t> HfCheckpoint::shape(const std::string& name) const { return shard_of(name).shape(name); }
TensorF32 HfCheckpoint::load(const std::string& name) const { return shard_of(name).load(name); }

std::vector<std::string> HfCheckpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : where_) out.push_back(k);
  return out;
}

}  // namespace gptqt
