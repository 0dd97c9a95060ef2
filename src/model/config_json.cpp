#include "model/config_json.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/json_read.h"

namespace gptqt {

using nlohmann::json;

NLOHMANN_JSON_SERIALIZE_ENUM(Family, {{Family::llama, "llama"},
                                      {Family::opt, "opt"},
                                      {Family::bloom, "bloom"},
                                      {Family::gemma, "gemma"},
                                      {Family::phi3, "phi3"}})
NLOHMANN_JSON_SERIALIZE_ENUM(NormKind, {{NormKind::rms, "rms"}, {NormKind::layer, "layer"}})
NLOHMANN_JSON_SERIALIZE_ENUM(PosKind, {{PosKind::rope, "rope"}, {PosKind::learned, "learned"}, {PosKind::alibi, "alibi"}})
NLOHMANN_JSON_SERIALIZE_ENUM(RopeStyle, {{RopeStyle::half, "half"}, {RopeStyle::interleaved, "interleaved"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ActKind,
                             {{ActKind::silu_gated, "silu_gated"},
                              {ActKind::relu, "relu"},
                              {ActKind::gelu_tanh, "gelu_tanh"},
                              {ActKind::gelu_tanh_gated, "gelu_tanh_gated"}})
NLOHMANN_JSON_SERIALIZE_ENUM(RopeScalingType, {{RopeScalingType::none, "none"},
                                               {RopeScalingType::linear, "linear"},
                                               {RopeScalingType::llama3, "llama3"},
                                               {RopeScalingType::yarn, "yarn"},
                                               {RopeScalingType::factors, "factors"},
                                               {RopeScalingType::dynamic, "dynamic"},
                                               {RopeScalingType::longrope, "longrope"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RopeScaling, type, factor, low_freq_factor, high_freq_factor,
                                                original_ctx, beta_fast, beta_slow, truncate, attn_factor,
                                                short_factor, long_factor)
// WITH_DEFAULT: headers written before a field existed read it as its default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ModelConfig, family, arch, n_layers, hidden, ffn, n_heads, n_kv_heads,
                                                head_dim, vocab, max_ctx, norm_eps, norm, pos, rope_style, rope_theta,
                                                rope_scaling, act, bias, post_ln, embed_norm, final_norm, embed_dim,
                                                pos_offset, tied_head, qkv_bias, qk_norm, sliding_window,
                                                sliding_layers, rope_theta_local, embed_scale, post_norms, attn_scale,
                                                attn_softcap, final_softcap, rotary_dim)

std::string config_to_json(const ModelConfig& c) { return json(c).dump(); }

ModelConfig config_from_json(const std::string& text, const std::string& where) {
  const json j = parse_json(text, where);
  GPTQT_CHECK(j.is_object(), "{}: the model config is not a JSON object", where);
  // nlohmann maps an unknown enum string to the first value, and converts 3.5 or
  // 1e10 to an int without a word: check every field's type and range first.
  const std::pair<const char*, std::vector<std::string>> enums[] = {
      {"family", {"llama", "opt", "bloom", "gemma", "phi3"}},  {"norm", {"rms", "layer"}},
      {"pos", {"rope", "learned", "alibi"}},           {"rope_style", {"half", "interleaved"}},
      {"act", {"silu_gated", "relu", "gelu_tanh", "gelu_tanh_gated"}}};
  for (const auto& [key, names] : enums) {
    GPTQT_CHECK(j.contains(key), "{}: the model config has no field \"{}\"", where, key);
    const std::string v = json_string_or(j, key, "", where);
    GPTQT_CHECK(std::find(names.begin(), names.end(), v) != names.end(), "{}: unknown {} \"{}\"", where, key, v);
  }
  for (const char* key : {"n_layers", "hidden", "ffn", "n_heads", "n_kv_heads", "head_dim", "vocab", "max_ctx",
                          "embed_dim", "pos_offset"})
    json_int(j, key, 0, std::numeric_limits<int>::max(), where);
  for (const char* key : {"norm_eps", "rope_theta"}) {
    GPTQT_CHECK(j.contains(key), "{}: the model config has no field \"{}\"", where, key);
    json_float_or(j, key, 0, where);
  }
  for (const char* key : {"bias", "post_ln", "embed_norm", "final_norm", "tied_head"}) {
    GPTQT_CHECK(j.contains(key), "{}: the model config has no field \"{}\"", where, key);
    json_bool_or(j, key, false, where);
  }
  // Fields added later are optional, but checked when present.
  for (const char* key : {"qkv_bias", "qk_norm", "post_norms"}) json_bool_or(j, key, false, where);
  for (const char* key : {"rope_theta_local", "embed_scale", "attn_scale", "attn_softcap", "final_softcap"})
    json_float_or(j, key, 0, where);
  if (j.contains("sliding_layers")) {
    GPTQT_CHECK(j["sliding_layers"].is_array(), "{}: sliding_layers is not a list", where);
    for (const json& b : j["sliding_layers"]) GPTQT_CHECK(b.is_boolean(), "{}: sliding_layers holds a non-boolean", where);
  }
  json_int_or(j, "sliding_window", 0, 0, std::numeric_limits<int>::max(), where);
  json_int_or(j, "rotary_dim", 0, 0, std::numeric_limits<int>::max(), where);
  if (j.contains("rope_scaling")) {
    const json& r = j["rope_scaling"];
    const std::string rw = where + " (rope_scaling)";
    GPTQT_CHECK(r.is_object(), "{}: not an object", rw);
    const std::string type = json_string_or(r, "type", "none", rw);
    GPTQT_CHECK(type == "none" || type == "linear" || type == "llama3" || type == "yarn" || type == "factors" ||
                    type == "dynamic" || type == "longrope",
                "{}: unknown type \"{}\"", rw, type);
    for (const char* key : {"factor", "low_freq_factor", "high_freq_factor", "beta_fast", "beta_slow", "attn_factor"})
      json_float_or(r, key, 1, rw);
    json_int_or(r, "original_ctx", 0, 0, std::numeric_limits<int>::max(), rw);
    json_bool_or(r, "truncate", true, rw);
    for (const char* key : {"short_factor", "long_factor"}) {
      if (!r.contains(key)) continue;
      GPTQT_CHECK(r[key].is_array(), "{}: {} is not a list", rw, key);
      for (const json& x : r[key]) GPTQT_CHECK(x.is_number(), "{}: {} holds a non-number", rw, key);
    }
  }
  ModelConfig c;
  try {
    c = j.get<ModelConfig>();
  } catch (const json::exception& e) {
    fail("{}: bad model config: {}", where, e.what());
  }
  validate_config(c, where);
  return c;
}

}  // namespace gptqt
