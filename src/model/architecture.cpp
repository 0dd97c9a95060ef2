#include "model/architecture.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/gguf.h"

namespace gptqt {

using nlohmann::json;

std::string block_name(const std::string& tmpl, int block) {
  std::string s = tmpl;
  const auto p = s.find("{}");
  if (p != std::string::npos) s.replace(p, 2, std::to_string(block));
  return s;
}

const Architecture& architecture(Family f) {
  static const Architecture llama{
      Family::llama,
      {.tok_embd = "model.embed_tokens.weight", .final_norm = "model.norm.weight", .head = "lm_head.weight",
       .attn_norm = "model.layers.{}.input_layernorm.weight",
       .ffn_norm = "model.layers.{}.post_attention_layernorm.weight",
       .lin = {"model.layers.{}.self_attn.q_proj.weight", "model.layers.{}.self_attn.k_proj.weight",
               "model.layers.{}.self_attn.v_proj.weight", "model.layers.{}.self_attn.o_proj.weight",
               "model.layers.{}.mlp.gate_proj.weight", "model.layers.{}.mlp.up_proj.weight",
               "model.layers.{}.mlp.down_proj.weight"}},
      {.tok_embd = "token_embd.weight", .final_norm = "output_norm.weight", .head = "output.weight",
       .attn_norm = "blk.{}.attn_norm.weight", .ffn_norm = "blk.{}.ffn_norm.weight",
       .lin = {"blk.{}.attn_q.weight", "blk.{}.attn_k.weight", "blk.{}.attn_v.weight", "blk.{}.attn_output.weight",
               "blk.{}.ffn_gate.weight", "blk.{}.ffn_up.weight", "blk.{}.ffn_down.weight"}}};
  static const Architecture opt{
      Family::opt,
      {.tok_embd = "model.decoder.embed_tokens.weight", .pos_embd = "model.decoder.embed_positions.weight",
       .project_in = "model.decoder.project_in.weight", .project_out = "model.decoder.project_out.weight",
       .final_norm = "model.decoder.final_layer_norm.weight", .head = "lm_head.weight",
       .attn_norm = "model.decoder.layers.{}.self_attn_layer_norm.weight",
       .ffn_norm = "model.decoder.layers.{}.final_layer_norm.weight",
       .lin = {"model.decoder.layers.{}.self_attn.q_proj.weight", "model.decoder.layers.{}.self_attn.k_proj.weight",
               "model.decoder.layers.{}.self_attn.v_proj.weight", "model.decoder.layers.{}.self_attn.out_proj.weight",
               "", "model.decoder.layers.{}.fc1.weight", "model.decoder.layers.{}.fc2.weight"}},
      {}};
  static const Architecture bloom{
      Family::bloom,
      {.tok_embd = "transformer.word_embeddings.weight", .embed_norm = "transformer.word_embeddings_layernorm.weight",
       .final_norm = "transformer.ln_f.weight", .head = "lm_head.weight",
       .attn_norm = "transformer.h.{}.input_layernorm.weight",
       .ffn_norm = "transformer.h.{}.post_attention_layernorm.weight",
       .lin = {"", "", "", "transformer.h.{}.self_attention.dense.weight", "",
               "transformer.h.{}.mlp.dense_h_to_4h.weight", "transformer.h.{}.mlp.dense_4h_to_h.weight"},
       .fused_qkv = "transformer.h.{}.self_attention.query_key_value.weight"},
      {}};
  switch (f) {
    case Family::llama: return llama;
    case Family::opt: return opt;
    case Family::bloom: return bloom;
  }
  return llama;
}

namespace {

template <typename T>
T need(const json& j, const char* key, const std::string& where) {
  GPTQT_CHECK(j.contains(key) && !j[key].is_null(), "{}: config.json has no field \"{}\"", where, key);
  try {
    return j[key].get<T>();
  } catch (const json::exception&) {
    fail("{}: config.json field \"{}\" has the wrong type", where, key);
  }
}

void check_shape(const ModelConfig& c, const std::string& where) {
  GPTQT_CHECK(c.n_layers > 0 && c.hidden > 0 && c.ffn > 0 && c.n_heads > 0 && c.n_kv_heads > 0 && c.vocab > 0 &&
                  c.max_ctx > 0 && c.head_dim > 0,
              "{}: config has a zero or negative size", where);
  GPTQT_CHECK(c.n_heads % c.n_kv_heads == 0, "{}: {} heads is not a multiple of {} key/value heads", where, c.n_heads,
              c.n_kv_heads);
  GPTQT_CHECK(c.pos != PosKind::rope || c.head_dim % 2 == 0, "{}: rotary embedding needs an even head size", where);
  GPTQT_CHECK(c.hidden <= (1 << 16) && c.ffn <= (1 << 18) && c.vocab <= (1 << 22) && c.n_layers <= 1024,
              "{}: config sizes are absurd (hidden {}, ffn {}, vocab {}, layers {})", where, c.hidden, c.ffn, c.vocab,
              c.n_layers);
}

ModelConfig llama_from_json(const json& j, const std::string& where) {
  ModelConfig c;
  c.family = Family::llama;
  c.hidden = need<int>(j, "hidden_size", where);
  c.ffn = need<int>(j, "intermediate_size", where);
  c.n_layers = need<int>(j, "num_hidden_layers", where);
  c.n_heads = need<int>(j, "num_attention_heads", where);
  c.n_kv_heads = j.value("num_key_value_heads", c.n_heads);
  c.head_dim = c.n_heads > 0 ? j.value("head_dim", c.hidden / c.n_heads) : 0;
  c.vocab = need<int>(j, "vocab_size", where);
  c.max_ctx = j.value("max_position_embeddings", 2048);
  c.norm_eps = j.value("rms_norm_eps", 1e-6f);
  c.rope_theta = j.value("rope_theta", 10000.f);
  GPTQT_CHECK(!j.contains("rope_scaling") || j["rope_scaling"].is_null(),
              "{}: rope_scaling is not supported yet", where);
  c.tied_head = j.value("tie_word_embeddings", false);
  c.norm = NormKind::rms;
  c.pos = PosKind::rope;
  c.rope_style = RopeStyle::half;
  c.act = ActKind::silu_gated;
  GPTQT_CHECK(j.value("hidden_act", std::string("silu")) == "silu", "{}: only the silu activation is supported", where);
  return c;
}

ModelConfig opt_from_json(const json& j, const std::string& where) {
  ModelConfig c;
  c.family = Family::opt;
  c.hidden = need<int>(j, "hidden_size", where);
  c.ffn = need<int>(j, "ffn_dim", where);
  c.n_layers = need<int>(j, "num_hidden_layers", where);
  c.n_heads = c.n_kv_heads = need<int>(j, "num_attention_heads", where);
  c.head_dim = c.n_heads > 0 ? c.hidden / c.n_heads : 0;
  c.vocab = need<int>(j, "vocab_size", where);
  c.max_ctx = need<int>(j, "max_position_embeddings", where);
  c.embed_dim = j.value("word_embed_proj_dim", c.hidden);
  c.norm = NormKind::layer;
  c.norm_eps = 1e-5f;  // torch.nn.LayerNorm's default, which OPT uses
  c.pos = PosKind::learned;
  c.pos_offset = 2;
  c.act = ActKind::relu;
  GPTQT_CHECK(j.value("activation_function", std::string("relu")) == "relu", "{}: only OPT's relu is supported",
              where);
  GPTQT_CHECK(j.value("enable_bias", true), "{}: OPT without biases is not supported", where);
  GPTQT_CHECK(j.value("layer_norm_elementwise_affine", true), "{}: OPT without LayerNorm weights is not supported",
              where);
  c.bias = true;
  c.post_ln = !j.value("do_layer_norm_before", true);
  c.final_norm = !c.post_ln && !j.value("_remove_final_layer_norm", false);
  c.tied_head = j.value("tie_word_embeddings", true);
  return c;
}

ModelConfig bloom_from_json(const json& j, const std::string& where) {
  ModelConfig c;
  c.family = Family::bloom;
  c.hidden = j.contains("hidden_size") ? need<int>(j, "hidden_size", where) : need<int>(j, "n_embed", where);
  c.ffn = 4 * c.hidden;
  c.n_layers = need<int>(j, "n_layer", where);
  c.n_heads = c.n_kv_heads = need<int>(j, "n_head", where);
  c.head_dim = c.n_heads > 0 ? c.hidden / c.n_heads : 0;
  c.vocab = need<int>(j, "vocab_size", where);
  c.max_ctx = j.value("seq_length", 2048);  // ALiBi has no hard limit; this is the training length
  c.norm = NormKind::layer;
  c.norm_eps = j.value("layer_norm_epsilon", 1e-5f);
  c.pos = PosKind::alibi;
  c.act = ActKind::gelu_tanh;
  c.bias = true;
  c.embed_norm = true;
  c.tied_head = j.value("tie_word_embeddings", true);
  GPTQT_CHECK(!j.value("apply_residual_connection_post_layernorm", false),
              "{}: BLOOM with apply_residual_connection_post_layernorm is not supported", where);
  return c;
}

}  // namespace

ModelConfig config_from_hf_json(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    fail("{}: config.json is not valid JSON: {}", where, e.what());
  }
  GPTQT_CHECK(j.is_object(), "{}: config.json is not a JSON object", where);
  std::string type = j.value("model_type", std::string());
  ModelConfig c;
  if (type == "llama" || type == "mistral")
    c = llama_from_json(j, where);
  else if (type == "opt")
    c = opt_from_json(j, where);
  else if (type == "bloom")
    c = bloom_from_json(j, where);
  else
    fail("{}: unknown model_type \"{}\" (supported: llama, opt, bloom)", where, type);
  c.arch = type;
  if (c.embed_dim == 0) c.embed_dim = c.hidden;
  check_shape(c, where);
  return c;
}

