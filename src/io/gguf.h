// GGUF reader (versions 1, 2, 3), memory-mapped. Version 1 uses 32-bit counts
// and string lengths; 2 and 3 use 64-bit. Every offset, count and dimension is
// checked against the file size before use: a corrupt file is an Error, never a crash.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/mapped_file.h"

namespace gptqt {

// ggml tensor types this project knows by name (the values are ggml's).
enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
  I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
  TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39, NVFP4 = 40, Q1_0 = 41,
};
std::string ggml_type_name(uint32_t type);

struct GgufValue;
using GgufArray = std::vector<GgufValue>;
// Integers of every width are widened to int64 (uint64 values above INT64_MAX are
// kept as uint64), floats to double.
struct GgufValue {
  std::variant<int64_t, uint64_t, double, bool, std::string, std::shared_ptr<GgufArray>> v;
  uint32_t type = 0;  // the GGUF value type code as stored
};

struct GgufTensorInfo {
  std::string name;
  uint32_t type = 0;          // GgmlType value
  std::vector<int64_t> ne;    // ggml order: ne[0] is the contiguous (column) dimension
  uint64_t offset = 0;        // absolute offset in the file
  uint64_t nbytes = 0;
  int64_t numel() const;
  int64_t rows() const { return numel() / (ne.empty() ? 1 : ne[0]); }  // product of ne[1..]
  int64_t cols() const { return ne.empty() ? 1 : ne[0]; }
};

class GgufFile {
 public:
  explicit GgufFile(const std::string& path);  // parses and validates; throws Error

  uint32_t version() const { return version_; }
  const std::string& path() const { return file_.path(); }

  // Metadata.
  const GgufValue* find(const std::string& key) const;
  bool has(const std::string& key) const { return find(key) != nullptr; }
  std::string get_string(const std::string& key) const;  // throws if missing or wrong type
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t lo, int64_t hi) const;  // Error naming the key when outside
  double get_float(const std::string& key) const;        // accepts integers too
  bool get_bool(const std::string& key) const;
  std::vector<std::string> get_string_array(const std::string& key) const;
  std::vector<double> get_float_array(const std::string& key) const;
  std::vector<int64_t> get_int_array(const std::string& key) const;
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }

  // Tensors.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(const std::string& name) const;
  const uint8_t* tensor_data(const GgufTensorInfo& t) const { return file_.data() + t.offset; }
  // Row-major fp32 copy (rows() x cols()). Types: every weight type llama.cpp
  // writes (ggml_dequantizable_type_names() in io/ggml_blocks.h); any other type
  // is an Error naming the type and the tensor.
  std::vector<float> dequantize(const GgufTensorInfo& t) const;

 private:
  MappedFile file_;
  uint32_t version_ = 0;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<GgufTensorInfo> tensors_;
};

}  // namespace gptqt
