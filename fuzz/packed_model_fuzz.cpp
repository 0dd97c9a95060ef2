// Whole packed model folders: the input is cut at fuzz::kPartSeparator into
// [0] gptqt.json and [1] weights.safetensors (an empty or missing part: no such file),
// then load_model(folder) with each packed kernel, and for a model that loads and is
// small, a forward pass over two tokens. gptqt::Error is the documented rejection;
// anything else is a finding.
#include "core/error.h"
#include "fuzz_common.h"
#include "model/model.h"
#include "model/packed_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = fuzz::split_parts(data, size);
  const std::string dir = fuzz::fresh_dir("packed_model");
  if (!parts[0].empty()) fuzz::write_file_in(dir, gptqt::kPackedHeaderFile, parts[0]);
  if (parts.size() > 1 && !parts[1].empty()) fuzz::write_file_in(dir, gptqt::kPackedWeightsFile, parts[1]);
  if (!gptqt::is_packed_model(dir)) return 0;  // load_model would read it as a Hugging Face folder

  for (const char* kernel : {"lut", "dequant", "f32"}) {
    try {
      gptqt::LoadOptions opt;
      opt.kernel = kernel;
      gptqt::Model m = gptqt::load_model(dir, opt);
      fuzz::consume(m.n_params());
      // Within the model's context (learned positions have max_ctx rows).
      const int T = m.cfg.max_ctx >= 2 ? 2 : 1;
      if (m.n_params() <= 4'000'000 && m.cfg.vocab >= 2 && (m.cfg.max_ctx >= 1 || m.cfg.pos != gptqt::PosKind::learned)) {
        std::vector<int32_t> tokens = {0, 1};
        tokens.resize(size_t(T));
        std::vector<float> logits = m.forward(tokens);
        fuzz::consume(logits);
      }
    } catch (const gptqt::Error& e) {
      fuzz::note("load_model", e);
    }
  }
  return 0;
}
