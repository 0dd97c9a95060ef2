// A source of named tensors (a GGUF file or a Hugging Face checkpoint folder):
// the model loader reads weights through this, whatever the file format.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gptqt {

struct TensorF32 {
  std::vector<int64_t> shape;  // row-major, outermost first (HF order)
  std::vector<float> data;
  int64_t rows() const { return shape.size() < 2 ? 1 : shape[0]; }
  int64_t cols() const { return shape.empty() ? 1 : shape.back(); }
};

class TensorSource {
 public:
  virtual ~TensorSource() = default;
  virtual bool has(const std::string& name) const = 0;
  virtual std::vector<int64_t> shape(const std::string& name) const = 0;  // outermost first
  virtual TensorF32 load(const std::string& name) const = 0;                // dequantized to fp32
  virtual std::vector<std::string> names() const = 0;
  virtual std::string describe() const = 0;  // a path, for messages
  // The ggml type a GGUF tensor is stored in; none for other sources.
  virtual std::optional<uint32_t> ggml_type(const std::string&) const { return std::nullopt; }
};

}  // namespace gptqt
