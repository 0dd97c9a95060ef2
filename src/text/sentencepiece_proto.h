// Reader for SentencePiece's tokenizer.model (a serialized sentencepiece.ModelProto
// protobuf). A hand-written wire-format decoder that reads only the fields the
// tokenizer needs and skips every other field.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "text/vocab.h"

namespace gptqt {

struct SentencePieceModelProto {
  // ModelProto.pieces (field 1): SentencePiece {piece = 1, score = 2, type = 3}.
  std::vector<std::string> pieces;
  std::vector<float> scores;
  std::vector<TokenType> types;
  // TrainerSpec (field 2). Defaults are the .proto file's.
  int32_t model_type = 1;  // 1 unigram, 2 BPE, 3 word, 4 char
  bool byte_fallback = false;
  bool treat_whitespace_as_suffix = false;
  int32_t unk_id = 0, bos_id = 1, eos_id = 2;
  // NormalizerSpec (field 3).
  std::string normalizer_name;
  bool has_precompiled_charsmap = false;  // a Unicode normalization table (e.g. NFKC)
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

// Throws Error on malformed or truncated data.
SentencePieceModelProto parse_sentencepiece_model(std::span<const uint8_t> data);

}  // namespace gptqt
