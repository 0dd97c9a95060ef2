// The resumable working folder of a quantization job: one file per finished
// block (its quantized layers, exactly, and its log rows) and the job's
// fingerprint. A re-run with the same arguments reuses the finished blocks.
#pragma once
#include <array>
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

  struct Block {
    std::array<std::optional<QuantizedLinear>, kNumLinearRoles> lin;
    std::vector<LayerLogRow> log;
  };
  bool has_block(int b) const;
  Block load_block(int b) const;
  void save_block(int b, const std::array<std::optional<QuantizedLinear>, kNumLinearRoles>& lin,
                  const std::vector<LayerLogRow>& log) const;
  const std::string& path() const { return dir_; }

 private:
  std::string block_path(int b) const;
  std::string dir_;
};

}  // namespace gptqt::quant
