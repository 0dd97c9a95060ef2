// The generic loader: reads a model's tensors by the names in its family's
// table, checks every shape against the config, and fills ModelWeights.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/gguf.h"
#include "io/gguf_tensor_source.h"
#include "io/hf_checkpoint.h"
#include "model/architecture.h"
#include "model/config_json.h"
#include "model/ggml_activations.h"
#include "model/int8_linear.h"
#include "model/model.h"
#include "model/packed_linear.h"
#include "model/packed_model.h"
#include "model/packed_ops.h"
#include "model/rope.h"

namespace gptqt {

namespace {

std::string bias_name(const std::string& weight_name) { return weight_base(weight_name) + ".bias"; }

// How the loaded linear layers run.
struct LinearRun {
  PackedKernel kernel = PackedKernel::lut;  // packed layers
  bool ggml_activations = false;            // GGUF layers round their inputs as llama.cpp does
  BatchGemm batch_gemm = BatchGemm::automatic;  // packed layers' batches
};

class Reader {
 public:
  // packed: the packed model's weights, where linear layers may be stored quantized.
  // What is read: everything; norms and biases only (the layers' weights are wanted
  // elsewhere); or nothing but the shapes, which are checked as always.
  enum class Reads { all, norms_and_biases, shapes };
  explicit Reader(const TensorSource& src, float norm_offset, const SafetensorsFile* packed = nullptr,
                  LinearRun run = {}, Reads reads = Reads::all)
      : src_(src), packed_(packed), run_(run), norm_offset_(norm_offset), reads_(reads) {}

  // Checkpoints saved from the bare model lack the "model." / "transformer." prefix.
  std::string resolve(const std::string& name) const {
    if (src_.has(name)) return name;
    auto dot = name.find('.');
    if (dot != std::string::npos && src_.has(name.substr(dot + 1))) return name.substr(dot + 1);
    return "";
  }
  bool has(const std::string& name) const { return !name.empty() && !resolve(name).empty(); }
  bool linear_weights() const { return reads_ == Reads::all; }

  // The tensor in fp32 (empty when only shapes are read).
  std::vector<float> get(const std::string& name, std::vector<int64_t> want) const {
    std::string n = resolve(name);
    GPTQT_CHECK(!n.empty(), "{}: missing tensor {}", src_.describe(), name);
    const std::vector<int64_t> shape = src_.shape(n);
    // A 1-D weight may be stored as [1, n] (GGUF norms): compare element counts then.
    bool ok = shape == want;
    if (!ok && want.size() == 1) {
      int64_t numel = 1;
      for (int64_t d : shape) numel *= d;
      ok = numel == want[0];
    }
    if (!ok) {
      std::string have, need;
      for (auto d : shape) have += (have.empty() ? "" : "x") + std::to_string(d);
      for (auto d : want) need += (need.empty() ? "" : "x") + std::to_string(d);
      fail("{}: tensor {} has shape {}, the config implies {}", src_.describe(), n, have, need);
    }
    if (reads_ == Reads::shapes) return {};
    TensorF32 t = src_.load(n);
    for (float v : t.data)
      GPTQT_CHECK(std::isfinite(v), "{}: tensor {} holds NaN or infinite values", src_.describe(), n);
    return std::move(t.data);
  }

  Linear linear(const std::string& name, int rows, int cols, bool bias) const {
    Linear l;
    if (reads_ == Reads::shapes && !has_packed(name)) {
      get(name, {rows, cols});
    } else if (!linear_weights()) {  // the bias alone
      GPTQT_CHECK(has(name) || has_packed(name), "{}: missing tensor {}", src_.describe(), name);
    } else if (has_packed(name)) {
      const std::string base = packed_base(name);
      PackedLinear q = read_packed_linear(*packed_, base);
      GPTQT_CHECK(q.rows == rows && q.cols == cols, "{}: {} is {}x{}, the config implies {}x{}", src_.describe(),
                  base, q.rows, q.cols, rows, cols);
      l.op = make_packed_op(std::move(q), run_.kernel, run_.batch_gemm);
    } else {
      l.op = as_stored(name, std::make_unique<DenseLinear>(rows, cols, get(name, {rows, cols})));
    }
    if (bias) l.bias = get(bias_name(name), {rows});
    return l;
  }

  // op, which holds the weights of tensor `name`, as llama.cpp would run it if asked.
  std::unique_ptr<LinearOp> as_stored(const std::string& name, std::unique_ptr<LinearOp> op) const {
    if (!run_.ggml_activations) return op;
    const std::string n = resolve(name);
    const std::optional<uint32_t> type = src_.ggml_type(n);
    return type ? with_ggml_activations(std::move(op), *type, src_.describe() + ": tensor " + n) : std::move(op);
  }

