// safetensors reader: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}}, then the raw data. Memory-mapped;
// F32, F16 and BF16 tensors load as fp32. Every offset is validated.
#pragma once
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "core/mapped_file.h"
#include "io/tensor_source.h"

namespace gptqt {

class SafetensorsFile : public TensorSource {
 public:
  explicit SafetensorsFile(const std::string& path);

  struct Entry {
    std::string dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;  // absolute offsets in the file
  };
  const std::map<std::string, Entry>& entries() const { return entries_; }
  // The header's "__metadata__" strings ("" when absent).
  std::string metadata(const std::string& key) const;

  bool has(const std::string& name) const override { return entries_.count(name) != 0; }
  std::vector<int64_t> shape(const std::string& name) const override;
  TensorF32 load(const std::string& name) const override;
  // The stored bytes of a tensor whose dtype must be `dtype` (e.g. U32 sign planes) as
  // whole elements of T; Error otherwise. Its pages then leave this process's memory, as
  // load()'s do: a packed model's planes would otherwise stay resident beside their copies.
  template <class T>
  std::vector<T> copy_raw(const std::string& name, const std::string& dtype) const {
    size_t nbytes;
    const uint8_t* p = raw(name, dtype, &nbytes);
    std::vector<T> v(nbytes / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), p, v.size() * sizeof(T));
    file_.release(p, nbytes);
    return v;
  }
  std::vector<std::string> names() const override;
  std::string describe() const override { return file_.path(); }

 private:
  const uint8_t* raw(const std::string& name, const std::string& dtype, size_t* nbytes) const;
  const Entry& entry(const std::string& name) const;
  MappedFile file_;
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace gptqt
