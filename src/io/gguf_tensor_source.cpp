#include "io/gguf_tensor_source.h"

#include "core/error.h"

namespace gptqt {

const GgufTensorInfo& GgufTensorSource::info(const std::string& name) const {
  const GgufTensorInfo* t = f_.find_tensor(name);
  GPTQT_CHECK(t, "{}: no tensor named {}", f_.path(), name);
  return *t;
}

std::vector<int64_t> GgufTensorSource::shape(const std::string& name) const {
  const GgufTensorInfo& t = info(name);
  return std::vector<int64_t>(t.ne.rbegin(), t.ne.rend());  // ggml lists the innermost dimension first
}

TensorF32 GgufTensorSource::load(const std::string& name) const {
  const GgufTensorInfo& t = info(name);
  return TensorF32{shape(name), f_.dequantize(t)};
}

std::vector<std::string> GgufTensorSource::names() const {
  std::vector<std::string> out;
  for (const auto& t : f_.tensors()) out.push_back(t.name);
  return out;
}

}  // namespace gptqt
