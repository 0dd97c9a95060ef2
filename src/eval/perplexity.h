// Perplexity as the papers measure it.
//   gptq:     the whole text as one token stream, cut into floor(n / ctx)
//             non-overlapping windows, every position scored (GPTQ, GPTQT papers).
//   llamacpp: windows of ctx tokens, the first replaced by BOS when the model
//             adds one, only the second half of each window scored (llama-perplexity).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/model.h"

namespace gptqt {

enum class PplProtocol { gptq, llamacpp };
PplProtocol parse_protocol(const std::string& s);
const char* protocol_name(PplProtocol p);

struct PplOptions {
  PplProtocol protocol = PplProtocol::gptq;
  int ctx = 0;          // 0: min(2048, model context) for gptq, 512 for llamacpp
  int max_windows = 0;  // 0: all
  int bos_id = -1;      // llamacpp protocol: written at the start of each window if >= 0
  bool progress = true;
  // Sees the logits of the scored positions, in order and in chunks: row i of
  // `logits` (vocab floats) predicts targets[i]. For KL divergence (eval/kl_divergence.h).
  std::function<void(const float* logits, int n, const int32_t* targets)> on_logits;
};

// The window length and count perplexity() will use for a stream of n_tokens.
struct PplWindows {
  int ctx = 0, windows = 0;
};
PplWindows ppl_windows(const ModelConfig& c, int64_t n_tokens, const PplOptions& opt);

struct PplResult {
  double ppl = 0, ppl_stderr = 0, mean_nll = 0;
  int64_t tokens = 0;  // the stream's length
  int64_t scored = 0;  // positions scored
  int windows = 0, ctx = 0;
  double seconds = 0;
  std::vector<double> window_ppl;  // running ppl after each window, as llama-perplexity prints
};

PplResult perplexity(const Model& model, const std::vector<int32_t>& tokens, const PplOptions& opt);

// NLL of each target given final hidden states h (T x embed_dim): nll[t] = -log p(target[t] | h[t]).
// Computes the head in chunks so a 2048 x 49152 logit matrix is never held whole.
// on_logits, when set, sees each chunk of logits (as PplOptions::on_logits).
void token_nll(const Model& model, const float* h, int T, const int32_t* targets, double* nll,
               const std::function<void(const float*, int, const int32_t*)>& on_logits = {});

}  // namespace gptqt
