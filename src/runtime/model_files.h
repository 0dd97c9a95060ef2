// The tokenizer that goes with a model path: a GGUF file's own metadata, a
// Hugging Face folder's tokenizer.json / tokenizer.model, or the tokenizer a
// packed gptqt folder carries (tokenizer.gguf or tokenizer.json).
#pragma once
#include <string>

#include "text/tokenizer.h"

namespace gptqt {

Tokenizer load_model_tokenizer(const std::string& model_path);

}  // namespace gptqt
