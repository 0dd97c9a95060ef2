#include "model/architecture.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/gguf.h"
#include "io/gguf_tensor_source.h"
#include "io/json_read.h"

namespace gptqt {

using nlohmann::json;

std::string block_name(const std::string& tmpl, int block) {
  std::string s = tmpl;
  const auto p = s.find("{}");
  if (p != std::string::npos) s.replace(p, 2, std::to_string(block));
  return s;
}

std::string weight_base(const std::string& weight_name) {
  const std::string suffix = ".weight";
  GPTQT_CHECK(weight_name.size() > suffix.size() &&
                  weight_name.compare(weight_name.size() - suffix.size(), suffix.size(), suffix) == 0,
              "internal: tensor name {} does not end in .weight", weight_name);
  return weight_name.substr(0, weight_name.size() - suffix.size());
}

const Architecture& architecture(Family f) {
  static const Architecture llama{
      Family::llama,
      {.tok_embd = "model.embed_tokens.weight", .final_norm = "model.norm.weight", .head = "lm_head.weight",
       .attn_norm = "model.layers.{}.input_layernorm.weight",
       .ffn_norm = "model.layers.{}.post_attention_layernorm.weight",
       .q_norm = "model.layers.{}.self_attn.q_norm.weight", .k_norm = "model.layers.{}.self_attn.k_norm.weight",
       .lin = {"model.layers.{}.self_attn.q_proj.weight", "model.layers.{}.self_attn.k_proj.weight",
               "model.layers.{}.self_attn.v_proj.weight", "model.layers.{}.self_attn.o_proj.weight",
               "model.layers.{}.mlp.gate_proj.weight", "model.layers.{}.mlp.up_proj.weight",
               "model.layers.{}.mlp.down_proj.weight"}},
      {.tok_embd = "token_embd.weight", .final_norm = "output_norm.weight", .head = "output.weight",
       .attn_norm = "blk.{}.attn_norm.weight", .ffn_norm = "blk.{}.ffn_norm.weight",
       .q_norm = "blk.{}.attn_q_norm.weight", .k_norm = "blk.{}.attn_k_norm.weight", .rope_freqs = "rope_freqs.weight",
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
       .fused_qkv = "transformer.h.{}.self_attention.query_key_value.weight", .fused_qkv_per_head = true},
      {}};
  // Gemma 2/3: Llama's layers with norms around both sub-blocks. Hugging Face
  // stores the norms as w of (1 + w); llama.cpp's converter stores 1 + w.
  static const Architecture gemma{
      Family::gemma,
      {.tok_embd = "model.embed_tokens.weight", .final_norm = "model.norm.weight", .head = "lm_head.weight",
       .attn_norm = "model.layers.{}.input_layernorm.weight",
       .ffn_norm = "model.layers.{}.pre_feedforward_layernorm.weight",
       .q_norm = "model.layers.{}.self_attn.q_norm.weight", .k_norm = "model.layers.{}.self_attn.k_norm.weight",
       .post_attn_norm = "model.layers.{}.post_attention_layernorm.weight",
       .post_ffn_norm = "model.layers.{}.post_feedforward_layernorm.weight",
       .lin = {"model.layers.{}.self_attn.q_proj.weight", "model.layers.{}.self_attn.k_proj.weight",
               "model.layers.{}.self_attn.v_proj.weight", "model.layers.{}.self_attn.o_proj.weight",
               "model.layers.{}.mlp.gate_proj.weight", "model.layers.{}.mlp.up_proj.weight",
               "model.layers.{}.mlp.down_proj.weight"},
       .norm_offset = 1},
      {.tok_embd = "token_embd.weight", .final_norm = "output_norm.weight", .head = "output.weight",
       .attn_norm = "blk.{}.attn_norm.weight", .ffn_norm = "blk.{}.ffn_norm.weight",
       .q_norm = "blk.{}.attn_q_norm.weight", .k_norm = "blk.{}.attn_k_norm.weight",
       .post_attn_norm = "blk.{}.post_attention_norm.weight", .post_ffn_norm = "blk.{}.post_ffw_norm.weight",
       .lin = {"blk.{}.attn_q.weight", "blk.{}.attn_k.weight", "blk.{}.attn_v.weight", "blk.{}.attn_output.weight",
               "blk.{}.ffn_gate.weight", "blk.{}.ffn_up.weight", "blk.{}.ffn_down.weight"}}};
  // Phi-3/3.5/4-mini: Llama's layers with q;k;v and gate;up each fused into one
  // tensor (llama.cpp keeps them fused too, gate;up under the name ffn_up).
  static const Architecture phi3{
      Family::phi3,
      {.tok_embd = "model.embed_tokens.weight", .final_norm = "model.norm.weight", .head = "lm_head.weight",
       .attn_norm = "model.layers.{}.input_layernorm.weight",
       .ffn_norm = "model.layers.{}.post_attention_layernorm.weight",
       .lin = {"", "", "", "model.layers.{}.self_attn.o_proj.weight", "", "", "model.layers.{}.mlp.down_proj.weight"},
       .fused_qkv = "model.layers.{}.self_attn.qkv_proj.weight",
       .fused_gate_up = "model.layers.{}.mlp.gate_up_proj.weight"},
      {.tok_embd = "token_embd.weight", .final_norm = "output_norm.weight", .head = "output.weight",
       .attn_norm = "blk.{}.attn_norm.weight", .ffn_norm = "blk.{}.ffn_norm.weight",
       .lin = {"blk.{}.attn_q.weight", "blk.{}.attn_k.weight", "blk.{}.attn_v.weight", "blk.{}.attn_output.weight",
               "", "", "blk.{}.ffn_down.weight"},
       .fused_qkv = "blk.{}.attn_qkv.weight", .fused_gate_up = "blk.{}.ffn_up.weight"}};
  switch (f) {
    case Family::llama: return llama;
    case Family::gemma: return gemma;
    case Family::phi3: return phi3;
    case Family::opt: return opt;
    case Family::bloom: return bloom;
  }
  return llama;
}

namespace {

// config.json fields, checked for type and range (io/json_read.h); the ranges
// here only keep the numbers inside int, validate_config() judges the sizes.
constexpr int64_t kIntMax = std::numeric_limits<int>::max();
int need_int(const json& j, const char* key, const std::string& where) {
  return int(json_int(j, key, 0, kIntMax, where));
}
int int_or(const json& j, const char* key, int fallback, const std::string& where) {
  return int(json_int_or(j, key, fallback, 0, kIntMax, where));
}
float float_or(const json& j, const char* key, double fallback, const std::string& where) {
  return float(json_float_or(j, key, fallback, where));
}

// A list of numbers (LongRoPE's factors).
std::vector<float> float_list(const json& j, const char* key, const std::string& where) {
  GPTQT_CHECK(j.contains(key) && j[key].is_array(), "{}: {} is missing or not a list", where, key);
  std::vector<float> out;
  for (const json& x : j[key]) {
    GPTQT_CHECK(x.is_number(), "{}: {} holds {}, not a number", where, key, x.dump());
    out.push_back(x.get<float>());
  }
  return out;
}

// RoPE base and scaling. transformers 4 writes rope_theta and rope_scaling at the
// top level; transformers 5 one rope_parameters object holding rope_type,
// rope_theta and the scaling's parameters. Defaults and the YaRN attention
// factor as transformers' modeling_rope_utils computes them.
void read_rope(const json& j, ModelConfig& c, const std::string& where) {
  const json* params = nullptr;
  if (j.contains("rope_parameters") && !j["rope_parameters"].is_null()) {
    params = &j["rope_parameters"];
    GPTQT_CHECK(params->is_object(), "{}: rope_parameters is not an object", where);
    c.rope_theta = float_or(*params, "rope_theta", json_float_or(j, "rope_theta", 10000, where), where);
  } else {
    c.rope_theta = float_or(j, "rope_theta", 10000, where);
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) params = &j["rope_scaling"];
  }
  // Partial rotary (Phi-4-mini): RoPE on the first int(head_dim * factor) dimensions.
  const double partial = json_float_or(params && params->is_object() ? *params : j, "partial_rotary_factor",
                                       json_float_or(j, "partial_rotary_factor", 1, where), where);
  GPTQT_CHECK(partial > 0 && partial <= 1, "{}: partial_rotary_factor {} is not in (0, 1]", where, partial);
  if (partial < 1) c.rotary_dim = int(c.head_dim * partial);
  if (!params) return;
  const std::string w = where + " (RoPE scaling)";
  GPTQT_CHECK(params->is_object(), "{}: not an object", w);
  const std::string type = json_string_or(*params, "rope_type", json_string_or(*params, "type", "default", w), w);
  RopeScaling& r = c.rope_scaling;
  if (type == "default") return;
  if (type == "linear") {
    r.type = RopeScalingType::linear;
    r.factor = float(json_float_or(*params, "factor", 0, w));
  } else if (type == "llama3") {
    r.type = RopeScalingType::llama3;
    r.factor = float(json_float_or(*params, "factor", 0, w));
    r.low_freq_factor = float(json_float_or(*params, "low_freq_factor", 0, w));
    r.high_freq_factor = float(json_float_or(*params, "high_freq_factor", 0, w));
    r.original_ctx = int(json_int(*params, "original_max_position_embeddings", 1, kIntMax, w));
  } else if (type == "yarn") {
    r.type = RopeScalingType::yarn;
    r.original_ctx = int(json_int_or(*params, "original_max_position_embeddings", c.max_ctx, 1, kIntMax, w));
    r.factor = float(json_float_or(*params, "factor", double(c.max_ctx) / r.original_ctx, w));
    r.beta_fast = float(json_float_or(*params, "beta_fast", 32, w));
    r.beta_slow = float(json_float_or(*params, "beta_slow", 1, w));
    r.truncate = json_bool_or(*params, "truncate", true, w);
    auto mscale = [](double factor, double m) { return factor <= 1 ? 1.0 : 0.1 * m * std::log(factor) + 1.0; };
    const double m = json_float_or(*params, "mscale", 0, w), m_all = json_float_or(*params, "mscale_all_dim", 0, w);
    const double derived = m != 0 && m_all != 0 ? mscale(r.factor, m) / mscale(r.factor, m_all) : mscale(r.factor, 1);
    r.attn_factor = float(json_float_or(*params, "attention_factor", derived, w));
  } else if (type == "dynamic") {
    r.type = RopeScalingType::dynamic;
    r.factor = float(json_float_or(*params, "factor", 0, w));
  } else if (type == "longrope" || type == "su") {
    r.type = RopeScalingType::longrope;
    // Phi-3 keeps the trained length at the top level, and transformers prefers it there.
    r.original_ctx = int(json_int_or(j, "original_max_position_embeddings",
                                     json_int_or(*params, "original_max_position_embeddings", c.max_ctx, 1, kIntMax, w),
                                     1, kIntMax, w));
    r.short_factor = float_list(*params, "short_factor", w);
    r.long_factor = float_list(*params, "long_factor", w);
    const double factor = json_float_or(*params, "factor", double(c.max_ctx) / r.original_ctx, w);
    r.factor = float(std::max(factor, 1.0));  // only the attention factor uses it
    const double derived = factor <= 1 ? 1.0 : std::sqrt(1 + std::log(factor) / std::log(double(r.original_ctx)));
    r.attn_factor = float(json_float_or(*params, "attention_factor", derived, w));
  } else {
    fail("{}: rope type \"{}\" is not supported (supported: default, linear, llama3, yarn, dynamic, longrope)", w,
         type);
  }
}

// Sliding-window attention on every layer (Mistral v0.1), or on none. Per-layer
// patterns (transformers 5's layer_types with sliding layers) are not run yet.
int sliding_window(const json& j, const std::string& where) {
  if (j.contains("layer_types") && j["layer_types"].is_array())
    for (const json& t : j["layer_types"])
      GPTQT_CHECK(t == "full_attention" || (t == "sliding_attention" && !json_bool_or(j, "use_sliding_window", true,
                                                                                      where)),
                  "{}: per-layer attention type {} is not supported yet", where, t.dump());
  if (!json_bool_or(j, "use_sliding_window", true, where)) return 0;  // Qwen2 writes a window it does not use
  return int_or(j, "sliding_window", 0, where);
}

ModelConfig llama_from_json(const json& j, const std::string& where) {
  ModelConfig c;
  c.family = Family::llama;
  c.hidden = need_int(j, "hidden_size", where);
  c.ffn = need_int(j, "intermediate_size", where);
  c.n_layers = need_int(j, "num_hidden_layers", where);
  c.n_heads = need_int(j, "num_attention_heads", where);
  GPTQT_CHECK(c.n_heads > 0, "{}: num_attention_heads is 0", where);
  c.n_kv_heads = int_or(j, "num_key_value_heads", c.n_heads, where);
  c.head_dim = int_or(j, "head_dim", c.hidden / c.n_heads, where);
  c.vocab = need_int(j, "vocab_size", where);
  c.max_ctx = int_or(j, "max_position_embeddings", 2048, where);
  c.norm_eps = float_or(j, "rms_norm_eps", 1e-6, where);
  read_rope(j, c, where);
  c.sliding_window = sliding_window(j, where);
  GPTQT_CHECK(!json_bool_or(j, "attention_bias", false, where) && !json_bool_or(j, "mlp_bias", false, where),
              "{}: attention_bias / mlp_bias on every projection is not supported yet", where);
  c.tied_head = json_bool_or(j, "tie_word_embeddings", false, where);
  c.norm = NormKind::rms;
  c.pos = PosKind::rope;
  c.rope_style = RopeStyle::half;
  c.act = ActKind::silu_gated;
  GPTQT_CHECK(json_string_or(j, "hidden_act", "silu", where) == "silu", "{}: only the silu activation is supported",
              where);
  return c;
}

ModelConfig opt_from_json(const json& j, const std::string& where) {
  ModelConfig c;
  c.family = Family::opt;
  c.hidden = need_int(j, "hidden_size", where);
  c.ffn = need_int(j, "ffn_dim", where);
  c.n_layers = need_int(j, "num_hidden_layers", where);
  c.n_heads = c.n_kv_heads = need_int(j, "num_attention_heads", where);
  GPTQT_CHECK(c.n_heads > 0, "{}: num_attention_heads is 0", where);
  GPTQT_CHECK(c.hidden % c.n_heads == 0, "{}: hidden size {} is not a multiple of {} heads", where, c.hidden,
              c.n_heads);
  c.head_dim = c.hidden / c.n_heads;
  c.vocab = need_int(j, "vocab_size", where);
  c.max_ctx = need_int(j, "max_position_embeddings", where);
  c.embed_dim = int_or(j, "word_embed_proj_dim", c.hidden, where);
  c.norm = NormKind::layer;
  c.norm_eps = 1e-5f;  // torch.nn.LayerNorm's default, which OPT uses
  c.pos = PosKind::learned;
  c.pos_offset = 2;
  c.act = ActKind::relu;
  GPTQT_CHECK(json_string_or(j, "activation_function", "relu", where) == "relu", "{}: only OPT's relu is supported",
              where);
  GPTQT_CHECK(json_bool_or(j, "enable_bias", true, where), "{}: OPT without biases is not supported", where);
  GPTQT_CHECK(json_bool_or(j, "layer_norm_elementwise_affine", true, where),
              "{}: OPT without LayerNorm weights is not supported", where);
  c.bias = true;
  c.post_ln = !json_bool_or(j, "do_layer_norm_before", true, where);
  c.final_norm = !c.post_ln && !json_bool_or(j, "_remove_final_layer_norm", false, where);
  c.tied_head = json_bool_or(j, "tie_word_embeddings", true, where);
  return c;
}

ModelConfig bloom_from_json(const json& j, const std::string& where) {
  ModelConfig c;
  c.family = Family::bloom;
  c.hidden = j.contains("hidden_size") ? need_int(j, "hidden_size", where) : need_int(j, "n_embed", where);
  GPTQT_CHECK(c.hidden <= (1 << 16), "{}: hidden size {} is out of range", where, c.hidden);
  c.ffn = 4 * c.hidden;
  c.n_layers = need_int(j, "n_layer", where);
  c.n_heads = c.n_kv_heads = need_int(j, "n_head", where);
  GPTQT_CHECK(c.n_heads > 0 && c.hidden % c.n_heads == 0, "{}: hidden size {} is not a multiple of {} heads", where,
              c.hidden, c.n_heads);
  c.head_dim = c.hidden / c.n_heads;
  c.vocab = need_int(j, "vocab_size", where);
  c.max_ctx = int_or(j, "seq_length", 2048, where);  // ALiBi has no hard limit; this is the training length
  c.norm = NormKind::layer;
  c.norm_eps = float_or(j, "layer_norm_epsilon", 1e-5, where);
  c.pos = PosKind::alibi;
  c.act = ActKind::gelu_tanh;
  c.bias = true;
  c.embed_norm = true;
  c.tied_head = json_bool_or(j, "tie_word_embeddings", true, where);
  GPTQT_CHECK(!json_bool_or(j, "apply_residual_connection_post_layernorm", false, where),
              "{}: BLOOM with apply_residual_connection_post_layernorm is not supported", where);
  return c;
}

// Gemma's layer pattern: every `pattern`-th layer (1-based) is full, the others sliding.
std::vector<bool> sliding_every(size_t n_layers, int pattern) {
  std::vector<bool> sliding(n_layers);
  for (size_t i = 0; i < n_layers; ++i) sliding[i] = (i + 1) % size_t(pattern) != 0;
  return sliding;
}

// A float field where null means "off" (0) and absence means `fallback`.
float float_or_off(const json& j, const char* key, double fallback, const std::string& where) {
  if (j.contains(key) && j[key].is_null()) return 0.f;
  return float_or(j, key, fallback, where);
}

// Gemma 2 (gemma2) and Gemma 3 text (gemma3_text), with transformers' defaults for
// absent fields. The forward pass: docs in model/config.h (embed_scale, post_norms,
// attn_scale, softcaps, sliding_layers, rope_theta_local).
ModelConfig gemma_from_json(const json& j, const std::string& where, bool gemma3) {
  ModelConfig c;
  c.family = Family::gemma;
  c.hidden = need_int(j, "hidden_size", where);
  c.ffn = need_int(j, "intermediate_size", where);
  c.n_layers = need_int(j, "num_hidden_layers", where);
  c.n_heads = need_int(j, "num_attention_heads", where);
  c.n_kv_heads = int_or(j, "num_key_value_heads", c.n_heads, where);
  c.head_dim = int_or(j, "head_dim", 256, where);
  c.vocab = need_int(j, "vocab_size", where);
  c.max_ctx = int_or(j, "max_position_embeddings", 8192, where);
  c.norm_eps = float_or(j, "rms_norm_eps", 1e-6, where);
  c.norm = NormKind::rms;
  c.pos = PosKind::rope;
  c.rope_style = RopeStyle::half;
  const std::string act = json_string_or(j, "hidden_activation", json_string_or(j, "hidden_act", "gelu_pytorch_tanh",
                                                                                  where), where);
  GPTQT_CHECK(act == "gelu_pytorch_tanh" || act == "gelu_tanh", "{}: Gemma activation \"{}\" is not supported", where,
              act);
  c.act = ActKind::gelu_tanh_gated;
  c.tied_head = json_bool_or(j, "tie_word_embeddings", true, where);
  c.embed_scale = float(std::sqrt(double(c.hidden)));
  c.post_norms = true;
  c.qk_norm = gemma3;
  const double query_scalar = json_float_or(j, "query_pre_attn_scalar", 256, where);
  GPTQT_CHECK(query_scalar > 0, "{}: query_pre_attn_scalar {} is not positive", where, query_scalar);
  c.attn_scale = float(1 / std::sqrt(query_scalar));
  // Gemma 3's forward does not use attn_logit_softcapping even when the config has it.
  c.attn_softcap = gemma3 ? 0.f : float_or_off(j, "attn_logit_softcapping", 50, where);
  c.final_softcap = float_or_off(j, "final_logit_softcapping", gemma3 ? 0 : 30, where);
  c.sliding_window = int_or(j, "sliding_window", 4096, where);
  c.sliding_layers.resize(size_t(std::min(c.n_layers, 1024)));
  if (j.contains("layer_types") && !j["layer_types"].is_null()) {
    const json& types = j["layer_types"];
    GPTQT_CHECK(types.is_array() && types.size() == c.sliding_layers.size(),
                "{}: layer_types must list one type per layer", where);
    for (size_t i = 0; i < types.size(); ++i) {
      GPTQT_CHECK(types[i] == "sliding_attention" || types[i] == "full_attention",
                  "{}: unknown layer type {}", where, types[i].dump());
      c.sliding_layers[i] = types[i] == "sliding_attention";
    }
  } else {  // transformers' defaults: Gemma 2 alternates from a sliding layer 0; Gemma 3 has 5 sliding of 6
    const int pattern = gemma3 ? int_or(j, "sliding_window_pattern", 6, where) : 2;
    GPTQT_CHECK(pattern > 0, "{}: sliding_window_pattern is 0", where);
    c.sliding_layers = sliding_every(c.sliding_layers.size(), pattern);
  }
  // RoPE: Gemma 3's sliding layers have their own base and no scaling. transformers 5
  // writes rope_parameters per layer type; older files rope_theta (full layers),
  // rope_local_base_freq (sliding) and rope_scaling (full).
  const json* params = j.contains("rope_parameters") && j["rope_parameters"].is_object() ? &j["rope_parameters"] : nullptr;
  if (params && params->contains("full_attention")) {
    read_rope(json{{"rope_parameters", params->at("full_attention")}}, c, where + " (full_attention)");
    if (params->contains("sliding_attention"))
      c.rope_theta_local = float_or(params->at("sliding_attention"), "rope_theta", 10000, where);
  } else {
    read_rope(j, c, where);
    if (gemma3) c.rope_theta_local = float_or(j, "rope_local_base_freq", 10000, where);
  }
  if (gemma3 && c.rope_theta_local == c.rope_theta && c.rope_scaling.type == RopeScalingType::none)
    c.rope_theta_local = 0;  // the same frequencies: no second table
  return c;
}

// For the refusal of a model we do not run: what it has that a dense decoder does not.
std::string what_it_is(const json& j) {
  for (const char* key : {"num_local_experts", "num_experts", "n_routed_experts"})
    if (j.contains(key) && j[key].is_number_integer() && j[key].get<int64_t>() > 1)
      return fmt::format(", a Mixture-of-Experts model ({} {}: gptqt runs dense decoders only)", key,
                         j[key].get<int64_t>());
  if (j.contains("layer_types") && j["layer_types"].is_array())
    for (const json& t : j["layer_types"])
      if (t.is_string() && t != "full_attention" && t != "sliding_attention")
        return fmt::format(", a hybrid model (layer type {}: gptqt runs softmax-attention layers only)", t.dump());
  if (j.contains("text_config") && j["text_config"].is_object())
    return ", a multimodal model (its text model alone, e.g. model_type gemma3_text, is what gptqt runs)";
  return "";
}

}  // namespace

