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

void write_gguf_metadata(const std::string& path, const GgufMetadata& kv) { write_gguf(path, kv, {}, {}); }

void write_gguf(const std::string& path, const GgufMetadata& kv, const std::vector<GgufTensorOut>& tensors,
                const std::function<void(size_t i, AtomicFile& out)>& write_data) {
  uint64_t alignment = 32;
  for (const auto& [key, v] : kv)
    if (key == "general.alignment") {
      const int64_t* a = std::get_if<int64_t>(&v.v);
      GPTQT_CHECK(a && *a >= 8 && *a <= 65536 && (*a & (*a - 1)) == 0,
                  "GGUF writer: general.alignment must be a power of two from 8 to 65536");
      alignment = uint64_t(*a);
    }
  auto aligned = [&](uint64_t n) { return (n + alignment - 1) / alignment * alignment; };
  Out o;
  o.buf = "GGUF";
  o.put<uint32_t>(3);
  o.put<uint64_t>(tensors.size());
  o.put<uint64_t>(kv.size());
  for (const auto& [key, v] : kv) {
    o.str(key);
    o.put<uint32_t>(v.type);
    put_value(o, v);
  }
  std::vector<uint64_t> offsets;  // relative to the start of the data section
  uint64_t data_bytes = 0;
  for (const GgufTensorOut& t : tensors) {
    o.str(t.name);
    o.put<uint32_t>(uint32_t(t.ne.size()));
    for (int64_t n : t.ne) o.put<uint64_t>(uint64_t(n));
    o.put<uint32_t>(t.type);
    data_bytes = aligned(data_bytes);
    offsets.push_back(data_bytes);
    o.put<uint64_t>(data_bytes);
    data_bytes += t.nbytes;
  }
  if (!tensors.empty()) o.buf.resize(aligned(o.buf.size()), '\0');
  AtomicFile out(path);
  out.write(o.buf);
  const uint64_t data_start = out.offset();
  const std::string zeros(alignment, '\0');
  for (size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t at = data_start + offsets[i];
    GPTQT_CHECK(out.offset() <= at, "GGUF writer: tensor {} overran its space", tensors[i - 1].name);
    out.write(zeros.data(), at - out.offset());
    write_data(i, out);
    GPTQT_CHECK(out.offset() == at + tensors[i].nbytes, "GGUF writer: tensor {} wrote {} bytes of {}",
                tensors[i].name, out.offset() - at, tensors[i].nbytes);
  }
  out.commit();
}

}  // namespace gptqt
