// ModelConfig <-> JSON text, for the packed model header.
#pragma once
#include <string>

#include "model/config.h"

namespace gptqt {

std::string config_to_json(const ModelConfig& c);
ModelConfig config_from_json(const std::string& text, const std::string& where);

}  // namespace gptqt