ModelConfig config_from_hf_json(const std::string& text, const std::string& where) {
  const json j = parse_json(text, where);
  GPTQT_CHECK(j.is_object(), "{}: config.json is not a JSON object", where);
  const std::string type = json_string_or(j, "model_type", "", where);
  ModelConfig c;
  // The Llama family: one table, a few switches.
  if (type == "llama" || type == "mistral") {
    c = llama_from_json(j, where);
  } else if (type == "qwen2") {
    c = llama_from_json(j, where);
    c.qkv_bias = true;
  } else if (type == "qwen3") {
    c = llama_from_json(j, where);
    c.qk_norm = true;
  } else if (type == "phi3") {
    c = llama_from_json(j, where);
    c.family = Family::phi3;
  } else if (type == "gemma2" || type == "gemma3_text") {
    c = gemma_from_json(j, where, type == "gemma3_text");
  } else if (type == "opt") {
    c = opt_from_json(j, where);
  } else if (type == "bloom") {
    c = bloom_from_json(j, where);
  } else {
    fail("{}: model_type \"{}\"{} is not supported (supported: llama, mistral, qwen2, qwen3, gemma2, gemma3_text, "
         "phi3, opt, bloom)", where, type, what_it_is(j));
  }
  c.arch = type;
  if (c.embed_dim == 0) c.embed_dim = c.hidden;
  validate_config(c, where);
  return c;
}

