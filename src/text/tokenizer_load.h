// Building a Tokenizer from the files models come with. Every loader throws
// gptqt::Error with a one-line reason on missing, corrupt or unsupported input
// (naming the tokenizer type when it is one we do not implement).
#pragma once
#include <string>

#include "io/gguf.h"
#include "text/tokenizer.h"

namespace gptqt {

// From GGUF metadata: tokenizer.ggml.model "llama" (SentencePiece BPE: tokens,
// scores, token_type, add_space_prefix) or "gpt2" (byte-level BPE: tokens,
// merges, token_type, pre); bos/eos_token_id and add_bos/add_eos_token when present,
// llama.cpp's defaults otherwise.
Tokenizer from_gguf(const GgufFile& gguf);

// From a Hugging Face tokenizer.json with a byte-level BPE model. BOS/EOS come
// from its post_processor, or else from a tokenizer_config.json beside it.
Tokenizer from_tokenizer_json(const std::string& path);

// From a SentencePiece tokenizer.model with a BPE model and no Unicode normalization
// table (Llama-1/2). BOS is added, as Llama's tokenizers do.
Tokenizer from_sentencepiece_model(const std::string& path);

// Picks by `path`: a .gguf file (or any file starting with the GGUF magic), a
// .json (tokenizer.json) or .model (tokenizer.model) file, or a folder holding
// tokenizer.model (preferred) or tokenizer.json.
Tokenizer load_tokenizer(const std::string& path);

}  // namespace gptqt
