#include "quant/packed_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/gguf.h"
#include "io/gguf_writer.h"
#include "io/safetensors_writer.h"
#include "model/config_json.h"
#include "model/packed_model.h"
#include "quant/output_folder.h"
#include "quant/packed_conversion.h"
#include "quant/work_dir.h"

namespace gptqt::quant {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void add_norm(SafetensorsWriter& w, const std::string& name, const Norm& n) {
  w.add_f32(name, {int64_t(n.weight.size())}, n.weight.data());
  if (!n.bias.empty()) w.add_f32(weight_base(name) + ".bias", {int64_t(n.bias.size())}, n.bias.data());
}

void add_dense(SafetensorsWriter& w, const std::string& name, const Linear& l) {
  const DenseLinear* d = l.dense();
  GPTQT_CHECK(d, "{}: expected an unquantized layer", name);
  w.add_f32(name, {d->rows(), d->cols()}, d->weights().data());
  if (!l.bias.empty()) w.add_f32(weight_base(name) + ".bias", {int64_t(l.bias.size())}, l.bias.data());
}

// The source's tokenizer, so the packed folder is self-contained.
void copy_tokenizer(const Model& model, const std::string& dir) {
  if (model.gguf) {
    std::vector<std::pair<std::string, GgufValue>> kv;
    for (const auto& [k, v] : model.gguf->metadata())
      if (k.rfind("tokenizer.", 0) == 0) kv.emplace_back(k, v);
    GPTQT_CHECK(!kv.empty(), "{}: no tokenizer metadata to carry over", model.source);
    write_gguf_metadata(dir + "/tokenizer.gguf", kv);
    return;
  }
  bool any = false;
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json"}) {
    fs::path src = fs::path(model.source) / f;
    if (fs::exists(src)) {
      fs::copy_file(src, fs::path(dir) / f);
      any = true;
    }
  }
  if (!any) fmt::print(stderr, "warning: {} has no tokenizer files; the packed model has none either\n", model.source);
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

std::string quant_log_csv(const PipelineResult& r) {
  std::string s = "block,layer,loss,damp,seconds,fallback_rtn,dead_inputs,samples\n";
  for (const LayerLogRow& l : r.log)
    s += fmt::format("{},{},{:.6g},{:.6g},{:.3f},{},{},{}\n", l.block, l.layer, l.loss, l.damp, l.seconds,
                     l.fallback_rtn ? 1 : 0, l.dead_inputs, l.samples);
  return s;
}

double write_packed_model(const Model& model, const PipelineResult& result, const MethodOptions& method,
                          const PackedModelInfo& info, const std::string& out_dir, const WorkDir* work) {
  const TensorNames& nm = packed_tensor_names();
  const ModelConfig& c = model.cfg;
  // Everything goes into a temporary folder first, swapped in atomically at the
  // end (quant/output_folder.h).
  StagingFolder staging(out_dir);
  const std::string& tmp = staging.path();

  // Tensors go to the file as they are added: a streamed model is written one block
  // at a time, each read again from the source and the work folder.
  SafetensorsWriter w(tmp + "/" + kPackedWeightsFile);
  // A streamed model's embeddings and head are read again, one at a time.
  if (!model.w.tok_embd.empty())
    w.add_f32(nm.tok_embd, {c.vocab, c.embed_dim}, model.w.tok_embd.data());
  else
    w.add_f32(nm.tok_embd, {c.vocab, c.embed_dim}, model.stream->load_embeddings().data());
  if (!model.w.pos_embd.empty())
    w.add_f32(nm.pos_embd, {int64_t(model.w.pos_embd.size()) / c.hidden, c.hidden}, model.w.pos_embd.data());
  if (c.embed_norm) add_norm(w, nm.embed_norm, model.w.embed_norm);
  if (model.w.project_in.op) add_dense(w, nm.project_in, model.w.project_in);
  if (model.w.project_out.op) add_dense(w, nm.project_out, model.w.project_out);
  if (c.final_norm) add_norm(w, nm.final_norm, model.w.final_norm);
  if (!model.w.rope_freqs.empty())
    w.add_f32(nm.rope_freqs, {int64_t(model.w.rope_freqs.size())}, model.w.rope_freqs.data());
  double head_bpw = 0;
  if (result.head) {  // quantized (tied or not); a tied model still stores tok_embd for the embeddings
    const PackedLinear p = to_packed(*result.head);
    write_packed_linear(w, weight_base(nm.head), p, /*fp16=*/true);
    head_bpw = p.bits_per_weight() + (model.rotations.head ? 64.0 / (double(p.rows) * p.cols) : 0.0);
  } else if (!c.tied_head) {
    if (model.w.head.op)
      add_dense(w, nm.head, model.w.head);
    else
      add_dense(w, nm.head, model.stream->load_head());
  }

  double qbits = 0, qweights = 0;
  for (int b = 0; b < c.n_layers; ++b) {
    std::optional<BlockWeights> streamed;
    if (!model.block_loaded(b)) streamed = model.stream->load_block(b, /*linear_weights=*/false);
    const BlockWeights& bw = streamed ? *streamed : model.w.blocks[size_t(b)];
    add_norm(w, block_name(nm.attn_norm, b), bw.attn_norm);
    add_norm(w, block_name(nm.ffn_norm, b), bw.ffn_norm);
    if (c.post_norms) {
      add_norm(w, block_name(nm.post_attn_norm, b), bw.post_attn_norm);
      add_norm(w, block_name(nm.post_ffn_norm, b), bw.post_ffn_norm);
    }
    if (c.qk_norm) {
      add_norm(w, block_name(nm.q_norm, b), bw.q_norm);
      add_norm(w, block_name(nm.k_norm, b), bw.k_norm);
    }
    const QuantizedBlock& kept = result.blocks.at(size_t(b));
    const bool on_disk = std::none_of(kept.lin.begin(), kept.lin.end(), [](const auto& q) { return q.has_value(); });
    GPTQT_CHECK(!on_disk || work, "block {}: no quantized weights to write", b);
    std::optional<QuantizedBlock> saved;
    if (on_disk) saved = QuantizedBlock{work->load_block(b).lin};
    const QuantizedBlock& qb = saved ? *saved : kept;
    if (size_t(b) < model.rotations.blocks.size())  // each rotation's 64-bit seed
      for (const auto& r : model.rotations.blocks[size_t(b)].in) qbits += r ? 64 : 0;
    for (int r = 0; r < kNumLinearRoles; ++r) {
      if (!has_linear(c, LinearRole(r))) continue;
      const std::string name = block_name(nm.lin[r], b), base = weight_base(name);
      const auto& q = qb.lin[r];
      GPTQT_CHECK(q.has_value(), "block {} {}: no quantized weights to write", b, linear_role_name(LinearRole(r)));
      PackedLinear p = to_packed(*q);
      write_packed_linear(w, base, p, /*fp16=*/true);
      if (!bw.lin[r].bias.empty()) w.add_f32(base + ".bias", {int64_t(bw.lin[r].bias.size())}, bw.lin[r].bias.data());
      qbits += p.bits_per_weight() * double(p.rows) * p.cols;
      qweights += double(p.rows) * p.cols;
    }
  }
  const double bpw = qbits / qweights;

  json header = {
      {"format", kPackedFormat},
      {"format_version", kPackedFormatVersion},
      {"tool", "gptqt"},
      {"tool_version", GPTQT_VERSION},
      {"created", now_utc()},
      {"source_model", info.source_model},
      {"config", json::parse(config_to_json(c))},
      {"quantization",
       {{"method", method.method},
        {"solver", uses_solver(method) ? "gptq" : "none"},
        // Mixed widths (a plan) have no one bits and group size: each layer's are in "plan".
        {"bits", info.plan ? json("mixed") : json(method.bits)},
        {"group_size", info.plan ? json("mixed") : json(method.group_size)},
        {"plan", info.plan ? info.plan->to_json() : json(nullptr)},
        {"act_order", method.act_order},
        {"static_groups", method.static_groups},
        {"damp", method.damp},
        {"true_sequential", info.true_sequential},
        {"options", describe(method)},
        {"rotation", model.rotations.to_json()},
        {"bits_per_weight", bpw},
        {"quantized_weights", qweights},
        {"head", result.head ? json{{"bits", method.head_bits},
                                    {"group_size", method.head_group_size},
                                    {"bits_per_weight", head_bpw}}
                             : json(nullptr)}}},
      {"calibration",
       {{"text", info.calibration}, {"nsamples", info.nsamples}, {"seqlen", info.seqlen}, {"seed", info.seed}}},
  };

  w.commit();
  copy_tokenizer(model, tmp);
  write_file_atomic(tmp + "/quant_log.csv", quant_log_csv(result));
  write_file_atomic(tmp + "/" + kPackedHeaderFile, header.dump(2) + "\n");
  staging.install();
  return bpw;
}

}  // namespace gptqt::quant