namespace {

// Gemma from GGUF, as llama.cpp runs it: its converter stores the norms as 1 + w
// (so no offset here); sliding layers alternate (Gemma 2) or are 5 of every 6
// (Gemma 3, whose sliding layers use RoPE base 10000); queries scaled by
// 1/sqrt(head_dim) (llama.cpp does so for every size but Gemma 2/3 27B).
void gemma_from_gguf(const GgufFile& f, const std::string& arch, ModelConfig& c) {
  auto key = [&](const char* k) { return arch + "." + k; };
  auto float_or = [&](const char* k, double fallback) { return f.has(key(k)) ? f.get_float(key(k)) : fallback; };
  const bool gemma3 = arch == "gemma3";
  c.family = Family::gemma;
  c.rope_style = RopeStyle::half;
  c.act = ActKind::gelu_tanh_gated;
  c.embed_scale = float(std::sqrt(double(c.hidden)));
  c.post_norms = true;
  c.qk_norm = gemma3;
  c.attn_scale = float(1 / std::sqrt(double(c.head_dim)));
  c.attn_softcap = gemma3 ? 0.f : float(float_or("attn_logit_softcapping", 0));
  c.final_softcap = float(float_or("final_logit_softcapping", 0));
  c.sliding_window = int(f.get_int(key("attention.sliding_window"), 0, 1 << 24));
  const int pattern = gemma3 ? int(f.has(key("attention.sliding_window_pattern"))
                                       ? f.get_int(key("attention.sliding_window_pattern"), 1, 1024)
                                       : 6)
                             : 2;
  c.sliding_layers = sliding_every(size_t(std::clamp(c.n_layers, 0, 1024)), pattern);
  if (gemma3) c.rope_theta_local = 10000.f;
}

// Phi-3/4 from GGUF: NEOX RoPE (Hugging Face's order), LongRoPE as two factor
// tensors with the attention factor and trained length as keys. The sliding window
// the file states is applied, as transformers does (llama.cpp turns it off).
void phi3_from_gguf(const GgufFile& f, ModelConfig& c) {
  c.family = Family::phi3;
  c.rope_style = RopeStyle::half;
  if (f.has("phi3.attention.sliding_window"))
    c.sliding_window = int(f.get_int("phi3.attention.sliding_window", 0, 1 << 24));
  const bool has_long = f.find_tensor("rope_factors_long.weight") != nullptr;
  const bool has_short = f.find_tensor("rope_factors_short.weight") != nullptr;
  GPTQT_CHECK(has_long == has_short, "{}: LongRoPE needs both rope_factors_long and rope_factors_short", f.path());
  if (!has_long) return;
  RopeScaling& r = c.rope_scaling;
  r.type = RopeScalingType::longrope;
  r.original_ctx = int(f.get_int("phi3.rope.scaling.original_context_length", 1, 1 << 24));
  const double factor = double(c.max_ctx) / r.original_ctx;
  r.factor = float(std::max(factor, 1.0));
  r.attn_factor = f.has("phi3.rope.scaling.attn_factor")
                      ? float(f.get_float("phi3.rope.scaling.attn_factor"))
                      : float(factor <= 1 ? 1 : std::sqrt(1 + std::log(factor) / std::log(double(r.original_ctx))));
  GgufTensorSource src(f);
  r.long_factor = src.load("rope_factors_long.weight").data;
  r.short_factor = src.load("rope_factors_short.weight").data;
}

}  // namespace

