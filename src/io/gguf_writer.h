// Writes GGUF v3 metadata-only files: the packed model keeps its tokenizer as
// the tokenizer.* keys of the source GGUF, in a small tokenizer.gguf.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "io/gguf.h"

namespace gptqt {

void write_gguf_metadata(const std::string& path, const std::vector<std::pair<std::string, GgufValue>>& kv);

}  // namespace gptqt