ModelConfig config_from_gguf(const GgufFile& f) {
  const std::string arch = f.get_string("general.architecture");
  GPTQT_CHECK(arch == "llama", "{}: GGUF architecture \"{}\" is not supported (supported: llama)", f.path(), arch);
  auto key = [&](const char* k) { return arch + "." + k; };
  ModelConfig c;
  c.family = Family::llama;
  c.arch = arch;
  c.hidden = int(f.get_int(key("embedding_length")));
  c.ffn = int(f.get_int(key("feed_forward_length")));
  c.n_layers = int(f.get_int(key("block_count")));
  c.n_heads = int(f.get_int(key("attention.head_count")));
  c.n_kv_heads = f.has(key("attention.head_count_kv")) ? int(f.get_int(key("attention.head_count_kv"))) : c.n_heads;
  GPTQT_CHECK(c.n_heads > 0, "{}: head_count is zero", f.path());
  c.head_dim = c.hidden / c.n_heads;
  c.max_ctx = int(f.get_int(key("context_length")));
  c.norm_eps = float(f.get_float(key("attention.layer_norm_rms_epsilon")));
  c.rope_theta = f.has(key("rope.freq_base")) ? float(f.get_float(key("rope.freq_base"))) : 10000.f;
  const GgufTensorInfo* emb = f.find_tensor("token_embd.weight");
  GPTQT_CHECK(emb, "{}: no token_embd.weight tensor", f.path());
  c.vocab = int(emb->rows());
  c.embed_dim = c.hidden;
  c.tied_head = f.find_tensor("output.weight") == nullptr;
  c.norm = NormKind::rms;
  c.pos = PosKind::rope;
  c.rope_style = RopeStyle::interleaved;
  c.act = ActKind::silu_gated;
  check_shape(c, f.path());
  return c;
}

}  // namespace gptqt
