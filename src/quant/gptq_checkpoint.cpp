#include "quant/gptq_checkpoint.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/json_read.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "kernels/bcq_matrix.h"
#include "model/architecture.h"
#include "model/config_json.h"
#include "model/packed_linear.h"
#include "model/packed_model.h"
#include "quant/output_folder.h"

namespace gptqt::quant {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<uint32_t> pack_bit_stream(const uint32_t* values, size_t n, int bits) {
  GPTQT_CHECK(n % 32 == 0 && bits >= 1 && bits <= 32, "bit stream: {} values of {} bits", n, bits);
  std::vector<uint32_t> words(n * size_t(bits) / 32, 0);
  for (size_t k = 0; k < n; ++k) {
    const uint64_t v = values[k], pos = k * uint64_t(bits);
    GPTQT_CHECK(bits == 32 || v >> bits == 0, "bit stream: value {} needs more than {} bits", v, bits);
    words[pos / 32] |= uint32_t(v << (pos % 32));
    if (pos % 32 + bits > 32) words[pos / 32 + 1] |= uint32_t(v >> (32 - pos % 32));
  }
  return words;
}

namespace {

// One layer's GPTQ tensors under `base` (the source's name without ".weight").
// Returns whether its columns were permuted (act-order).
bool write_layer(SafetensorsWriter& w, const std::string& base, const PackedLinear& p, bool v1) {
  GPTQT_CHECK(!p.scale.empty(), "{}: its levels are not on an integer grid (BCQ or GPTQT levels); a GPTQ "
              "checkpoint holds only linear grids (quantize with --method gptq or rtn)", base);
  GPTQT_CHECK(p.bits == 2 || p.bits == 3 || p.bits == 4 || p.bits == 8, "{}: {} bits; GPTQ packs 2, 3, 4 or 8", base,
              p.bits);
  GPTQT_CHECK(p.cols % 32 == 0 && p.rows % 32 == 0, "{}: a {}x{} layer; the packing needs multiples of 32", base,
              p.rows, p.cols);
  const int rows = p.rows, cols = p.cols, groups = p.n_groups(), gs = p.group_size > 0 ? p.group_size : cols;
  const std::vector<uint8_t> stored = kernels::unpack_signs(p.planes.data(), rows, cols, p.bits);
  // Original input order: stored column i is input perm[i]; groups are runs of stored columns.
  std::vector<int32_t> g_idx(static_cast<size_t>(cols));
  std::vector<int> input(static_cast<size_t>(cols));
  for (int i = 0; i < cols; ++i) {
    input[i] = p.perm.empty() ? i : p.perm[size_t(i)];
    g_idx[size_t(input[i])] = i / gs;
  }
  // qweight[word][r]: row r's codes along its inputs, as a bit stream.
  const size_t words = size_t(cols) * p.bits / 32;
  std::vector<int32_t> qweight(words * rows);
  std::vector<uint32_t> codes(static_cast<size_t>(cols));
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < cols; ++i) codes[size_t(input[i])] = stored[size_t(r) * cols + i];
    const std::vector<uint32_t> s = pack_bit_stream(codes.data(), codes.size(), p.bits);
    for (size_t k = 0; k < words; ++k) qweight[k * rows + r] = int32_t(s[k]);
  }
  // qzeros[g][...]: group g's zero points along the outputs; scales[g][r].
  const uint32_t mask = (1u << p.bits) - 1;
  std::vector<int32_t> qzeros;
  std::vector<uint32_t> zeros(static_cast<size_t>(rows));
  for (int g = 0; g < groups; ++g) {
    for (int r = 0; r < rows; ++r) {
      const float z = p.zero[size_t(g) * rows + r];
      GPTQT_CHECK(z >= (v1 ? 1 : 0) && z <= float(mask) && z == std::floor(z),
                  "{}: row {} group {} has zero point {}, which checkpoint_format {} cannot store{}", base, r, g, z,
                  v1 ? "gptq" : "gptq_v2", v1 && z == 0 ? " (it stores zero - 1; use --checkpoint-format gptq_v2)" : "");
      zeros[size_t(r)] = uint32_t(z) - (v1 ? 1 : 0);
    }
    for (uint32_t v : pack_bit_stream(zeros.data(), zeros.size(), p.bits)) qzeros.push_back(int32_t(v));
  }
  w.add_i32(base + ".qweight", {int64_t(words), rows}, qweight.data());
  w.add_i32(base + ".qzeros", {groups, int64_t(rows) * p.bits / 32}, qzeros.data());
  w.add_f16(base + ".scales", {groups, rows}, p.scale.data());
  w.add_i32(base + ".g_idx", {cols}, g_idx.data());
  return !p.perm.empty();
}

}  // namespace

