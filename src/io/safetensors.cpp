#include "io/safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/half.h"
#include "io/json_read.h"

namespace gptqt {

static int dtype_size(const std::string& d) {
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  return 0;
}

SafetensorsFile::SafetensorsFile(const std::string& path) : file_(path) {
  const std::string& p = file_.path();
  GPTQT_CHECK(file_.size() >= 8, "{}: not a safetensors file (too short)", p);
  uint64_t hlen;
  std::memcpy(&hlen, file_.data(), 8);
  GPTQT_CHECK(hlen >= 2 && hlen <= file_.size() - 8, "{}: corrupt safetensors header length {} (file has {} bytes)", p,
              hlen, file_.size());
  const nlohmann::json header =
      parse_json(std::string_view(reinterpret_cast<const char*>(file_.data()) + 8, size_t(hlen)), p + " (header)");
  GPTQT_CHECK(header.is_object(), "{}: safetensors header is not a JSON object", p);
  const uint64_t data_start = 8 + hlen, data_size = file_.size() - data_start;
  for (auto& [name, v] : header.items()) {
    if (name == "__metadata__") {
      GPTQT_CHECK(v.is_object(), "{}: __metadata__ is not an object", p);
      for (auto& [k, val] : v.items())
        if (val.is_string()) metadata_[k] = val.get<std::string>();
      continue;
    }
    try {
      Entry e;
      e.dtype = v.at("dtype").get<std::string>();
      int es = dtype_size(e.dtype);
      GPTQT_CHECK(es > 0, "{}: tensor {} has unknown dtype {}", p, name, e.dtype);
      uint64_t numel = 1;
      GPTQT_CHECK(v.at("shape").is_array(), "{}: tensor {} has no shape array", p, name);
      for (const auto& d : v.at("shape")) {
        GPTQT_CHECK(d.is_number_integer(), "{}: tensor {} has a dimension that is not an integer", p, name);
        int64_t dim = d.get<int64_t>();
        GPTQT_CHECK(dim >= 0 && dim <= (int64_t(1) << 40), "{}: tensor {} has an absurd dimension {}", p, name, dim);
        if (dim > 0) GPTQT_CHECK(numel <= (uint64_t(1) << 42) / uint64_t(dim), "{}: tensor {} is absurdly large", p, name);
        numel *= uint64_t(dim);
        e.shape.push_back(dim);
      }
      const auto& off = v.at("data_offsets");
      GPTQT_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() && off[1].is_number_unsigned(),
                  "{}: tensor {} has bad data_offsets", p, name);
      uint64_t b = off[0].get<uint64_t>(), en = off[1].get<uint64_t>();
      GPTQT_CHECK(b <= en && en <= data_size, "{}: tensor {} data [{}, {}) runs past the end of the data ({} bytes): "
                  "truncated?", p, name, b, en, data_size);
      GPTQT_CHECK(en - b == numel * uint64_t(es), "{}: tensor {} holds {} bytes but its shape and dtype need {}", p,
                  name, en - b, numel * es);
      e.begin = data_start + b;
      e.end = data_start + en;
      entries_.emplace(name, std::move(e));
    } catch (const nlohmann::json::exception& ex) {
      fail("{}: bad safetensors entry for {}: {}", p, name, ex.what());
    }
  }
}

std::string SafetensorsFile::metadata(const std::string& key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? "" : it->second;
}

const SafetensorsFile::Entry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries_.find(name);
  GPTQT_CHECK(it != entries_.end(), "{}: no tensor named {}", file_.path(), name);
  return it->second;
}

std::vector<int64_t> SafetensorsFile::shape(const std::string& name) const { return entry(name).shape; }

const uint8_t* SafetensorsFile::raw(const std::string& name, const std::string& dtype, size_t* nbytes) const {
  const Entry& e = entry(name);
  GPTQT_CHECK(e.dtype == dtype, "{}: tensor {} has dtype {}, expected {}", file_.path(), name, e.dtype, dtype);
  *nbytes = size_t(e.end - e.begin);
  return file_.data() + e.begin;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries_) out.push_back(k);
  return out;
}

TensorF32 SafetensorsFile::load(const std::string& name) const {
  const Entry& e = entry(name);
  TensorF32 t;
  t.shape = e.shape;
  const uint8_t* src = file_.data() + e.begin;
  size_t n = size_t(e.end - e.begin) / size_t(dtype_size(e.dtype));
  t.data.resize(n);
  uint16_t h;
  if (e.dtype == "F32") {
    if (n) std::memcpy(t.data.data(), src, n * 4);  // an empty vector's data() may be null
  } else if (e.dtype == "F16") {
    for (size_t i = 0; i < n; ++i) t.data[i] = f16_to_f32((std::memcpy(&h, src + 2 * i, 2), h));
  } else if (e.dtype == "BF16") {
    for (size_t i = 0; i < n; ++i) t.data[i] = bf16_to_f32((std::memcpy(&h, src + 2 * i, 2), h));
  } else {
    fail("{}: tensor {} has dtype {}; supported: F32, F16, BF16", file_.path(), name, e.dtype);
  }
  file_.release(src, e.end - e.begin);
  return t;
}

}  // namespace gptqt
