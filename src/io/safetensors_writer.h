// Writes a safetensors file atomically: tensors are added in memory, then
// written in one pass (header padded to 8 bytes, as the format recommends).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gptqt {

class SafetensorsWriter {
 public:
  void add_f32(const std::string& name, std::vector<int64_t> shape, const float* data);
  void add_f16(const std::string& name, std::vector<int64_t> shape, const float* data);  // rounds to fp16
  void add_u32(const std::string& name, std::vector<int64_t> shape, const uint32_t* data);
  void add_i32(const std::string& name, std::vector<int64_t> shape, const int32_t* data);
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  void write(const std::string& path) const;

 private:
  struct Tensor {
    std::string dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  void add(const std::string& name, const char* dtype, std::vector<int64_t> shape, const void* data, size_t esize);
  std::map<std::string, Tensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace gptqt
