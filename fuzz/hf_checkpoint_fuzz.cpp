// Hugging Face checkpoint folders: the input is cut at fuzz::kPartSeparator into
//   [0] config.json  [1] model.safetensors.index.json  [2] model.safetensors
//   [3] model-00001-of-00002.safetensors  [4] model-00002-of-00002.safetensors
// (an empty or missing part: no such file). Runs config_from_hf_json on part 0,
// HfCheckpoint(folder) with shape()/load() of every tensor, and load_model(folder).
// gptqt::Error is the documented rejection; anything else is a finding.
#include "core/error.h"
#include "fuzz_common.h"
#include "io/hf_checkpoint.h"
#include "model/architecture.h"
#include "model/model.h"

namespace {
const char* const kFiles[] = {"config.json", "model.safetensors.index.json", "model.safetensors",
                              "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = fuzz::split_parts(data, size);
  const std::string dir = fuzz::fresh_dir("hf");
  for (size_t i = 0; i < std::size(kFiles) && i < parts.size(); ++i)
    if (!parts[i].empty()) fuzz::write_file_in(dir, kFiles[i], parts[i]);

  try {
    gptqt::ModelConfig c = gptqt::config_from_hf_json(std::string(parts[0]), "fuzz/config.json");
    fuzz::consume(c);
  } catch (const gptqt::Error& e) {
    fuzz::note("config_from_hf_json", e);
  }
  bool opened = false;
  try {
    gptqt::HfCheckpoint ck(dir);
    opened = true;
    fuzz::consume(ck.config_json());
    for (const std::string& name : ck.names()) {
      fuzz::consume(ck.has(name));
      try { fuzz::consume(ck.shape(name)); } catch (const gptqt::Error&) {}
      try { fuzz::consume(ck.load(name)); } catch (const gptqt::Error&) {}
    }
  } catch (const gptqt::Error& e) {
    fuzz::note("HfCheckpoint", e);
  }
  if (opened) {
    try {
      gptqt::Model m = gptqt::load_model(dir);
      fuzz::consume(m.n_params());
    } catch (const gptqt::Error& e) {
      fuzz::note("load_model", e);
    }
  }
  return 0;
}
