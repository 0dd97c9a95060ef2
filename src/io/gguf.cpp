#include "io/gguf.h"

#include <cstring>
#include <limits>
#include <unordered_set>

#include "core/error.h"
#include "io/ggml_blocks.h"

namespace gptqt {

namespace {

enum ValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32V = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};

// Bounds-checked cursor over the mapped file.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size, const std::string& path, uint32_t version)
      : d_(data), n_(size), path_(path), v1_(version == 1) {}

  size_t pos() const { return p_; }
  size_t remaining() const { return n_ - p_; }

  template <typename T>
  T get() {
    need(sizeof(T), "a number");
    T v;
    std::memcpy(&v, d_ + p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  // Counts and lengths: 32-bit in GGUF v1, 64-bit later.
  uint64_t count() { return v1_ ? get<uint32_t>() : get<uint64_t>(); }
  std::string str() {
    uint64_t len = count();
    need(len, "a string");
    std::string s(reinterpret_cast<const char*>(d_ + p_), size_t(len));
    p_ += size_t(len);
    return s;
  }
  void need(uint64_t bytes, const char* what) {
    if (bytes > remaining())
      fail("{}: truncated or corrupt GGUF file: {} at byte {} runs past the end ({} bytes)", path_, what, p_, n_);
  }
  // n items of at least `size` bytes each (n * size could wrap around 2^64).
  void need_items(uint64_t n, uint64_t size, const char* what) {
    if (n > remaining() / size)
      fail("{}: truncated or corrupt GGUF file: {} of {} items at byte {} runs past the end ({} bytes)", path_, what, n,
           p_, n_);
  }
  bool v1() const { return v1_; }

 private:
  const uint8_t* d_;
  size_t n_, p_ = 0;
  const std::string& path_;
  bool v1_;
};

size_t scalar_size(uint32_t t) {
  switch (t) {
    case U8: case I8: case BOOL: return 1;
    case U16: case I16: return 2;
    case U32: case I32: case F32V: return 4;
    case U64: case I64: case F64: return 8;
    default: return 0;
  }
}

GgufValue read_value(Reader& r, uint32_t type, const std::string& key, int depth) {
  GgufValue out;
  out.type = type;
  switch (type) {
    case U8: out.v = int64_t(r.get<uint8_t>()); break;
    case I8: out.v = int64_t(r.get<int8_t>()); break;
    case U16: out.v = int64_t(r.get<uint16_t>()); break;
    case I16: out.v = int64_t(r.get<int16_t>()); break;
    case U32: out.v = int64_t(r.get<uint32_t>()); break;
    case I32: out.v = int64_t(r.get<int32_t>()); break;
    case I64: out.v = r.get<int64_t>(); break;
    case U64: {
      uint64_t u = r.get<uint64_t>();
      if (u <= uint64_t(std::numeric_limits<int64_t>::max())) out.v = int64_t(u);
      else out.v = u;
      break;
    }
    case F32V: out.v = double(r.get<float>()); break;
    case F64: out.v = r.get<double>(); break;
    case BOOL: out.v = r.get<uint8_t>() != 0; break;
    case STRING: out.v = r.str(); break;
    case ARRAY: {
      GPTQT_CHECK(depth < 4, "GGUF key {}: arrays nested too deeply", key);
      uint32_t et = r.get<uint32_t>();
      uint64_t n = r.count();
      // Each element takes at least one byte (strings at least their length field).
      size_t min_elem = et == STRING ? (r.v1() ? 4 : 8) : std::max<size_t>(scalar_size(et), 1);
      GPTQT_CHECK(et <= F64, "GGUF key {}: unknown array element type {}", key, et);
      r.need_items(n, min_elem, "an array");
      auto arr = std::make_shared<GgufArray>();
      arr->reserve(size_t(n));
      for (uint64_t i = 0; i < n; ++i) arr->push_back(read_value(r, et, key, depth + 1));
      out.v = std::move(arr);
      break;
    }
    default: fail("GGUF key {}: unknown value type {}", key, type);
  }
  return out;
}

}  // namespace

std::string ggml_type_name(uint32_t type) {
  const GgmlTypeTraits* t = ggml_type_traits(type);
  return t ? t->name : "type#" + std::to_string(type);
}

int64_t GgufTensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

GgufFile::GgufFile(const std::string& path) : file_(path) {
  const std::string& p = file_.path();
  GPTQT_CHECK(file_.size() >= 8 && std::memcmp(file_.data(), "GGUF", 4) == 0,
              "{}: not a GGUF file (bad magic)", p);
  std::memcpy(&version_, file_.data() + 4, 4);
  GPTQT_CHECK(version_ >= 1 && version_ <= 3, "{}: unsupported GGUF version {}", p, version_);
  Reader r(file_.data(), file_.size(), p, version_);
  r.get<uint32_t>();
  r.get<uint32_t>();
  uint64_t n_tensors = r.count();
  uint64_t n_kv = r.count();
  // Every entry needs at least a few bytes: rejects absurd counts before allocating.
  GPTQT_CHECK(n_tensors <= file_.size() / 8 && n_kv <= file_.size() / 8,
              "{}: corrupt GGUF header ({} tensors, {} keys in a {}-byte file)", p, n_tensors, n_kv,
              file_.size());

  // A key or tensor name given twice would be read as whichever came first: refuse.
  std::unordered_set<std::string> seen;
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = r.str();
    GPTQT_CHECK(seen.insert(key).second, "{}: metadata key {} appears twice", p, key);
    uint32_t type = r.get<uint32_t>();
    kv_.emplace_back(key, read_value(r, type, key, 0));
  }
  seen.clear();

