// Writes a model quantized onto llama.cpp's block types (gptqt quantize --format) as
// a GGUF file llama.cpp loads: the source GGUF's metadata (tokenizer included) and
// tensors in their order, with every quantized linear layer's data replaced by blocks
// of the format's type (or its fallback's, method_for_layer); the other tensors
// (embeddings, norms, an untied head) are copied byte for byte.
#pragma once
#include <string>

#include "io/gguf.h"
#include "model/model.h"
#include "quant/method.h"
#include "quant/pipeline.h"

namespace gptqt::quant {

class WorkDir;

// Error when the source is not a GGUF file or holds fused projections (Phi-3's qkv);
// the file at `out` appears whole or not at all. Returns the bits per weight of
// the quantized layers as stored.
double write_gguf_model(const Model& model, const PipelineResult& result, const MethodOptions& method,
                        const std::string& source, const std::string& out,
                        const WorkDir* work = nullptr);

}  // namespace gptqt::quant
