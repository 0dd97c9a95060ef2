// safetensors reader: SafetensorsFile(path), metadata(), then shape(), load() and
// copy_raw() of every tensor. gptqt::Error is the documented rejection; anything else is a finding.
#include "core/error.h"
#include "fuzz_common.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      fuzz::write_file_in(fuzz::scratch_dir(), "model.safetensors", fuzz::as_view(data, size));
  try {
    gptqt::SafetensorsFile f(path);
    fuzz::consume(f.metadata("format"));
    fuzz::consume(f.metadata("gptqt"));
    fuzz::consume(f.describe());
    for (const std::string& name : f.names()) {
      fuzz::consume(f.has(name));
      try { fuzz::consume(f.shape(name)); } catch (const gptqt::Error&) {}
      try {
        gptqt::TensorF32 t = f.load(name);
        fuzz::consume(t);
      } catch (const gptqt::Error&) {
      }
      const auto& e = f.entries().at(name);
      try {
        const std::vector<uint8_t> bytes = f.copy_raw<uint8_t>(name, e.dtype);
        if (!bytes.empty()) fuzz::consume(bytes.back() + bytes.front());
      } catch (const gptqt::Error&) {
      }
    }
    try { fuzz::consume(f.load("no.such.tensor")); } catch (const gptqt::Error&) {}
  } catch (const gptqt::Error& e) {
    fuzz::note("SafetensorsFile", e);
  }
  return 0;
}