  // A packed layer's tensors are named after the weight's name without ".weight".
  static std::string packed_base(const std::string& name) { return weight_base(name); }
  bool has_packed(const std::string& name) const { return packed_ && has_packed_linear(*packed_, packed_base(name)); }

  Norm norm(const std::string& name, int n, bool bias) const {
    Norm nm;
    nm.weight = get(name, {n});
    if (norm_offset_ != 0)
      for (float& v : nm.weight) v += norm_offset_;
    if (bias) nm.bias = get(bias_name(name), {n});
    return nm;
  }

 private:
  const TensorSource& src_;
  const SafetensorsFile* packed_;
  LinearRun run_;
  float norm_offset_;
  Reads reads_;
};

// BLOOM's fused query_key_value rows are [head][q|k|v][head_dim]: split them.
void split_fused_qkv(const Reader& rd, const std::string& name, const ModelConfig& c, BlockWeights& b) {
  const int H = c.hidden, hd = c.head_dim, nh = c.n_heads;
  std::vector<float> w = rd.get(name, {3 * H, H});
  std::vector<float> bias = rd.get(bias_name(name), {3 * H});
  if (w.empty()) return;  // shapes only
  for (int part = 0; part < 3; ++part) {
    std::vector<float> pw(size_t(H) * H), pb(H);
    for (int h = 0; h < nh; ++h)
      for (int d = 0; d < hd; ++d) {
        size_t src = size_t(h) * 3 * hd + size_t(part) * hd + d, dst = size_t(h) * hd + d;
        std::copy_n(&w[src * H], H, &pw[dst * H]);
        pb[dst] = bias[src];
      }
    Linear& l = b.lin[part];
    l.op = rd.as_stored(name, std::make_unique<DenseLinear>(H, H, std::move(pw)));
    l.bias = std::move(pb);
  }
}

// Phi-3's fused projections: consecutive row blocks of one tensor, one per role.
void split_stacked(const Reader& rd, const std::string& name, int cols,
                   std::initializer_list<std::pair<LinearRole, int>> parts, BlockWeights& b) {
  int rows = 0;
  for (const auto& [role, n] : parts) rows += n;
  const std::vector<float> w = rd.get(name, {rows, cols});
  if (w.empty()) return;  // shapes only
  size_t row0 = 0;
  for (const auto& [role, n] : parts) {
    std::vector<float> part(w.begin() + std::ptrdiff_t(row0 * cols), w.begin() + std::ptrdiff_t((row0 + n) * cols));
    b[role].op = rd.as_stored(name, std::make_unique<DenseLinear>(n, cols, std::move(part)));
    row0 += size_t(n);
  }
}

BlockWeights read_block(const Reader& rd, const TensorSource& src, const TensorNames& nm, const ModelConfig& c, int i) {
  const int H = c.hidden;
  const bool ln_bias = c.norm == NormKind::layer;
  BlockWeights b;
  b.attn_norm = rd.norm(block_name(nm.attn_norm, i), H, ln_bias);
  b.ffn_norm = rd.norm(block_name(nm.ffn_norm, i), H, ln_bias);
  if (c.post_norms) {
    b.post_attn_norm = rd.norm(block_name(nm.post_attn_norm, i), H, ln_bias);
    b.post_ffn_norm = rd.norm(block_name(nm.post_ffn_norm, i), H, ln_bias);
  }
  if (c.qk_norm) {
    GPTQT_CHECK(!nm.q_norm.empty(), "{}: this family has no per-head q/k norms", src.describe());
    b.q_norm = rd.norm(block_name(nm.q_norm, i), c.head_dim, false);
    b.k_norm = rd.norm(block_name(nm.k_norm, i), c.head_dim, false);
  }
  const std::string qkv = block_name(nm.fused_qkv, i), gate_up = block_name(nm.fused_gate_up, i);
  if (nm.fused_qkv_per_head)
    split_fused_qkv(rd, qkv, c, b);
  else if (rd.has(qkv))
    split_stacked(rd, qkv, H, {{LinearRole::q, c.q_dim()}, {LinearRole::k, c.kv_dim()}, {LinearRole::v, c.kv_dim()}}, b);
  if (rd.has(gate_up)) split_stacked(rd, gate_up, H, {{LinearRole::gate, c.ffn}, {LinearRole::up, c.ffn}}, b);
  for (int r = 0; r < kNumLinearRoles; ++r) {
    // Absent in this family (the packed names list every role: no gate where the MLP is not gated),
    // or split from a fused tensor.
    if (nm.lin[r].empty() || !has_linear(c, LinearRole(r)) || b.lin[r].op) continue;
    const bool bias = c.bias || (c.qkv_bias && r <= int(LinearRole::v));
    const LinearShape shape = linear_shape(c, LinearRole(r));
    b.lin[r] = rd.linear(block_name(nm.lin[r], i), shape.rows, shape.cols, bias);
  }
  if (!rd.linear_weights()) return b;  // norms and biases were all that was wanted
  // Only a role whose fused tensor is missing can be empty here (rd.linear names the others).
  for (int r = 0; r < kNumLinearRoles; ++r)
    GPTQT_CHECK(b.lin[r].op || !has_linear(c, LinearRole(r)), "{}: missing tensor {} (block {}'s {})",
                src.describe(), r <= int(LinearRole::v) ? qkv : gate_up, i, linear_role_name(LinearRole(r)));
  return b;
}

// An untied head, or one the quantizer packed.
bool separate_head(const Reader& rd, const TensorNames& nm, const ModelConfig& c) {
  return rd.has_packed(nm.head) || (!c.tied_head && rd.has(nm.head));
}

// A GGUF source that keeps its file open for as long as a stream reads from it.
struct SharedGgufSource : GgufTensorSource {
  explicit SharedGgufSource(std::shared_ptr<GgufFile> f) : GgufTensorSource(*f), file(std::move(f)) {}
  std::shared_ptr<GgufFile> file;
};

// The source a model was loaded from, kept open to read blocks (and a separate
// head) when they are asked for.
class SourceWeightStream : public WeightStream {
 public:
  SourceWeightStream(std::shared_ptr<const TensorSource> src, std::shared_ptr<const SafetensorsFile> packed,
                     const TensorNames& nm, const ModelConfig& c, LinearRun run)
      : src_(std::move(src)), packed_(std::move(packed)), nm_(nm), c_(c), run_(run) {}
  BlockWeights load_block(int i, bool linear_weights) const override {
    GPTQT_CHECK(0 <= i && i < c_.n_layers, "internal: no block {}", i);
    return read_block(reader(linear_weights ? Reader::Reads::all : Reader::Reads::norms_and_biases), *src_, nm_, c_, i);
  }
  std::vector<float> load_embeddings() const override {
    return reader().get(nm_.tok_embd, {c_.vocab, c_.embed_dim});
  }
  Linear load_head() const override {
    const Reader rd = reader();
    if (separate_head(rd, nm_, c_)) return rd.linear(nm_.head, c_.vocab, c_.embed_dim, false);
    Linear l;
    l.op = rd.as_stored(nm_.tok_embd, std::make_unique<DenseLinear>(c_.vocab, c_.embed_dim, load_embeddings()));
    return l;
  }

