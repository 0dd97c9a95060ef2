#include "model/packed_model.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace gptqt {

bool is_packed_model(const std::string& path) {
  return std::filesystem::is_directory(path) && std::filesystem::exists(path + "/" + kPackedHeaderFile);
}

const TensorNames& packed_tensor_names() {
  static const TensorNames names{
      .tok_embd = "tok_embd.weight", .pos_embd = "pos_embd.weight", .embed_norm = "embed_norm.weight",
      .project_in = "project_in.weight", .project_out = "project_out.weight", .final_norm = "final_norm.weight",
      .head = "head.weight", .attn_norm = "blk.{}.attn_norm.weight", .ffn_norm = "blk.{}.ffn_norm.weight",
      .lin = {"blk.{}.q.weight", "blk.{}.k.weight", "blk.{}.v.weight", "blk.{}.o.weight", "blk.{}.gate.weight",
              "blk.{}.up.weight", "blk.{}.down.weight"}};
  return names;
}

std::string read_packed_header(const std::string& folder) {
  const std::string path = folder + "/" + kPackedHeaderFile;
  std::ifstream in(path);
  GPTQT_CHECK(in, "cannot read {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    nlohmann::json h = nlohmann::json::parse(ss.str());
    GPTQT_CHECK(h.value("format", "") == kPackedFormat, "{}: not a {} header", path, kPackedFormat);
    int v = h.value("format_version", 0);
    GPTQT_CHECK(v == kPackedFormatVersion, "{}: format version {} (this gptqt reads version {})", path, v,
                kPackedFormatVersion);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: corrupt header: {}", path, e.what());
  }
  return ss.str();
}

}  // namespace gptqt
