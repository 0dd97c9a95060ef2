// The tokenizer that goes with a model path: a GGUF file's own metadata, a
// Hugging Face folder's tokenizer.json / tokenizer.model, or the tokenizer a
// packed gptqt folder carries (tokenizer.gguf or tokenizer.json).
#pragma once
#include <string>

#include "text/tokenizer.h"

namespace gptqt {

Tokenizer load_model_tokenizer(const std::string& model_path);

// The model's chat template (Jinja text): GGUF's tokenizer.chat_template, or
// tokenizer_config.json's "chat_template" (a string, or a list of named ones of
// which "default" is taken). Error when the model has none.
std::string load_chat_template(const std::string& model_path);

}  // namespace gptqt
