// A Hugging Face checkpoint folder: config.json plus model.safetensors, or
// shards model-0000N-of-0000M.safetensors listed in model.safetensors.index.json.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "io/safetensors.h"

namespace gptqt {

class HfCheckpoint : public TensorSource {
 public:
  explicit HfCheckpoint(const std::string& folder);

  const std::string& config_json() const { return config_text_; }  // the raw text of config.json

  bool has(const std::string& name) const override { return where_.count(name) != 0; }
  std::vector<int64_t> shape(const std::string& name) const override;
  TensorF32 load(const std::string& name) const override;
  std::vector<std::string> names() const override;
  std::string describe() const override { return folder_; }

 private:
  const SafetensorsFile& shard_of(const std::string& name) const;
  std::string folder_, config_text_;
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  std::map<std::string, size_t> where_;  // tensor name -> shard index
};

bool is_hf_checkpoint_folder(const std::string& path);

}  // namespace gptqt