 private:
  Reader reader(Reader::Reads reads = Reader::Reads::all) const {
    return Reader(*src_, nm_.norm_offset, packed_.get(), run_, reads);
  }
  std::shared_ptr<const TensorSource> src_;
  std::shared_ptr<const SafetensorsFile> packed_;
  TensorNames nm_;
  ModelConfig c_;
  LinearRun run_;
};

// Everything outside the blocks; streamed, the blocks, the token embeddings and
// the head stay on disk (the three largest parts of a model).
ModelWeights load_weights(const TensorSource& src, const TensorNames& nm, const ModelConfig& c, bool stream,
                          const SafetensorsFile* packed = nullptr, LinearRun run = {}) {
  Reader rd(src, nm.norm_offset, packed, run);
  ModelWeights w;
  const int H = c.hidden, E = c.embed_dim;
  const bool ln_bias = c.norm == NormKind::layer;
  // Streamed, the embeddings, the blocks and the head are checked now by shape only, so
  // that a damaged file is refused before hours of work rather than at its last block.
  const Reader shapes(src, nm.norm_offset, packed, run, Reader::Reads::shapes);
  w.tok_embd = (stream ? shapes : rd).get(nm.tok_embd, {c.vocab, E});
  if (c.pos == PosKind::learned) w.pos_embd = rd.get(nm.pos_embd, {c.max_ctx + c.pos_offset, H});
  if (c.embed_norm) w.embed_norm = rd.norm(nm.embed_norm, H, ln_bias);
  if (E != H) {
    w.project_in = rd.linear(nm.project_in, H, E, false);
    w.project_out = rd.linear(nm.project_out, E, H, false);
  }
  w.blocks.resize(size_t(c.n_layers));
  for (int i = 0; i < c.n_layers; ++i)
    if (stream)
      read_block(shapes, src, nm, c, i);
    else
      w.blocks[size_t(i)] = read_block(rd, src, nm, c, i);
  if (c.final_norm) w.final_norm = rd.norm(nm.final_norm, H, ln_bias);
  // A tied head is the embedding matrix; some checkpoints still store a copy. A
  // packed model may hold the head quantized, tied or not.
  if (separate_head(rd, nm, c)) {
    w.head = (stream ? shapes : rd).linear(nm.head, c.vocab, E, false);
  } else {
    GPTQT_CHECK(c.tied_head, "{}: missing tensor {} (the config says the head is not tied)", src.describe(), nm.head);
    if (!stream) w.head.op = rd.as_stored(nm.tok_embd, std::make_unique<DenseLinear>(c.vocab, E, w.tok_embd));
  }
  if (c.rope_scaling.type == RopeScalingType::factors) {
    GPTQT_CHECK(!nm.rope_freqs.empty(), "{}: RoPE frequency factors need a rope_freqs tensor", src.describe());
    w.rope_freqs = rd.get(nm.rope_freqs, {c.rope_dim() / 2});
  }
  if (c.pos == PosKind::rope) w.rope_inv_freq = rope_inv_freq(c, w.rope_freqs);
  if (c.pos == PosKind::rope && c.rope_theta_local > 0) {
    ModelConfig local = c;
    local.rope_theta = c.rope_theta_local;
    local.rope_scaling = {};
    w.rope_inv_freq_local = rope_inv_freq(local, {});
  }
  return w;
}

}  // namespace

ModelConfig load_model_config(const std::string& path) {
  namespace fs = std::filesystem;
  GPTQT_CHECK(fs::exists(path), "{}: no such file or folder", path);
  if (is_packed_model(path))
    return config_from_json(read_packed_header(path)["config"].dump(), path + "/" + kPackedHeaderFile);
  if (fs::is_directory(path)) return config_from_hf_json(HfCheckpoint(path).config_json(), path + "/config.json");
  return config_from_gguf(GgufFile(path));
}

Model load_model(const std::string& path, const LoadOptions& options) {
  namespace fs = std::filesystem;
  GPTQT_CHECK(fs::exists(path), "{}: no such file or folder", path);
  Model m;
  m.source = path;
  m.kv_type = parse_kv_type(options.kv_cache);
  std::shared_ptr<const TensorSource> src;
  std::shared_ptr<const SafetensorsFile> packed;
  const TensorNames* names;
  const LinearRun run{parse_packed_kernel(options.kernel), options.ggml_activations,
                      parse_batch_gemm(options.batch_gemm)};
  nlohmann::json header;  // a packed model's
  if (is_packed_model(path)) {
    header = read_packed_header(path);
    m.cfg = config_from_json(header["config"].dump(), path + "/" + kPackedHeaderFile);
    packed = std::make_shared<const SafetensorsFile>(path + "/" + kPackedWeightsFile);
    src = packed;
    names = &packed_tensor_names();
  } else if (fs::is_directory(path)) {
    auto ckpt = std::make_shared<const HfCheckpoint>(path);
    m.cfg = config_from_hf_json(ckpt->config_json(), path + "/config.json");
    src = ckpt;
    names = &architecture(m.cfg.family).hf;
  } else {
    m.gguf = std::make_shared<GgufFile>(path);
    m.cfg = config_from_gguf(*m.gguf);
    src = std::make_shared<const SharedGgufSource>(m.gguf);
    names = &architecture(m.cfg.family).gguf;
  }
  GPTQT_CHECK(!options.ggml_activations || m.gguf, "{}: llama.cpp's activation rounding applies to GGUF files only",
              path);
  GPTQT_CHECK(!options.ggml_activations || options.head == "f32",
              "llama.cpp's activation rounding runs the head as the file stores it; drop the int8 head");
  m.w = load_weights(*src, *names, m.cfg, options.stream, packed.get(), run);
  if (packed) m.rotations = ModelRotations::from_packed_header(header, m.cfg, path + "/" + kPackedHeaderFile);
  if (options.stream) m.stream = std::make_shared<SourceWeightStream>(src, packed, *names, m.cfg, run);
  GPTQT_CHECK(options.head == "f32" || options.head == "int8", "unknown head format \"{}\" (f32 or int8)",
              options.head);
  // int8: a dense head becomes int8; a tied one's matrix then also serves the token
  // embeddings and the fp32 table (113 MB for SmolLM2) is dropped, lossless when the
  // table was Q8_0. A head the quantizer packed stays packed; if tied, the embeddings
  // still go int8.
  if (options.head == "int8") {
    const DenseLinear* d = m.w.head.dense();
    if (d) {
      auto q = std::make_shared<const kernels::Int8Matrix>(
          kernels::quantize_int8(d->weights().data(), d->rows(), d->cols()));
      m.w.head.op = std::make_unique<Int8Linear>(q);
      if (m.cfg.tied_head) m.w.tok_embd_int8 = q;
    } else if (m.cfg.tied_head) {
      m.w.tok_embd_int8 = std::make_shared<const kernels::Int8Matrix>(
          kernels::quantize_int8(m.w.tok_embd.data(), m.cfg.vocab, m.cfg.embed_dim));
    }
    if (m.w.tok_embd_int8) std::vector<float>().swap(m.w.tok_embd);
  }
  return m;
}

}  // namespace gptqt