ModelConfig config_from_gguf(const GgufFile& f) {
  const std::string arch = f.get_string("general.architecture");
  auto key = [&](const char* k) { return arch + "." + k; };
  GPTQT_CHECK(!f.has(key("expert_count")) || f.get_int(key("expert_count"), 0, 1 << 20) <= 1,
              "{}: GGUF architecture \"{}\" is a Mixture-of-Experts model ({} experts): gptqt runs dense decoders "
              "only", f.path(), arch, f.has(key("expert_count")) ? f.get_int(key("expert_count"), 0, 1 << 20) : 0);
  GPTQT_CHECK(arch == "llama" || arch == "qwen2" || arch == "qwen3" || arch == "gemma2" || arch == "gemma3" ||
                  arch == "phi3",
              "{}: GGUF architecture \"{}\" is not supported (supported: llama, qwen2, qwen3, gemma2, gemma3, phi3)",
              f.path(), arch);
  ModelConfig c;
  c.family = Family::llama;
  c.arch = arch;
  // Range checks keep the numbers inside int; validate_config() judges them.
  auto count = [&](const char* k) { return int(f.get_int(key(k), 0, std::numeric_limits<int>::max())); };
  c.hidden = count("embedding_length");
  c.ffn = count("feed_forward_length");
  c.n_layers = count("block_count");
  c.n_heads = count("attention.head_count");
  c.n_kv_heads = f.has(key("attention.head_count_kv")) ? count("attention.head_count_kv") : c.n_heads;
  const bool explicit_head = f.has(key("attention.key_length"));
  GPTQT_CHECK(c.n_heads > 0 && (explicit_head || c.hidden % c.n_heads == 0),
              "{}: embedding length {} is not a multiple of {} heads", f.path(), c.hidden, c.n_heads);
  c.head_dim = explicit_head ? count("attention.key_length") : c.hidden / c.n_heads;
  if (f.has(key("rope.dimension_count")) && count("rope.dimension_count") != c.head_dim)
    c.rotary_dim = count("rope.dimension_count");  // partial rotary; validate_config() judges it
  GPTQT_CHECK(!f.has(key("attention.value_length")) || count("attention.value_length") == c.head_dim,
              "{}: key and value heads of different sizes are not supported", f.path());
  c.max_ctx = count("context_length");
  c.norm_eps = float(f.get_float(key("attention.layer_norm_rms_epsilon")));
  c.rope_theta = f.has(key("rope.freq_base")) ? float(f.get_float(key("rope.freq_base"))) : 10000.f;
  // RoPE scaling: llama.cpp's converter writes Llama 3.x's as a rope_freqs tensor
  // of divisors, linear scaling as keys.
  const std::string scaling = f.has(key("rope.scaling.type")) ? f.get_string(key("rope.scaling.type")) : "none";
  if (f.find_tensor("rope_freqs.weight")) {
    c.rope_scaling.type = RopeScalingType::factors;
  } else if (scaling == "linear") {
    c.rope_scaling.type = RopeScalingType::linear;
    c.rope_scaling.factor = float(f.get_float(key("rope.scaling.factor")));
  } else if (scaling == "yarn") {  // the converter's keys; the yarn_* ones only when config.json had them
    RopeScaling& r = c.rope_scaling;
    auto float_or = [&](const char* k, double fallback) { return f.has(key(k)) ? f.get_float(key(k)) : fallback; };
    r.type = RopeScalingType::yarn;
    r.factor = float(f.get_float(key("rope.scaling.factor")));
    r.original_ctx = f.has(key("rope.scaling.original_context_length"))
                         ? count("rope.scaling.original_context_length")
                         : c.max_ctx;
    r.beta_fast = float(float_or("rope.scaling.yarn_beta_fast", 32));
    r.beta_slow = float(float_or("rope.scaling.yarn_beta_slow", 1));
    r.attn_factor = float(float_or("rope.scaling.yarn_attn_factor", r.factor <= 1 ? 1 : 0.1 * std::log(r.factor) + 1));
  } else {
    GPTQT_CHECK(scaling == "none", "{}: RoPE scaling type \"{}\" in GGUF is not supported (supported: linear, yarn, "
                "rope_freqs factors)", f.path(), scaling);
  }
  const GgufTensorInfo* emb = f.find_tensor("token_embd.weight");
  GPTQT_CHECK(emb, "{}: no token_embd.weight tensor", f.path());
  GPTQT_CHECK(emb->rows() <= (1 << 22), "{}: token_embd.weight has {} rows", f.path(), emb->rows());
  c.vocab = int(emb->rows());
  c.embed_dim = c.hidden;
  c.tied_head = f.find_tensor("output.weight") == nullptr;
  c.norm = NormKind::rms;
  c.pos = PosKind::rope;
  // llama.cpp's converter permutes Llama's q/k rows into adjacent pairs; Qwen's
  // it leaves in Hugging Face's order (llama.cpp runs them as NEOX rope).
  c.rope_style = arch == "llama" ? RopeStyle::interleaved : RopeStyle::half;
  c.act = ActKind::silu_gated;
  c.qkv_bias = arch == "qwen2";
  c.qk_norm = arch == "qwen3";
  if (arch == "gemma2" || arch == "gemma3") gemma_from_gguf(f, arch, c);
  if (arch == "phi3") phi3_from_gguf(f, c);
  validate_config(c, f.path());
  return c;
}

}  // namespace gptqt