  uint64_t alignment = 32;
  if (const GgufValue* a = find("general.alignment")) {
    const int64_t* v = std::get_if<int64_t>(&a->v);
    GPTQT_CHECK(v && *v > 0 && (*v & (*v - 1)) == 0 && *v <= 65536, "{}: bad general.alignment", p);
    alignment = uint64_t(*v);
  }

  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo t;
    t.name = r.str();
    GPTQT_CHECK(seen.insert(t.name).second, "{}: tensor {} appears twice", p, t.name);
    uint32_t n_dims = r.get<uint32_t>();
    GPTQT_CHECK(n_dims >= 1 && n_dims <= 4, "{}: tensor {} has {} dimensions", p, t.name, n_dims);
    uint64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = r.v1() ? r.get<uint32_t>() : r.get<uint64_t>();
      GPTQT_CHECK(dim >= 1 && dim <= (uint64_t(1) << 40) && numel <= (uint64_t(1) << 42) / dim,
                  "{}: tensor {} has an absurd dimension {}", p, t.name, dim);
      numel *= dim;
      t.ne.push_back(int64_t(dim));
    }
    t.type = r.get<uint32_t>();
    t.offset = r.get<uint64_t>();
    const GgmlTypeTraits* tr = ggml_type_traits(t.type);
    GPTQT_CHECK(tr, "{}: tensor {} has unknown ggml type {}", p, t.name, t.type);
    GPTQT_CHECK(t.ne[0] % tr->block_size == 0, "{}: tensor {} ({}) has rows of {} not a multiple of {}", p,
                t.name, tr->name, t.ne[0], tr->block_size);
    t.nbytes = numel / tr->block_size * tr->block_bytes;
    tensors_.push_back(std::move(t));
  }

  uint64_t data_start = (uint64_t(r.pos()) + alignment - 1) / alignment * alignment;
  for (GgufTensorInfo& t : tensors_) {
    GPTQT_CHECK(t.offset % alignment == 0, "{}: tensor {} is misaligned", p, t.name);
    GPTQT_CHECK(t.offset <= file_.size() && data_start <= file_.size() - t.offset &&
                    t.nbytes <= file_.size() - data_start - t.offset,
                "{}: tensor {} ({} bytes at offset {}) runs past the end of the file ({} bytes): truncated?", p,
                t.name, t.nbytes, t.offset, file_.size());
    t.offset += data_start;
  }
}

