// safetensors reader: SafetensorsFile(path), metadata(), then shape(), load() and
// raw() of every tensor. gptqt::Error is the documented rejection; anything else is a finding.
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
        size_t n = 0;
        const uint8_t* p = f.raw(name, e.dtype, &n);
        if (n) fuzz::consume(p[n - 1] + p[0]);
      } catch (const gptqt::Error&) {
      }
    }
    try { fuzz::consume(f.load("no.such.tensor")); } catch (const gptqt::Error&) {}
  } catch (const gptqt::Error& e) {
    fuzz::note("SafetensorsFile", e);
  }
  return 0;
}
