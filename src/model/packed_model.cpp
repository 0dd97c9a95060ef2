#include "model/packed_model.h"

#include <filesystem>
#include <limits>

#include "core/error.h"
#include "io/json_read.h"

namespace gptqt {

bool is_packed_model(const std::string& path) {
  return std::filesystem::is_directory(path) && std::filesystem::exists(path + "/" + kPackedHeaderFile);
}

const TensorNames& packed_tensor_names() {
  static const TensorNames names{
      .tok_embd = "tok_embd.weight", .pos_embd = "pos_embd.weight", .embed_norm = "embed_norm.weight",
      .project_in = "project_in.weight", .project_out = "project_out.weight", .final_norm = "final_norm.weight",
      .head = "head.weight", .attn_norm = "blk.{}.attn_norm.weight", .ffn_norm = "blk.{}.ffn_norm.weight",
      .q_norm = "blk.{}.q_norm.weight", .k_norm = "blk.{}.k_norm.weight",
      .post_attn_norm = "blk.{}.post_attn_norm.weight", .post_ffn_norm = "blk.{}.post_ffn_norm.weight",
      .rope_freqs = "rope_freqs.weight",
      .lin = {"blk.{}.q.weight", "blk.{}.k.weight", "blk.{}.v.weight", "blk.{}.o.weight", "blk.{}.gate.weight",
              "blk.{}.up.weight", "blk.{}.down.weight"}};
  return names;
}

nlohmann::json read_packed_header(const std::string& folder) {
  const std::string path = folder + "/" + kPackedHeaderFile;
  const nlohmann::json h = read_json_file(path);
  GPTQT_CHECK(h.is_object() && json_string_or(h, "format", "", path) == kPackedFormat, "{}: not a {} header", path,
              kPackedFormat);
  const int64_t v = json_int_or(h, "format_version", 0, 0, std::numeric_limits<int>::max(), path);
  GPTQT_CHECK(v == kPackedFormatVersion, "{}: format version {} (this gptqt reads version {})", path, v,
              kPackedFormatVersion);
  GPTQT_CHECK(h.contains("config") && h["config"].is_object(), "{}: no \"config\" object", path);
  return h;
}

}  // namespace gptqt
