#include "model/config_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace gptqt {

using nlohmann::json;

NLOHMANN_JSON_SERIALIZE_ENUM(Family, {{Family::llama, "llama"}, {Family::opt, "opt"}, {Family::bloom, "bloom"}})
NLOHMANN_JSON_SERIALIZE_ENUM(NormKind, {{NormKind::rms, "rms"}, {NormKind::layer, "layer"}})
NLOHMANN_JSON_SERIALIZE_ENUM(PosKind, {{PosKind::rope, "rope"}, {PosKind::learned, "learned"}, {PosKind::alibi, "alibi"}})
NLOHMANN_JSON_SERIALIZE_ENUM(RopeStyle, {{RopeStyle::half, "half"}, {RopeStyle::interleaved, "interleaved"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ActKind,
                             {{ActKind::silu_gated, "silu_gated"}, {ActKind::relu, "relu"}, {ActKind::gelu_tanh, "gelu_tanh"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModelConfig, family, arch, n_layers, hidden, ffn, n_heads, n_kv_heads, head_dim,
                                   vocab, max_ctx, norm_eps, norm, pos, rope_style, rope_theta, act, bias, post_ln,
                                   embed_norm, final_norm, embed_dim, pos_offset, tied_head)

std::string config_to_json(const ModelConfig& c) { return json(c).dump(); }

ModelConfig config_from_json(const std::string& text, const std::string& where) {
  try {
    json j = json::parse(text);
    // nlohmann maps an unknown enum string to the first value: reject it instead.
    const std::pair<const char*, std::vector<std::string>> enums[] = {
        {"family", {"llama", "opt", "bloom"}},           {"norm", {"rms", "layer"}},
        {"pos", {"rope", "learned", "alibi"}},           {"rope_style", {"half", "interleaved"}},
        {"act", {"silu_gated", "relu", "gelu_tanh"}}};
    for (const auto& [key, names] : enums) {
      const std::string v = j.at(key).get<std::string>();
      GPTQT_CHECK(std::find(names.begin(), names.end(), v) != names.end(), "{}: unknown {} \"{}\"", where, key, v);
    }
    ModelConfig c = j.get<ModelConfig>();
    GPTQT_CHECK(c.n_layers > 0 && c.hidden > 0 && c.n_heads > 0 && c.n_kv_heads > 0 && c.vocab > 0 &&
                    c.head_dim > 0 && c.embed_dim > 0 && c.n_heads % c.n_kv_heads == 0,
                "{}: the model config has impossible sizes", where);
    return c;
  } catch (const json::exception& e) {
    fail("{}: bad model config: {}", where, e.what());
  }
}

}  // namespace gptqt
