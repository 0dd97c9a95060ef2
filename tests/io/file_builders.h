// Test-only writers of small GGUF and safetensors files, for the parser tests.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace gptqt::test {

class GgufBuilder {
 public:
  explicit GgufBuilder(uint32_t version = 3) : v_(version) {}

  void kv_u32(const std::string& key, uint32_t v) {
    kv_str(key);
    u32(kv_, 4);
    u32(kv_, v);
    ++n_kv_;
  }
  void kv_string(const std::string& key, const std::string& v) {
    kv_str(key);
    u32(kv_, 8);
    str(kv_, v);
    ++n_kv_;
  }
  // A tensor of `type` with ggml dims ne (innermost first) and raw bytes.
  void tensor(const std::string& name, uint32_t type, std::vector<uint64_t> ne, const std::vector<uint8_t>& bytes) {
    str(ti_, name);
    u32(ti_, uint32_t(ne.size()));
    for (uint64_t d : ne) v_ == 1 ? u32(ti_, uint32_t(d)) : u64(ti_, d);
    u32(ti_, type);
    while (data_.size() % 32) data_.push_back(0);
    u64(ti_, data_.size());
    data_.insert(data_.end(), bytes.begin(), bytes.end());
    ++n_t_;
  }
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out = {'G', 'G', 'U', 'F'};
    u32(out, v_);
    v_ == 1 ? u32(out, uint32_t(n_t_)) : u64(out, n_t_);
    v_ == 1 ? u32(out, uint32_t(n_kv_)) : u64(out, n_kv_);
    out.insert(out.end(), kv_.begin(), kv_.end());
    out.insert(out.end(), ti_.begin(), ti_.end());
    while (out.size() % 32) out.push_back(0);
    out.insert(out.end(), data_.begin(), data_.end());
    return out;
  }

 private:
  void kv_str(const std::string& s) { str(kv_, s); }
  void str(std::vector<uint8_t>& o, const std::string& s) const {
    v_ == 1 ? u32(o, uint32_t(s.size())) : u64(o, s.size());
    o.insert(o.end(), s.begin(), s.end());
  }
  static void u32(std::vector<uint8_t>& o, uint32_t v) {
    uint8_t b[4];
    std::memcpy(b, &v, 4);
    o.insert(o.end(), b, b + 4);
  }
  static void u64(std::vector<uint8_t>& o, uint64_t v) {
    uint8_t b[8];
    std::memcpy(b, &v, 8);
    o.insert(o.end(), b, b + 8);
  }
  uint32_t v_;
  uint64_t n_kv_ = 0, n_t_ = 0;
  std::vector<uint8_t> kv_, ti_, data_;
};

inline std::vector<uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// A safetensors file from a header JSON text and a data blob.
inline std::vector<uint8_t> safetensors_bytes(const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(8);
  uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

}  // namespace gptqt::test
