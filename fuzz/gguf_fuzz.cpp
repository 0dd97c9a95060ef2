// GGUF reader: GgufFile(path), every metadata getter on every key, dequantize()
// of every tensor. gptqt::Error is the documented rejection; anything else is a finding.
#include "core/error.h"
#include "fuzz_common.h"
#include "io/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_file_in(fuzz::scratch_dir(), "model.gguf", fuzz::as_view(data, size));
  try {
    gptqt::GgufFile f(path);
    fuzz::consume(f.version());
    for (const auto& [key, value] : f.metadata()) {
      fuzz::consume(f.has(key));
      // Each getter rejects a wrong type with an Error; try them all on every key.
      try { fuzz::consume(f.get_string(key)); } catch (const gptqt::Error&) {}
      try { fuzz::consume(f.get_int(key)); } catch (const gptqt::Error&) {}
      try { fuzz::consume(f.get_float(key)); } catch (const gptqt::Error&) {}
      try { fuzz::consume(f.get_bool(key)); } catch (const gptqt::Error&) {}
      try { fuzz::consume(f.get_string_array(key)); } catch (const gptqt::Error&) {}
      try { fuzz::consume(f.get_float_array(key)); } catch (const gptqt::Error&) {}
      try { fuzz::consume(f.get_int_array(key)); } catch (const gptqt::Error&) {}
    }
    try { fuzz::consume(f.get_string("no.such.key")); } catch (const gptqt::Error&) {}
    for (const auto& t : f.tensors()) {
      fuzz::consume(gptqt::ggml_type_name(t.type));
      fuzz::consume(f.find_tensor(t.name));
      fuzz::consume(t.numel());
      fuzz::consume(t.rows());
      fuzz::consume(t.cols());
      try {
        std::vector<float> v = f.dequantize(t);
        fuzz::consume(v);
      } catch (const gptqt::Error& e) {
        fuzz::note("dequantize", e);
      }
    }
  } catch (const gptqt::Error& e) {
    fuzz::note("GgufFile", e);
  }
  return 0;
}
