// gptqt inspect: what a model file holds. For a packed model: the header (method,
// bits, calibration, tool version) and every packed layer, each read and checked
// as the runtime reads it: the whole model and its tokenizer are loaded first,
// so inspect validates exactly what eval accepts. For a GGUF file: its
// architecture and tensor types.
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "io/gguf.h"
#include "io/safetensors.h"
#include "model/model.h"
#include "model/packed_linear.h"
#include "model/packed_model.h"
#include "model/stored_bits.h"
#include "runtime/model_files.h"

namespace gptqt::cli {

namespace {

struct InspectArgs {
  std::string model;
  bool layers = false, json = false;
};

std::string value_or(const nlohmann::json& j, const char* key, const std::string& fallback = "?") {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

void inspect_packed(const InspectArgs& a) {
  // Validation first, by the very code eval and generate load with: a folder
  // inspect passes is one they accept.
  const Model model = load_model(a.model);
  load_model_tokenizer(a.model);
  const nlohmann::json header = read_packed_header(a.model);
  const SafetensorsFile weights(a.model + "/" + kPackedWeightsFile);
  const std::string suffix = ".shape";
  nlohmann::json layers = nlohmann::json::array();
  double quantized = 0;
  std::set<std::string> prefixes;
  for (const auto& [name, entry] : weights.entries()) {
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string prefix = name.substr(0, name.size() - suffix.size());
    const PackedLinear q = read_packed_linear(weights, prefix);  // throws on inconsistent arrays
    const double n = double(q.rows) * q.cols;
    quantized += n;
    prefixes.insert(prefix);
    layers.push_back({{"name", prefix}, {"rows", q.rows}, {"cols", q.cols}, {"bits", q.bits},
                      {"group_size", q.group_size}, {"act_order", !q.perm.empty()},
                      {"bits_per_weight", q.bits_per_weight()}});
  }
  const int64_t seeds = model.rotations.seed_count();
  const double bits_per_weight = linear_stored_bits(a.model).per_weight();  // the seeds included
  // Block order (blk.2 before blk.10), then role; layers outside blocks (the head) last.
  auto key = [](const nlohmann::json& l) {
    const std::string n = l["name"];
    const size_t dot = n.find('.'), next = n.find('.', dot + 1);
    const bool numbered = dot != std::string::npos && next != std::string::npos &&
                          n.find_first_not_of("0123456789", dot + 1) == next && next > dot + 1;
    return std::make_pair(numbered ? std::stol(n.substr(dot + 1, next - dot - 1)) : LONG_MAX, n);
  };
  std::sort(layers.begin(), layers.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  double other_bytes = 0;  // everything but the packed arrays (a layer's bias counts here)
  for (const auto& [name, entry] : weights.entries()) {
    const size_t dot = name.rfind('.');
    const bool packed = dot != std::string::npos && prefixes.count(name.substr(0, dot)) && name.substr(dot) != ".bias";
    if (!packed) other_bytes += double(entry.end - entry.begin);
  }
  const nlohmann::json& qz = header.value("quantization", nlohmann::json::object());
  const nlohmann::json& cal = header.value("calibration", nlohmann::json::object());
  if (a.json) {
    fmt::print("{}\n", nlohmann::json{{"model", a.model}, {"header", header}, {"packed_layers", layers.size()},
                                      {"rotation_seeds", seeds},
                                      {"quantized_weights", quantized},
                                      {"bits_per_weight", bits_per_weight},
                                      {"unquantized_bytes", other_bytes}, {"layers", layers}}
                           .dump(2));
    return;
  }
  fmt::print("{}: gptqt packed model, format version {}, written by {} {}\n", a.model,
             value_or(header, "format_version"), value_or(header, "tool"), value_or(header, "tool_version"));
  fmt::print("  source:       {}\n", value_or(header, "source_model"));
  fmt::print("  method:       {} ({}), {} bits, group {}\n", value_or(qz, "method"), value_or(qz, "solver"),
             value_or(qz, "bits"), value_or(qz, "group_size"));
  fmt::print("  options:      {}\n", value_or(qz, "options"));
  if (cal.value("nsamples", 0) > 0)
    fmt::print("  calibration:  {} x {} tokens of {}, seed {}\n", value_or(cal, "nsamples"), value_or(cal, "seqlen"),
               value_or(cal, "text"), value_or(cal, "seed"));
  else
    fmt::print("  calibration:  none\n");
  fmt::print("  packed:       {} layers, {:.0f} weights, {:.3f} bits per weight\n", layers.size(), quantized,
             bits_per_weight);
  std::map<std::pair<int, int>, std::pair<int, double>> widths;  // (bits, group) -> layers, weights
  for (const auto& l : layers) {
    auto& [count, n] = widths[{l["bits"].get<int>(), l["group_size"].get<int>()}];
    ++count;
    n += l["rows"].get<double>() * l["cols"].get<double>();
  }
  std::string listed;
  for (const auto& [w, use] : widths)
    listed += fmt::format("{}{}-bit {}: {} layers ({:.0f}% of weights)", listed.empty() ? "" : ", ", w.first,
                          w.second > 0 ? fmt::format("g{}", w.second) : "per row", use.first,
                          100 * use.second / quantized);
  if (!listed.empty()) fmt::print("  widths:       {}\n", listed);
  if (seeds > 0) fmt::print("  rotation:     random Hadamard, {} seeds\n", seeds);
  fmt::print("  unquantized:  {:.1f} MiB (embeddings, norms, an unquantized head)\n", other_bytes / (1 << 20));
  if (a.layers) {
    fmt::print("\n| layer | rows x cols | bits | group | act-order | bits/weight |\n|---|---|---:|---:|---|---:|\n");
    for (const auto& l : layers)
      fmt::print("| {} | {} x {} | {} | {} | {} | {:.3f} |\n", l["name"].get<std::string>(), l["rows"].get<int>(),
                 l["cols"].get<int>(), l["bits"].get<int>(), l["group_size"].get<int>(),
                 l["act_order"].get<bool>() ? "yes" : "no", l["bits_per_weight"].get<double>());
  }
}

void inspect_gguf(const InspectArgs& a) {
  const GgufFile f(a.model);
  std::map<std::string, std::pair<int, int64_t>> by_type;  // type -> tensors, elements
  for (const GgufTensorInfo& t : f.tensors()) {
    auto& e = by_type[ggml_type_name(uint32_t(t.type))];
    e.first += 1;
    e.second += t.numel();
  }
  const std::string arch = f.has("general.architecture") ? f.get_string("general.architecture") : "?";
  if (a.json) {
    nlohmann::json types = nlohmann::json::object();
    for (const auto& [type, e] : by_type) types[type] = {{"tensors", e.first}, {"elements", e.second}};
    fmt::print("{}\n", nlohmann::json{{"model", a.model}, {"gguf_version", f.version()}, {"architecture", arch},
                                      {"tensors", f.tensors().size()}, {"types", types}}
                           .dump(2));
    return;
  }
  fmt::print("{}: GGUF v{}, architecture {}, {} tensors\n", a.model, f.version(), arch, f.tensors().size());
  for (const auto& [type, e] : by_type) fmt::print("  {:<6} {:>4} tensors, {:>12} elements\n", type, e.first, e.second);
  if (a.layers)
    for (const GgufTensorInfo& t : f.tensors())
      fmt::print("  {} {} {}\n", t.name, ggml_type_name(uint32_t(t.type)), fmt::join(t.ne, " x "));
}

}  // namespace

void register_inspect(CLI::App& app) {
  auto a = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "describe a packed model or a GGUF file, checking every layer");
  cmd->add_option("--model,-m", a->model, "gptqt packed model folder or GGUF file")->required();
  cmd->add_flag("--layers", a->layers, "also list every layer (packed) or tensor (GGUF)");
  cmd->add_flag("--json", a->json, "print JSON instead of text");
  cmd->callback([a] {
    if (is_packed_model(a->model))
      inspect_packed(*a);
    else
      inspect_gguf(*a);
  });
}

}  // namespace gptqt::cli
