#include "io/safetensors_writer.h"

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/half.h"

namespace gptqt {

SafetensorsWriter::SafetensorsWriter(std::string path) : path_(std::move(path)) { body_.emplace(path_ + ".body"); }

void SafetensorsWriter::add(const std::string& name, const char* dtype, std::vector<int64_t> shape, const void* data,
                            size_t esize) {
  GPTQT_CHECK(!tensors_.count(name), "safetensors writer: tensor {} added twice", name);
  size_t n = 1;
  for (int64_t d : shape) n *= size_t(d);
  GPTQT_CHECK(body_, "safetensors writer: {} added after commit", name);
  const uint64_t begin = body_->offset();
  body_->write(data, n * esize);
  tensors_.emplace(name, Tensor{dtype, std::move(shape), begin, body_->offset()});
}

void SafetensorsWriter::add_f32(const std::string& name, std::vector<int64_t> shape, const float* data) {
  add(name, "F32", std::move(shape), data, 4);
}

void SafetensorsWriter::add_f16(const std::string& name, std::vector<int64_t> shape, const float* data) {
  size_t n = 1;
  for (int64_t d : shape) n *= size_t(d);
  std::vector<uint16_t> h(n);
  for (size_t i = 0; i < n; ++i) h[i] = f32_to_f16(data[i]);
  add(name, "F16", std::move(shape), h.data(), 2);
}

void SafetensorsWriter::add_u32(const std::string& name, std::vector<int64_t> shape, const uint32_t* data) {
  add(name, "U32", std::move(shape), data, 4);
}

void SafetensorsWriter::add_i32(const std::string& name, std::vector<int64_t> shape, const int32_t* data) {
  add(name, "I32", std::move(shape), data, 4);
}

void SafetensorsWriter::commit() {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  for (const auto& [name, t] : tensors_)
    header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {t.begin, t.end}}};
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  uint64_t len = text.size();
  AtomicFile f(path_);
  f.write(&len, 8);
  f.write(text);
  GPTQT_CHECK(body_, "{} committed twice", path_);
  body_->flush();
  f.append_file(body_->temp_path());
  f.commit();
  body_.reset();
}

}  // namespace gptqt
