#include "io/hf_checkpoint.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_read.h"
#include "io/json_read.h"

namespace gptqt {

namespace fs = std::filesystem;

bool is_hf_checkpoint_folder(const std::string& path) {
  return fs::is_directory(path) && fs::exists(fs::path(path) / "config.json");
}

namespace {

// model.safetensors.index.json: {"weight_map": {tensor: shard file name}} with
// at least one tensor; shard names are plain file names in the folder.
std::vector<std::string> read_index(const fs::path& dir, std::map<std::string, size_t>& where) {
  const std::string path = (dir / "model.safetensors.index.json").string();
  const nlohmann::json index = read_json_file(path);
  GPTQT_CHECK(index.is_object() && index.contains("weight_map") && index["weight_map"].is_object(),
              "{}: no \"weight_map\" object", path);
  const nlohmann::json& map = index["weight_map"];
  GPTQT_CHECK(!map.empty(), "{}: \"weight_map\" lists no tensors", path);
  std::vector<std::string> files;
  std::map<std::string, size_t> file_no;
  for (const auto& [tensor, file] : map.items()) {
    GPTQT_CHECK(file.is_string(), "{}: the shard of {} is not a file name", path, tensor);
    const std::string f = file.get<std::string>();
    GPTQT_CHECK(!f.empty() && f != "." && f != ".." && f.find('/') == std::string::npos,
                "{}: shard name \"{}\" of {} is not a plain file name", path, f, tensor);
    auto [it, added] = file_no.emplace(f, files.size());
    if (added) files.push_back(f);
    where[tensor] = it->second;
  }
  return files;
}

}  // namespace

HfCheckpoint::HfCheckpoint(const std::string& folder) : folder_(folder) {
  fs::path dir(folder);
  GPTQT_CHECK(fs::is_directory(dir), "{} is not a folder", folder);
  GPTQT_CHECK(fs::exists(dir / "config.json"), "{}: no config.json", folder);
  config_text_ = read_file((dir / "config.json").string(), uint64_t(1) << 24);

  std::vector<std::string> files;
  if (fs::exists(dir / "model.safetensors.index.json"))
    files = read_index(dir, where_);
  else if (fs::exists(dir / "model.safetensors"))
    files.push_back("model.safetensors");
  else
    fail("{}: neither model.safetensors nor model.safetensors.index.json (only safetensors checkpoints are read)",
         folder);
  for (const std::string& f : files) shards_.push_back(std::make_unique<SafetensorsFile>((dir / f).string()));
  if (where_.empty()) {
    for (const auto& name : shards_[0]->names()) where_[name] = 0;
    GPTQT_CHECK(!where_.empty(), "{}: model.safetensors holds no tensors", folder);
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