void export_gptq_checkpoint(const GptqExportOptions& o) {
  GPTQT_CHECK(o.checkpoint_format == "gptq" || o.checkpoint_format == "gptq_v2",
              "--checkpoint-format {}: gptq or gptq_v2", o.checkpoint_format);
  GPTQT_CHECK(is_packed_model(o.packed), "{}: not a gptqt packed model folder", o.packed);
  const std::string out = normalize_output_path(o.out);
  GPTQT_CHECK(!fs::exists(fs::symlink_status(out)), "-o {}: it exists; export writes a new folder (remove it yourself "
              "or choose another path)", out);
  const json header = read_packed_header(o.packed);
  const ModelConfig c = config_from_json(header["config"].dump(), o.packed + "/" + kPackedHeaderFile);
  const json& q = header["quantization"];
  GPTQT_CHECK(q.value("rotation", json()).is_null(), "{}: a rotated model (--rotate); a GPTQ checkpoint cannot "
              "undo the rotations", o.packed);
  GPTQT_CHECK(q.value("head", json()).is_null(), "{}: its head is quantized (--head-bits); GPTQ checkpoints keep "
              "lm_head unquantized", o.packed);
  const std::string source = o.source.empty() ? header.value("source_model", std::string()) : o.source;
  GPTQT_CHECK(fs::is_regular_file(fs::path(source) / "config.json"),
              "{}: the Hugging Face source folder is needed for config.json (name it with --source)",
              source.empty() ? "(no source in the header)" : source);
  const TensorNames &pk = packed_tensor_names(), &hf = architecture(c.family).hf;
  GPTQT_CHECK(hf.fused_qkv.empty() && hf.fused_gate_up.empty(), "{}: fused projections ({}) are not exported yet",
              o.packed, c.arch);

  const SafetensorsFile f(o.packed + "/" + kPackedWeightsFile);
  StagingFolder staging(out);
  const std::string& tmp = staging.path();

  SafetensorsWriter w(tmp + "/model.safetensors");
  const bool v1 = o.checkpoint_format == "gptq";
  // A dense tensor (and its bias) in fp16 under the source's name; norms without the
  // offset the loader added (Gemma stores w of 1 + w).
  auto dense = [&](const std::string& from, const std::string& to, float minus) {
    for (const auto& [a, b] : {std::pair{from, to}, std::pair{weight_base(from) + ".bias", weight_base(to) + ".bias"}}) {
      if (!f.has(a)) continue;
      TensorF32 t = f.load(a);
      if (minus != 0 && a == from)
        for (float& x : t.data) x -= minus;
      w.add_f16(b, t.shape, t.data.data());
    }
  };
  const float off = hf.norm_offset;
  dense(pk.tok_embd, hf.tok_embd, 0);
  if (!hf.pos_embd.empty()) dense(pk.pos_embd, hf.pos_embd, 0);
  if (!hf.embed_norm.empty()) dense(pk.embed_norm, hf.embed_norm, 0);
  if (!hf.project_in.empty()) dense(pk.project_in, hf.project_in, 0);
  if (!hf.project_out.empty()) dense(pk.project_out, hf.project_out, 0);
  if (!hf.final_norm.empty()) dense(pk.final_norm, hf.final_norm, off);
  if (!c.tied_head) dense(pk.head, hf.head, 0);
  bool act_order = false, sym = true;
  int bits = 0, group_size = 0;
  for (int b = 0; b < c.n_layers; ++b) {
    for (const auto& [pn, hn] : {std::pair{pk.attn_norm, hf.attn_norm}, {pk.ffn_norm, hf.ffn_norm},
                                 {pk.q_norm, hf.q_norm}, {pk.k_norm, hf.k_norm},
                                 {pk.post_attn_norm, hf.post_attn_norm}, {pk.post_ffn_norm, hf.post_ffn_norm}})
      if (!pn.empty() && !hn.empty() && f.has(block_name(pn, b))) dense(block_name(pn, b), block_name(hn, b), off);
    for (int r = 0; r < kNumLinearRoles; ++r) {
      if (!has_linear(c, LinearRole(r))) continue;
      const std::string pbase = weight_base(block_name(pk.lin[r], b)), hbase = weight_base(block_name(hf.lin[r], b));
      GPTQT_CHECK(has_packed_linear(f, pbase), "{}: {} is not quantized", o.packed, pbase);
      const PackedLinear p = read_packed_linear(f, pbase);
      GPTQT_CHECK(bits == 0 || (p.bits == bits && p.group_size == group_size), "{}: {} has {} bits in groups of {}, "
                  "other layers {} in groups of {}; a GPTQ checkpoint has one width", o.packed, pbase, p.bits,
                  p.group_size, bits, group_size);
      bits = p.bits, group_size = p.group_size;
      act_order |= write_layer(w, hbase, p, v1);
      for (float z : p.zero) sym &= z == float(1 << (p.bits - 1));
      if (f.has(pbase + ".bias")) dense(pbase + ".weight", hbase + ".weight", 0);  // the bias alone: no .weight
    }
  }
  w.set_metadata("format", "pt");
  w.commit();

  const json qc = {{"quant_method", "gptq"},
                   {"bits", bits},
                   {"group_size", group_size},
                   {"desc_act", act_order},
                   {"sym", sym},
                   {"static_groups", q.value("static_groups", false)},
                   {"damp_percent", q.value("damp", 0.01)},
                   {"true_sequential", q.value("true_sequential", false)},
                   {"checkpoint_format", o.checkpoint_format},
                   {"lm_head", false},
                   {"quantizer", fmt::format("gptqt ({})", q.value("options", std::string()))}};
  json config = read_json_file((fs::path(source) / "config.json").string());
  config["torch_dtype"] = "float16";
  config["quantization_config"] = qc;
  write_file_atomic(tmp + "/config.json", config.dump(2) + "\n");
  json qfile = qc;
  qfile["model_file_base_name"] = "model";
  write_file_atomic(tmp + "/quantize_config.json", qfile.dump(2) + "\n");
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json",
                           "generation_config.json", "vocab.json", "merges.txt"}) {
    const fs::path from = fs::path(source) / name;
    if (fs::exists(from)) fs::copy_file(from, fs::path(tmp) / name);
  }
  staging.install();
}

}  // namespace gptqt::quant
