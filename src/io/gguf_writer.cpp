#include "io/gguf_writer.h"

#include <cstring>

#include "core/atomic_file.h"
#include "core/error.h"

namespace gptqt {

namespace {

struct Out {
  std::string buf;
  template <typename T>
  void put(T v) {
    buf.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void str(const std::string& s) {
    put<uint64_t>(s.size());
    buf += s;
  }
};

// Writes the payload of a value of GGUF type `type` (integers were widened on read).
void put_value(Out& o, const GgufValue& v) {
  switch (v.type) {
    case 0: o.put<uint8_t>(uint8_t(std::get<int64_t>(v.v))); break;
    case 1: o.put<int8_t>(int8_t(std::get<int64_t>(v.v))); break;
    case 2: o.put<uint16_t>(uint16_t(std::get<int64_t>(v.v))); break;
    case 3: o.put<int16_t>(int16_t(std::get<int64_t>(v.v))); break;
    case 4: o.put<uint32_t>(uint32_t(std::get<int64_t>(v.v))); break;
    case 5: o.put<int32_t>(int32_t(std::get<int64_t>(v.v))); break;
    case 6: o.put<float>(float(std::get<double>(v.v))); break;
    case 7: o.put<uint8_t>(std::get<bool>(v.v) ? 1 : 0); break;
    case 8: o.str(std::get<std::string>(v.v)); break;
    case 9: {
      const GgufArray& a = *std::get<std::shared_ptr<GgufArray>>(v.v);
      o.put<uint32_t>(a.empty() ? 4u : a[0].type);
      o.put<uint64_t>(a.size());
      for (const GgufValue& e : a) put_value(o, e);
      break;
    }
    case 10: {
      const uint64_t* u = std::get_if<uint64_t>(&v.v);
      o.put<uint64_t>(u ? *u : uint64_t(std::get<int64_t>(v.v)));
      break;
    }
    case 11: o.put<int64_t>(std::get<int64_t>(v.v)); break;
    case 12: o.put<double>(std::get<double>(v.v)); break;
    default: fail("GGUF writer: unknown value type {}", v.type);
  }
}

}  // namespace

void write_gguf_metadata(const std::string& path, const std::vector<std::pair<std::string, GgufValue>>& kv) {
  Out o;
  o.buf = "GGUF";
  o.put<uint32_t>(3);
  o.put<uint64_t>(0);  // tensors
  o.put<uint64_t>(kv.size());
  for (const auto& [key, v] : kv) {
    o.str(key);
    o.put<uint32_t>(v.type);
    put_value(o, v);
  }
  write_file_atomic(path, o.buf);
}

}  // namespace gptqt
