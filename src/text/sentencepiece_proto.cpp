#include "text/sentencepiece_proto.h"

#include <cstdint>

#include <cstring>
#include <functional>

#include "core/error.h"

namespace gptqt {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

// A cursor over one protobuf message; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> d) : d_(d) {}
  bool done() const { return pos_ >= d_.size(); }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      GPTQT_CHECK(pos_ < d_.size(), "tokenizer.model is truncated (in a varint)");
      uint8_t b = d_[pos_++];
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("tokenizer.model is corrupt (varint longer than 10 bytes)");
  }
  std::span<const uint8_t> bytes() {
    uint64_t n = varint();
    GPTQT_CHECK(n <= d_.size() - pos_, "tokenizer.model is truncated (a field of {} bytes at offset {})", n,
                pos_);
    auto s = d_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  float fixed32_float() {
    GPTQT_CHECK(d_.size() - pos_ >= 4, "tokenizer.model is truncated (in a float)");
    float f;
    std::memcpy(&f, d_.data() + pos_, 4);
    pos_ += 4;
    return f;
  }
  void skip(uint32_t wire) {
    switch (wire) {
      case kVarint:
        varint();
        return;
      case kBytes:
        bytes();
        return;
      case kFixed64:
        advance(8);
        return;
      case kFixed32:
        advance(4);
        return;
      default:
        fail("tokenizer.model is corrupt (wire type {})", wire);
    }
  }
  // Calls field(number, wire) for each field; the callback reads or skips the value.
  void for_each_field(const std::function<void(uint32_t, uint32_t)>& field) {
    while (!done()) {
      uint64_t key = varint();
      field(static_cast<uint32_t>(key >> 3), static_cast<uint32_t>(key & 7));
    }
  }

 private:
  void advance(size_t n) {
    GPTQT_CHECK(d_.size() - pos_ >= n, "tokenizer.model is truncated");
    pos_ += n;
  }
  std::span<const uint8_t> d_;
  size_t pos_ = 0;
};

void expect(uint32_t wire, uint32_t expected, const char* what) {
  GPTQT_CHECK(wire == expected, "tokenizer.model is corrupt ({} has wire type {})", what, wire);
}

int32_t int32_field(Reader& r, uint32_t wire, const char* what) {
  expect(wire, kVarint, what);
  // Protobuf stores a negative int32 as 64-bit two's complement; anything outside
  // int32 is a corrupt file, not a number to cut to 32 bits.
  const int64_t v = static_cast<int64_t>(r.varint());
  GPTQT_CHECK(v >= INT32_MIN && v <= INT32_MAX, "field {} = {} is out of the int32 range", what, v);
  return static_cast<int32_t>(v);
}

void parse_piece(std::span<const uint8_t> data, SentencePieceModelProto& m) {
  Reader r(data);
  std::string piece;
  float score = 0;
  int64_t type = 1;  // NORMAL
  r.for_each_field([&](uint32_t field, uint32_t wire) {
    switch (field) {
      case 1: {
        expect(wire, kBytes, "piece");
        auto s = r.bytes();
        piece.assign(s.begin(), s.end());
        break;
      }
      case 2:
        expect(wire, kFixed32, "score");
        score = r.fixed32_float();
        break;
      case 3:
        type = int32_field(r, wire, "type");
        break;
      default:
        r.skip(wire);
    }
  });
  m.pieces.push_back(std::move(piece));
  m.scores.push_back(score);
  m.types.push_back(token_type_from_int(type));
}

void parse_trainer(std::span<const uint8_t> data, SentencePieceModelProto& m) {
  Reader r(data);
  r.for_each_field([&](uint32_t field, uint32_t wire) {
    switch (field) {
      case 3:
        m.model_type = int32_field(r, wire, "model_type");
        break;
      case 24:
        m.treat_whitespace_as_suffix = int32_field(r, wire, "treat_whitespace_as_suffix");
        break;
      case 35:
        m.byte_fallback = int32_field(r, wire, "byte_fallback");
        break;
      case 40:
        m.unk_id = int32_field(r, wire, "unk_id");
        break;
      case 41:
        m.bos_id = int32_field(r, wire, "bos_id");
        break;
      case 42:
        m.eos_id = int32_field(r, wire, "eos_id");
        break;
      default:
        r.skip(wire);
    }
  });
}

void parse_normalizer(std::span<const uint8_t> data, SentencePieceModelProto& m) {
  Reader r(data);
  r.for_each_field([&](uint32_t field, uint32_t wire) {
    switch (field) {
      case 1: {
        expect(wire, kBytes, "normalizer name");
        auto s = r.bytes();
        m.normalizer_name.assign(s.begin(), s.end());
        break;
      }
      case 2:
        expect(wire, kBytes, "precompiled_charsmap");
        m.has_precompiled_charsmap = !r.bytes().empty();
        break;
      case 3:
        m.add_dummy_prefix = int32_field(r, wire, "add_dummy_prefix");
        break;
      case 4:
        m.remove_extra_whitespaces = int32_field(r, wire, "remove_extra_whitespaces");
        break;
      case 5:
        m.escape_whitespaces = int32_field(r, wire, "escape_whitespaces");
        break;
      default:
        r.skip(wire);
    }
  });
}

}  // namespace

SentencePieceModelProto parse_sentencepiece_model(std::span<const uint8_t> data) {
  SentencePieceModelProto m;
  Reader r(data);
  r.for_each_field([&](uint32_t field, uint32_t wire) {
    switch (field) {
      case 1:
        expect(wire, kBytes, "pieces");
        parse_piece(r.bytes(), m);
        break;
      case 2:
        expect(wire, kBytes, "trainer_spec");
        parse_trainer(r.bytes(), m);
        break;
      case 3:
        expect(wire, kBytes, "normalizer_spec");
        parse_normalizer(r.bytes(), m);
        break;
      default:
        r.skip(wire);
    }
  });
  GPTQT_CHECK(!m.pieces.empty(), "tokenizer.model has no pieces");
  return m;
}

}  // namespace gptqt
