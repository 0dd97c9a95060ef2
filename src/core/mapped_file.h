// A read-only memory map of a whole file (model weights are read in place).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace gptqt {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws Error if it cannot be opened
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  // The pages wholly inside [p, p + n) leave this process's memory (they stay in
  // the page cache, and a later read brings them back): a tensor read once and
  // converted should not count against the process while the next one is read.
  void release(const uint8_t* p, size_t n) const;
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace gptqt
