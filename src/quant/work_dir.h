// The resumable working folder of a quantization job: one file per finished
// block (its quantized layers, exactly, and its log rows) and the job's
// fingerprint, which names the arguments and the identity (size, modification
// time) of every input file. A re-run of the same job reuses the finished blocks;
// anything else (other arguments, a changed model file, a block file of another
// block or job) is refused, never mixed in.
#pragma once
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/weights.h"
#include "quant/quantized_linear.h"

namespace gptqt::quant {

struct LayerLogRow;

class WorkDir {
 public:
  // Creates the folder, or opens one left by the same job; Error if it belongs to another job.
  WorkDir(std::string dir, const std::string& fingerprint);

  // Error unless `dir` is absent, empty, or a gptqt work folder (one with job.json).
  static void check_usable(const std::string& dir);

  struct Block {
    std::array<std::optional<QuantizedLinear>, kNumLinearRoles> lin;
    std::vector<LayerLogRow> log;
  };
  bool has_block(int b) const;
  Block load_block(int b) const;
  void save_block(int b, const std::array<std::optional<QuantizedLinear>, kNumLinearRoles>& lin,
                  const std::vector<LayerLogRow>& log) const;
  // Small records of the job beside its blocks (the bit planner's errors per block):
  // a JSON value per name, refused when another job wrote it.
  bool has_record(const std::string& name) const;
  nlohmann::json load_record(const std::string& name) const;
  void save_record(const std::string& name, const nlohmann::json& value) const;
  const std::string& path() const { return dir_; }

 private:
  std::string block_path(int b) const;
  std::string record_path(const std::string& name) const;
  std::string dir_, fingerprint_;
};

// "path size mtime" of a file, or of every file in a folder (sorted): what the
// fingerprint holds of an input, so that a model replaced at the same path is
// not resumed as if it were the old one.
std::string input_identity(const std::string& path);

}  // namespace gptqt::quant
