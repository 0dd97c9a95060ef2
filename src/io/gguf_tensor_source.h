// GGUF tensors seen through the TensorSource interface (shapes in HF order).
#pragma once
#include "io/gguf.h"
#include "io/tensor_source.h"

namespace gptqt {

class GgufTensorSource : public TensorSource {
 public:
  explicit GgufTensorSource(const GgufFile& file) : f_(file) {}
  bool has(const std::string& name) const override { return f_.find_tensor(name) != nullptr; }
  std::vector<int64_t> shape(const std::string& name) const override;
  TensorF32 load(const std::string& name) const override;
  std::vector<std::string> names() const override;
  std::string describe() const override { return f_.path(); }
  std::optional<uint32_t> ggml_type(const std::string& name) const override { return info(name).type; }

 private:
  const GgufTensorInfo& info(const std::string& name) const;
  const GgufFile& f_;
};

}  // namespace gptqt
