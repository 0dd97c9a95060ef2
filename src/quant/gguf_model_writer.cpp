#include "quant/gguf_model_writer.h"

#include <fmt/format.h>

#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/ggml_blocks.h"
#include "io/ggml_pack.h"
#include "io/gguf_writer.h"
#include "model/architecture.h"
#include "quant/ggml_grid.h"
#include "quant/kquant_grid.h"
#include "quant/work_dir.h"

namespace gptqt::quant {

namespace {

// llama.cpp's llama_ftype of a file whose weights are mostly `type`.
int64_t file_type_of(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return 2;
    case GgmlType::Q4_1: return 3;
    case GgmlType::Q8_0: return 7;
    case GgmlType::Q5_0: return 8;
    case GgmlType::Q5_1: return 9;
    case GgmlType::Q2_K: return 10;
    case GgmlType::Q3_K: return 11;  // the _S mixes, which are the pure type with small exceptions
    case GgmlType::Q4_K: return 14;
    case GgmlType::Q5_K: return 16;
    case GgmlType::Q6_K: return 18;
    default: fail("no llama.cpp file type for {}", ggml_type_name(uint32_t(type)));
  }
}

GgufValue u32(int64_t v) { return {v, 4}; }
GgufValue str(std::string s) { return {std::move(s), 8}; }

}  // namespace

double write_gguf_model(const Model& model, const PipelineResult& result, const MethodOptions& method,
                        const std::string& source, const std::string& out, const WorkDir* work) {
  const GgmlType type = format_type(method);
  const GgufFile src(source);  // Error when the source is not a GGUF file
  const ModelConfig& c = model.cfg;
  const TensorNames& nm = architecture(c.family).gguf;
  GPTQT_CHECK(!nm.tok_embd.empty(), "{}: no GGUF names for this family", source);
  for (int b = 0; b < c.n_layers; ++b)
    for (const std::string& fused : {nm.fused_qkv, nm.fused_gate_up})
      GPTQT_CHECK(fused.empty() || !src.find_tensor(block_name(fused, b)),
                  "{}: fused projections ({}) are not written back to GGUF yet", source, block_name(fused, b));
  struct LinearTensor {
    int block, role;
    GgmlType type;  // the format's, or its fallback's
  };
  std::map<std::string, LinearTensor> linear;  // by GGUF name
  for (int b = 0; b < c.n_layers; ++b)
    for (int r = 0; r < kNumLinearRoles; ++r)
      if (has_linear(c, LinearRole(r))) {
        const std::string name = block_name(nm.lin[r], b);
        const MethodOptions m = method_for_layer(method, linear_shape(c, LinearRole(r)).cols, name);
        linear[name] = {b, r, format_type(m)};
      }

  GgufMetadata kv;
  bool has_file_type = false;
  for (const auto& [key, v] : src.metadata()) {
    if (key == "general.file_type") {
      kv.emplace_back(key, u32(file_type_of(type))), has_file_type = true;
    } else if (key.rfind("gptqt.", 0) != 0) {
      kv.emplace_back(key, v);
    }
  }
  if (!has_file_type) kv.emplace_back("general.file_type", u32(file_type_of(type)));
  kv.emplace_back("gptqt.quantization", str(describe(method)));

  std::vector<GgufTensorOut> tensors;
  size_t n_linear = 0;
  for (const GgufTensorInfo& t : src.tensors()) {
    GgufTensorOut o{t.name, t.type, t.ne, t.nbytes};
    if (const auto it = linear.find(t.name); it != linear.end()) {
      const GgmlTypeTraits& traits = *ggml_type_traits(uint32_t(it->second.type));
      GPTQT_CHECK(t.ne.size() == 2 && t.ne[0] % traits.block_size == 0, "{}: {} has rows of {} weights, not a "
                  "multiple of {}'s blocks of {}", source, t.name, t.ne[0], traits.name, traits.block_size);
      o.type = uint32_t(it->second.type);
      o.nbytes = uint64_t(t.ne[0] / traits.block_size) * traits.block_bytes * uint64_t(t.ne[1]);
      ++n_linear;
    }
    tensors.push_back(o);
  }
  GPTQT_CHECK(n_linear == linear.size(), "{}: {} of the model's {} linear layers found under their GGUF names",
              source, n_linear, linear.size());

  // The layers of one block at a time: from the result, or read back from the work folder.
  int cached_block = -1;
  std::optional<WorkDir::Block> cached;
  auto layer = [&](int b, int r) -> const QuantizedLinear& {
    const auto& kept = result.blocks.at(size_t(b)).lin[size_t(r)];
    if (kept) return *kept;
    GPTQT_CHECK(work, "block {}: no quantized weights to write", b);
    if (cached_block != b) cached = work->load_block(b), cached_block = b;
    GPTQT_CHECK(cached->lin[size_t(r)].has_value(), "block {} {}: no quantized weights to write", b,
                linear_role_name(LinearRole(r)));
    return *cached->lin[size_t(r)];
  };
  double qbits = 0, qweights = 0;
  write_gguf(out, kv, tensors, [&](size_t i, AtomicFile& f) {
    const GgufTensorInfo& t = src.tensors()[i];  // the output keeps the source's order
    const auto it = linear.find(t.name);
    if (it == linear.end()) {
      f.write(src.tensor_data(t), t.nbytes);
      return;
    }
    const auto [block, role, tt] = it->second;
    const QuantizedLinear& q = layer(block, role);
    GPTQT_CHECK(q.rows == t.ne[1] && q.cols == t.ne[0], "{}: the quantized layer is {}x{}, the tensor {}x{}", t.name,
                q.rows, q.cols, t.ne[1], t.ne[0]);
    const GgmlTypeTraits& traits = *ggml_type_traits(uint32_t(tt));
    const int n_blocks = q.cols / traits.block_size;
    std::vector<uint8_t> row(size_t(n_blocks) * traits.block_bytes);
    for (int r = 0; r < q.rows; ++r) {
      for (int g = 0; g < n_blocks; ++g) {
        uint8_t* out = row.data() + size_t(g) * traits.block_bytes;
        if (is_ggml_kquant_type(tt)) {
          const KQuantBlock b = kquant_block_of(q, tt, r, g);
          pack_kquant_block(tt, b.d, b.dmin, b.sc, b.m, b.q, out);
        } else {
          const GgmlBlock b = ggml_block_of(q, tt, r, g);
          pack_ggml_block(tt, b.d, b.m, b.q, out);
        }
      }
      f.write(row.data(), row.size());
    }
    qbits += 8.0 * double(tensors[i].nbytes);
    qweights += double(q.rows) * q.cols;
  });
  return qbits / qweights;
}

}  // namespace gptqt::quant
