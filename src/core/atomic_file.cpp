#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace gptqt {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  struct stat st;
  if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    GPTQT_CHECK(!S_ISDIR(st.st_mode), "{} is a folder, not a file", path_);
    in_place_ = true;
  }
  tmp_ = in_place_ ? path_ : path_ + ".tmp." + std::to_string(::getpid());
  f_ = std::fopen(tmp_.c_str(), "wb");
  GPTQT_CHECK(f_, "cannot create {}: {}", tmp_, std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (f_) {
    std::fclose(f_);
    if (!in_place_) std::remove(tmp_.c_str());
  }
}

void AtomicFile::write(const void* data, size_t n) {
  GPTQT_CHECK(f_, "write to {} after commit", path_);
  if (n && std::fwrite(data, 1, n, f_) != n) fail("write to {} failed: {}", tmp_, std::strerror(errno));
  offset_ += n;
}

void AtomicFile::flush() {
  GPTQT_CHECK(f_, "flush of {} after commit", path_);
  if (std::fflush(f_) != 0) fail("write to {} failed: {}", tmp_, std::strerror(errno));
}

void AtomicFile::append_file(const std::string& path) {
  flush();
  const int in = ::open(path.c_str(), O_RDONLY);
  GPTQT_CHECK(in >= 0, "cannot read {}: {}", path, std::strerror(errno));
  const int out = ::fileno(f_);
  for (;;) {
    const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, size_t(1) << 30, 0);
    if (n == 0) break;
    if (n < 0) {
      const int err = errno;
      ::close(in);
      fail("copying {} into {} failed: {}", path, tmp_, std::strerror(err));
    }
    offset_ += uint64_t(n);
  }
  ::close(in);
  // The FILE's position must follow the descriptor's for later writes.
  GPTQT_CHECK(std::fseek(f_, 0, SEEK_END) == 0, "seek in {} failed: {}", tmp_, std::strerror(errno));
}

void AtomicFile::commit() {
  GPTQT_CHECK(f_, "{} committed twice", path_);
  bool ok = std::fflush(f_) == 0 && (in_place_ || ::fsync(::fileno(f_)) == 0);
  ok = (std::fclose(f_) == 0) && ok;
  f_ = nullptr;
  if (in_place_) {
    GPTQT_CHECK(ok, "cannot finish writing {}: {}", path_, std::strerror(errno));
    return;
  }
  if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    std::remove(tmp_.c_str());
    fail("cannot finish writing {}: {}", path_, std::strerror(errno));
  }
}

void write_file_atomic(const std::string& path, std::string_view content) {
  AtomicFile f(path);
  f.write(content);
  f.commit();
}

}  // namespace gptqt
