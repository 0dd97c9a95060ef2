#include "model/rotation.h"

#include <algorithm>

#include "core/error.h"

namespace gptqt {

namespace {

// splitmix64: well-mixed seeds for neighbouring (block, input) pairs.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t input_seed(uint64_t seed, int block, int input) {
  return mix(mix(seed) ^ (uint64_t(block) * kNumLinearInputs + uint64_t(input) + 1));
}

int input_width(const ModelConfig& c, LinearInput in) {
  switch (in) {
    case LinearInput::attn:
    case LinearInput::mlp: return c.hidden;
    case LinearInput::o: return c.q_dim();
    case LinearInput::down: return c.ffn;
  }
  fail("internal: bad linear input {}", int(in));
}

std::shared_ptr<const Rotation> make_rotation(int width, uint64_t seed, const std::string& what) {
  try {
    return std::make_shared<const Rotation>(width, seed);
  } catch (const Error& e) {
    fail("{}: {}", what, e.what());
  }
}

}  // namespace

LinearInput linear_input(LinearRole r) {
  switch (r) {
    case LinearRole::q:
    case LinearRole::k:
    case LinearRole::v: return LinearInput::attn;
    case LinearRole::o: return LinearInput::o;
    case LinearRole::gate:
    case LinearRole::up: return LinearInput::mlp;
    case LinearRole::down: return LinearInput::down;
  }
  fail("internal: bad linear role {}", int(r));
}

const char* linear_input_name(LinearInput in) {
  static const char* names[] = {"attn", "o", "mlp", "down"};
  return names[int(in)];
}

bool ModelRotations::any() const { return !blocks.empty() || head; }

int BlockRotations::count() const {
  return int(std::count_if(in.begin(), in.end(), [](const auto& r) { return bool(r); }));
}

int64_t ModelRotations::seed_count() const {
  int64_t n = head ? 1 : 0;
  for (const BlockRotations& b : blocks) n += b.count();
  return n;
}

nlohmann::json ModelRotations::to_json() const {
  if (!any()) return nullptr;
  nlohmann::json blocks_json = nlohmann::json::array();
  for (const BlockRotations& b : blocks) {
    nlohmann::json seeds = nlohmann::json::array();
    for (const auto& r : b.in) seeds.push_back(r ? nlohmann::json(r->seed()) : nlohmann::json(nullptr));
    blocks_json.push_back(seeds);
  }
  return {{"kind", "hadamard"}, {"blocks", blocks_json}, {"head", head ? nlohmann::json(head->seed()) : nullptr}};
}

ModelRotations ModelRotations::from_packed_header(const nlohmann::json& header, const ModelConfig& c,
                                                  const std::string& where) {
  const nlohmann::json none;
  const nlohmann::json& qz = header.contains("quantization") ? header["quantization"] : none;
  return from_json(qz.is_object() && qz.contains("rotation") ? qz["rotation"] : none, c, where);
}

ModelRotations ModelRotations::from_json(const nlohmann::json& j, const ModelConfig& c, const std::string& where) {
  ModelRotations out;
  if (j.is_null()) return out;
  GPTQT_CHECK(j.is_object() && j.contains("kind") && j["kind"].is_string() && j["kind"] == "hadamard",
              "{}: \"rotation\" is not a hadamard rotation object", where);
  auto seed_of = [&](const nlohmann::json& s, const std::string& what) {
    GPTQT_CHECK(s.is_number_unsigned(), "{}: the rotation seed of {} is not an unsigned integer", where, what);
    return s.get<uint64_t>();
  };
  const nlohmann::json& blocks = j.contains("blocks") ? j["blocks"] : nlohmann::json::array();
  GPTQT_CHECK(blocks.is_array() && (blocks.empty() || blocks.size() == size_t(c.n_layers)),
              "{}: \"rotation\" lists {} blocks for a model of {}", where, blocks.is_array() ? blocks.size() : 0,
              c.n_layers);
  for (size_t b = 0; b < blocks.size(); ++b) {
    GPTQT_CHECK(blocks[b].is_array() && blocks[b].size() == size_t(kNumLinearInputs),
                "{}: block {}'s rotation seeds are not a list of {}", where, b, kNumLinearInputs);
    BlockRotations r;
    for (int i = 0; i < kNumLinearInputs; ++i) {
      if (blocks[b][size_t(i)].is_null()) continue;
      const std::string what = fmt::format("block {} {}", b, linear_input_name(LinearInput(i)));
      r.in[size_t(i)] = make_rotation(input_width(c, LinearInput(i)), seed_of(blocks[b][size_t(i)], what),
                                      where + ": " + what);
    }
    out.blocks.push_back(std::move(r));
  }
  if (j.contains("head") && !j["head"].is_null())
    out.head = make_rotation(c.embed_dim, seed_of(j["head"], "the head"), where + ": the head");
  return out;
}

BlockRotations make_block_rotations(const ModelConfig& c, uint64_t seed, int block) {
  BlockRotations r;
  for (int i = 0; i < kNumLinearInputs; ++i) {
    const auto in = LinearInput(i);
    r.in[size_t(i)] = make_rotation(input_width(c, in), input_seed(seed, block, i),
                                    fmt::format("--rotate: block {} {}", block, linear_input_name(in)));
  }
  return r;
}

std::shared_ptr<const Rotation> make_head_rotation(const ModelConfig& c, uint64_t seed) {
  return make_rotation(c.embed_dim, input_seed(seed, c.n_layers, 0), "--rotate: the head");
}

void rotate_weights(Linear& l, const Rotation& r) {
  const DenseLinear* d = l.dense();
  GPTQT_CHECK(d, "internal: only a dense layer can be rotated");
  GPTQT_CHECK(d->cols() == r.size(), "internal: a rotation of {} for a layer of {} inputs", r.size(), d->cols());
  std::vector<float> w = d->weights();
  r.apply_transpose(w.data(), d->rows());
  l.op = std::make_unique<DenseLinear>(d->rows(), d->cols(), std::move(w));
}

void rotate_block_weights(BlockWeights& b, const BlockRotations& r) {
  for (int i = 0; i < kNumLinearRoles; ++i)
    if (b.lin[i].op)
      if (const Rotation* rot = r[linear_input(LinearRole(i))]) rotate_weights(b.lin[i], *rot);
}

}  // namespace gptqt
