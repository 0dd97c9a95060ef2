#include "core/error.h"
#include "core/file_read.h"
#include "text/sentencepiece_bpe.h"
#include "text/sentencepiece_proto.h"
#include "text/tokenizer_load.h"

namespace gptqt {

Tokenizer from_sentencepiece_model(const std::string& path) {
  const std::string text = read_file(path, uint64_t(1) << 28);
  const std::vector<uint8_t> bytes(text.begin(), text.end());
  SentencePieceModelProto m;
  try {
    m = parse_sentencepiece_model(bytes);
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
  static const char* const kTypes[] = {"?", "unigram", "BPE", "word", "char"};
  GPTQT_CHECK(m.model_type == 2, "{}: unsupported SentencePiece model type '{}' (only BPE is implemented)",
              path, m.model_type >= 1 && m.model_type <= 4 ? kTypes[m.model_type] : "?");
  GPTQT_CHECK(
      !m.has_precompiled_charsmap,
      "{}: unsupported SentencePiece normalizer '{}' (only the identity normalization is implemented)", path,
      m.normalizer_name);
  GPTQT_CHECK(m.escape_whitespaces && !m.treat_whitespace_as_suffix,
              "{}: unsupported SentencePiece whitespace handling (escape_whitespaces off or "
              "treat_whitespace_as_suffix on)",
              path);
  auto valid_or_none = [&](int32_t id) {
    return id >= 0 && id < static_cast<int32_t>(m.pieces.size()) ? id : -1;
  };
  int32_t unk = valid_or_none(m.unk_id), bos = valid_or_none(m.bos_id), eos = valid_or_none(m.eos_id);
  SentencePieceOptions opt{m.add_dummy_prefix, m.remove_extra_whitespaces, m.byte_fallback};
  auto model = std::make_shared<SentencePieceBpe>(
      Vocab(std::move(m.pieces), std::move(m.scores), std::move(m.types)), opt, unk);
  return Tokenizer(std::move(model), SpecialTokenIds{bos, eos, bos >= 0, false});
}

}  // namespace gptqt
