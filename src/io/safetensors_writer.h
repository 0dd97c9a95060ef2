// Writes a safetensors file atomically, tensor by tensor: each added tensor's bytes go
// at once to a temporary body file, so only names and shapes stay in memory (a model
// larger than memory can be written block by block). commit() writes the header
// (padded to 8 bytes, as the format recommends) followed by the body, and renames the
// result into place; without commit() nothing is left behind.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/atomic_file.h"

namespace gptqt {

class SafetensorsWriter {
 public:
  explicit SafetensorsWriter(std::string path);

  void add_f32(const std::string& name, std::vector<int64_t> shape, const float* data);
  void add_f16(const std::string& name, std::vector<int64_t> shape, const float* data);  // rounds to fp16
  void add_u32(const std::string& name, std::vector<int64_t> shape, const uint32_t* data);
  void add_i32(const std::string& name, std::vector<int64_t> shape, const int32_t* data);
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  void commit();

 private:
  struct Tensor {
    std::string dtype;
    std::vector<int64_t> shape;
    uint64_t begin, end;  // byte range in the data section
  };
  void add(const std::string& name, const char* dtype, std::vector<int64_t> shape, const void* data, size_t esize);
  std::string path_;
  std::optional<AtomicFile> body_;  // never committed: its temporary file goes with it
  std::map<std::string, Tensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace gptqt
