// A loaded decoder and its forward pass, block by block:
//   embed -> block 0 -> ... -> block n-1 -> final -> head
// The same pass serves evaluation (whole windows), calibration (the quantizer
// drives it block by block) and generation (with a KV cache).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/kv_cache.h"
#include "model/rotation.h"
#include "model/weights.h"

namespace gptqt {

class GgufFile;

// Sees the input of every linear layer during a block's forward pass (the
// quantizer accumulates its Hessians through this). Layers that share an input
// (q, k, v; gate, up) are reported once, together.
class LinearInputObserver {
 public:
  virtual ~LinearInputObserver() = default;
  virtual void observe(int block, std::initializer_list<LinearRole> roles, const float* x, int T, int cols) = 0;
  // True once the observer has seen all it wants of this pass: the block then stops,
  // leaving its output unfinished (callers that ask this discard the output).
  virtual bool done() const { return false; }
};

// Reads the weights a model left on disk (LoadOptions::stream) when they are asked for.
class WeightStream {
 public:
  virtual ~WeightStream() = default;
  // linear_weights = false: norms and biases only (the layers' weights stay empty).
  virtual BlockWeights load_block(int block, bool linear_weights = true) const = 0;
  virtual std::vector<float> load_embeddings() const = 0;  // vocab x embed_dim
  virtual Linear load_head() const = 0;                      // tied: a copy of the embeddings
};

// Which positions a whole pass scores: all of them (perplexity), or only the last
// (a prompt before generation, as llama.cpp does; the head is a fifth of
// SmolLM2's weights, so scoring every prompt position costs a fifth more work).
enum class LogitsFor { all, last };

class Model {
 public:
  ModelConfig cfg;
  ModelWeights w;
  // Incoherence processing (model/rotation.h): the inputs the forward pass rotates. The
  // weights in w are then stored rotated (W·R).
  ModelRotations rotations;
  std::string source;                // the file or folder it was loaded from
  KvType kv_type = KvType::f16;      // of the KV caches made for it (LoadOptions::kv_cache)
  std::shared_ptr<GgufFile> gguf;    // kept when loaded from GGUF (tokenizer metadata)
  // Streaming (LoadOptions::stream): the blocks, the token embeddings and the head
  // stay on disk until load_block / load_embeddings / load_head, and the drop_*
  // calls free them again. A model larger than memory is worked on one block at a
  // time this way.
  std::shared_ptr<const WeightStream> stream;
  bool block_loaded(int i) const { return bool(w.blocks.at(size_t(i))[LinearRole::q].op); }
  void load_block(int i);  // each load_* is a no-op when the part is loaded
  void drop_block(int i);
  void load_embeddings();
  void drop_embeddings();
  void load_head();

  // x: T x hidden. Positions pos0 .. pos0+T-1.
  void embed(const int32_t* tokens, int T, int pos0, float* x) const;
  // One block in place. With a cache, K/V of these positions are stored at
  // cache->n_past.. and attention covers all earlier positions; the caller
  // advances cache->n_past after the last block.
  void block(int i, float* x, int T, int pos0, KVCache* cache = nullptr,
             LinearInputObserver* observer = nullptr) const;
  // Final norm and project_out: x (T x hidden) -> out (T x embed_dim).
  void final(const float* x, int T, float* out) const;
  // Logits (T x vocab) from final hidden states (T x embed_dim).
  void head(const float* h, int T, float* logits) const;
  // Whole pass; logits T x vocab, or 1 x vocab for LogitsFor::last.
  std::vector<float> forward(const std::vector<int32_t>& tokens, KVCache* cache = nullptr,
                             LogitsFor which = LogitsFor::all) const;

  int64_t n_params() const;

 private:
  void rotate_input(int block, LinearInput in, float* x, int T) const;
};

struct LoadOptions {
  // How packed (quantized) layers run: "lut", "dequant" or "f32" (model/packed_ops.h).
  std::string kernel = "lut";
  // The output head: "f32" as loaded, or "int8" (per-32 scales; lossless for a
  // Q8_0 head such as SmolLM2's, a quarter of the bytes per generated token). A
  // tied int8 head also serves the token embeddings, and the fp32 table is dropped.
  std::string head = "f32";
  // Leave the blocks, the token embeddings and the head on disk (Model::stream).
  bool stream = false;
  // Round each GGUF layer's inputs as llama.cpp's CPU backend does for the layer's
  // type (model/ggml_activations.h), so that scores match llama-perplexity's.
  bool ggml_activations = false;
  // How packed layers multiply batches (prompts, perplexity windows): "auto" (the
  // int8 GEMM where it holds the weights exactly), "int8" or "sgemm" (packed_ops.h).
  std::string batch_gemm = "auto";
  // What a KV cache of this model holds keys and values in: "f16" (llama.cpp's
  // default) or "f32" (model/kv_cache.h).
  std::string kv_cache = "f16";
};

// Loads a GGUF file, a Hugging Face checkpoint folder (config.json +
// safetensors) or a packed gptqt folder.
Model load_model(const std::string& path, const LoadOptions& options = {});
// Only the config of what load_model would load (no weights are read).
ModelConfig load_model_config(const std::string& path);

}  // namespace gptqt