const GgufValue* GgufFile::find(const std::string& key) const {
  for (const auto& [k, v] : kv_)
    if (k == key) return &v;
  return nullptr;
}

namespace {
const GgufValue& must(const GgufFile& f, const std::string& key) {
  const GgufValue* v = f.find(key);
  GPTQT_CHECK(v, "{}: missing metadata key {}", f.path(), key);
  return *v;
}
double as_double(const GgufValue& v, const std::string& key, const std::string& path) {
  if (auto* d = std::get_if<double>(&v.v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v.v)) return double(*i);
  if (auto* u = std::get_if<uint64_t>(&v.v)) return double(*u);
  fail("{}: metadata key {} is not a number", path, key);
}
const GgufArray& as_array(const GgufFile& f, const std::string& key) {
  auto* a = std::get_if<std::shared_ptr<GgufArray>>(&must(f, key).v);
  GPTQT_CHECK(a, "{}: metadata key {} is not an array", f.path(), key);
  return **a;
}
}  // namespace

std::string GgufFile::get_string(const std::string& key) const {
  auto* s = std::get_if<std::string>(&must(*this, key).v);
  GPTQT_CHECK(s, "{}: metadata key {} is not a string", path(), key);
  return *s;
}

int64_t GgufFile::get_int(const std::string& key) const {
  auto* i = std::get_if<int64_t>(&must(*this, key).v);
  GPTQT_CHECK(i, "{}: metadata key {} is not an integer", path(), key);
  return *i;
}

int64_t GgufFile::get_int(const std::string& key, int64_t lo, int64_t hi) const {
  const GgufValue& v = must(*this, key);
  auto* u = std::get_if<uint64_t>(&v.v);
  GPTQT_CHECK(!u, "{}: metadata key {} = {} is out of range [{}, {}]", path(), key, u ? *u : 0, lo, hi);
  const int64_t x = get_int(key);
  GPTQT_CHECK(x >= lo && x <= hi, "{}: metadata key {} = {} is out of range [{}, {}]", path(), key, x, lo, hi);
  return x;
}

double GgufFile::get_float(const std::string& key) const { return as_double(must(*this, key), key, path()); }

bool GgufFile::get_bool(const std::string& key) const {
  auto* b = std::get_if<bool>(&must(*this, key).v);
  GPTQT_CHECK(b, "{}: metadata key {} is not a boolean", path(), key);
  return *b;
}

std::vector<std::string> GgufFile::get_string_array(const std::string& key) const {
  std::vector<std::string> out;
  for (const GgufValue& v : as_array(*this, key)) {
    auto* s = std::get_if<std::string>(&v.v);
    GPTQT_CHECK(s, "{}: metadata key {} is not an array of strings", path(), key);
    out.push_back(*s);
  }
  return out;
}

std::vector<double> GgufFile::get_float_array(const std::string& key) const {
  std::vector<double> out;
  for (const GgufValue& v : as_array(*this, key)) out.push_back(as_double(v, key, path()));
  return out;
}

std::vector<int64_t> GgufFile::get_int_array(const std::string& key) const {
  std::vector<int64_t> out;
  for (const GgufValue& v : as_array(*this, key)) {
    auto* i = std::get_if<int64_t>(&v.v);
    GPTQT_CHECK(i, "{}: metadata key {} is not an array of integers", path(), key);
    out.push_back(*i);
  }
  return out;
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  for (const GgufTensorInfo& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<float> GgufFile::dequantize(const GgufTensorInfo& t) const {
  std::vector<float> out(size_t(t.numel()));
  dequantize_ggml(t.type, tensor_data(t), out.data(), t.numel(), t.name);
  file_.release(tensor_data(t), size_t(t.nbytes));
  return out;
}

}  // namespace gptqt
