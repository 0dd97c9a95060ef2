// Atomic output: write to "<path>.tmp.<pid>", fsync, then rename over <path>.
// A crash leaves either the old file or the complete new one, never half of one.
// A path that is a device or a pipe (-o /dev/stdout, /dev/null) is written in place:
// renaming over it would replace the device with a plain file.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace gptqt {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file if commit() was not reached
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n);
  void write(std::string_view s) { write(s.data(), s.size()); }
  // Appends the whole content of the file at `path` (a kernel-side copy).
  void append_file(const std::string& path);
  // The bytes written so far reach the temporary file (for a reader of temp_path()).
  void flush();
  const std::string& temp_path() const { return tmp_; }
  uint64_t offset() const { return offset_; }
  void commit();  // flush, fsync, rename

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t offset_ = 0;
  bool in_place_ = false;  // a device or pipe: tmp_ is path_ itself
};

// Convenience: the whole content at once.
void write_file_atomic(const std::string& path, std::string_view content);

}  // namespace gptqt
