// The packed model header: config_from_json(text) on the input, and the input as
// <folder>/gptqt.json through read_packed_header(folder), then, as load_model does,
// the header's "config" (when present: the harness's own code must not throw
// json errors; load_model itself is the packed_model harness's) through config_from_json. gptqt::Error is the documented
// rejection; anything else is a finding.
#include <nlohmann/json.hpp>
#include <type_traits>

#include "core/error.h"
#include "fuzz_common.h"
#include "model/config_json.h"
#include "model/packed_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::as_view(data, size));
  try {
    gptqt::ModelConfig c = gptqt::config_from_json(text, "fuzz/config");
    // What the packed writer stores for it, read back as the loader would.
    fuzz::consume(gptqt::config_from_json(gptqt::config_to_json(c), "fuzz/config again"));
  } catch (const gptqt::Error& e) {
    fuzz::note("config_from_json", e);
  }

  const std::string dir = fuzz::fresh_dir("packed");
  fuzz::write_file_in(dir, gptqt::kPackedHeaderFile, text);
  try {
    fuzz::consume(gptqt::is_packed_model(dir));
    // read_packed_header returns the header's text, or (newer) its parsed JSON.
    const auto header = gptqt::read_packed_header(dir);
    nlohmann::json h;
    if constexpr (std::is_same_v<std::decay_t<decltype(header)>, std::string>)
      h = nlohmann::json::parse(header);  // read_packed_header parsed it already: cannot throw
    else
      h = header;
    // What load_model (src/model/loader.cpp) does next with an accepted header.
    if (h.is_object() && h.contains("config")) {
      gptqt::ModelConfig c = gptqt::config_from_json(h["config"].dump(), dir + "/gptqt.json");
      fuzz::consume(c);
    }
  } catch (const gptqt::Error& e) {
    fuzz::note("read_packed_header", e);
  }
  return 0;
}
