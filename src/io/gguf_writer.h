// Writes GGUF v3 files, atomically: metadata-only ones (the packed model keeps its
// tokenizer as the tokenizer.* keys of the source GGUF, in a small tokenizer.gguf),
// and whole models (gptqt quantize --format).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "io/gguf.h"

namespace gptqt {

class AtomicFile;

using GgufMetadata = std::vector<std::pair<std::string, GgufValue>>;

struct GgufTensorOut {
  std::string name;
  uint32_t type = 0;        // GgmlType value
  std::vector<int64_t> ne;  // ggml order: ne[0] is the contiguous dimension
  uint64_t nbytes = 0;
};

void write_gguf_metadata(const std::string& path, const GgufMetadata& kv);

// The header, the tensor infos (each tensor's data aligned to general.alignment,
// 32 when absent), then the data: write_data(i, out) writes tensor i's nbytes.
// Nothing appears at `path` unless every tensor was written whole.
void write_gguf(const std::string& path, const GgufMetadata& kv, const std::vector<GgufTensorOut>& tensors,
                const std::function<void(size_t i, AtomicFile& out)>& write_data);

}  // namespace gptqt
