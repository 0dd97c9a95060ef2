#include "eval/perplexity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/progress.h"
#include "model/ops.h"

namespace gptqt {

PplProtocol parse_protocol(const std::string& s) {
  if (s == "gptq") return PplProtocol::gptq;
  if (s == "llamacpp") return PplProtocol::llamacpp;
  fail("unknown perplexity protocol \"{}\" (gptq or llamacpp)", s);
}

const char* protocol_name(PplProtocol p) { return p == PplProtocol::gptq ? "gptq" : "llamacpp"; }

void token_nll(const Model& model, const float* h, int T, const int32_t* targets, double* nll,
               const std::function<void(const float*, int, const int32_t*)>& on_logits) {
  const int V = model.cfg.vocab, E = model.cfg.embed_dim;
  constexpr int kChunk = 128;
  std::vector<float> logits(size_t(std::min(T, kChunk)) * V);
  for (int t0 = 0; t0 < T; t0 += kChunk) {
    const int n = std::min(kChunk, T - t0);
    model.head(h + size_t(t0) * E, n, logits.data());
#pragma omp parallel for schedule(static) if (size_t(n) * V > (size_t(1) << 17))
    for (int i = 0; i < n; ++i) {
      const float* row = logits.data() + size_t(i) * V;
      nll[t0 + i] = log_sum_exp(row, V) - double(row[targets[t0 + i]]);
    }
    if (on_logits) on_logits(logits.data(), n, targets + t0);
  }
}

PplWindows ppl_windows(const ModelConfig& c, int64_t n_tokens, const PplOptions& opt) {
  PplWindows w;
  w.ctx = opt.ctx > 0 ? opt.ctx : opt.protocol == PplProtocol::gptq ? std::min(2048, c.max_ctx) : 512;
  GPTQT_CHECK(w.ctx >= 2, "context {} is too short to score anything", w.ctx);
  GPTQT_CHECK(w.ctx <= c.max_ctx || c.pos != PosKind::learned,
              "context {} exceeds the model's {} learned positions", w.ctx, c.max_ctx);
  w.windows = int(std::min<int64_t>(n_tokens / w.ctx, 1 << 30));
  GPTQT_CHECK(w.windows > 0, "the text has {} tokens, fewer than one window of {}", n_tokens, w.ctx);
  if (opt.max_windows > 0) w.windows = std::min(w.windows, opt.max_windows);
  return w;
}

PplResult perplexity(const Model& model, const std::vector<int32_t>& tokens, const PplOptions& opt) {
  const ModelConfig& c = model.cfg;
  PplResult r;
  r.tokens = int64_t(tokens.size());
  const PplWindows plan = ppl_windows(c, r.tokens, opt);
  r.ctx = plan.ctx;
  const int n_windows = r.windows = plan.windows;

  // Scored positions within a window: logits at j predict token j+1.
  const int first = opt.protocol == PplProtocol::gptq ? 0 : r.ctx / 2;
  const int T = r.ctx;
  GPTQT_CHECK(T - 1 - first >= 1, "context {} is too short to score a token under the {} protocol (it scores the "
              "second half of each window)", T, protocol_name(opt.protocol));
  std::vector<float> x(size_t(T) * c.hidden), h(size_t(T) * c.embed_dim);
  std::vector<double> nll(static_cast<size_t>(T));
  double sum = 0, sum_sq = 0;
  Progress progress(fmt::format("perplexity ({} protocol, ctx {})", protocol_name(opt.protocol), T), n_windows,
                    opt.progress);
  for (int w = 0; w < n_windows; ++w) {
    std::vector<int32_t> win(tokens.begin() + int64_t(w) * T, tokens.begin() + int64_t(w + 1) * T);
    if (opt.protocol == PplProtocol::llamacpp && opt.bos_id >= 0) win[0] = opt.bos_id;
    model.embed(win.data(), T, 0, x.data());
    for (int i = 0; i < c.n_layers; ++i) model.block(i, x.data(), T, 0);
    model.final(x.data(), T, h.data());
    const int n = T - 1 - first;
    token_nll(model, h.data() + size_t(first) * c.embed_dim, n, win.data() + first + 1, nll.data(), opt.on_logits);
    for (int i = 0; i < n; ++i) {
      GPTQT_CHECK(std::isfinite(nll[i]), "non-finite log-likelihood in window {}: the model produced NaN or Inf", w);
      sum += nll[i];
      sum_sq += nll[i] * nll[i];
    }
    r.scored += n;
    r.window_ppl.push_back(std::exp(sum / double(r.scored)));
    progress.update(w + 1, fmt::format("ppl {:.4f}", r.window_ppl.back()));
  }
  r.seconds = progress.elapsed_seconds();
  progress.finish(fmt::format("ppl {:.4f}", r.window_ppl.back()));
  const double n = double(r.scored);
  r.mean_nll = sum / n;
  r.ppl = std::exp(r.mean_nll);
  GPTQT_CHECK(std::isfinite(r.ppl), "the perplexity overflows (mean negative log-likelihood {:.1f} nats per token): "
              "the model assigns the text almost no probability", r.mean_nll);
  // Standard error of the mean NLL, carried to ppl by the delta method (as llama-perplexity does).
  const double var = std::max(0.0, sum_sq / n - r.mean_nll * r.mean_nll);
  r.ppl_stderr = r.ppl * std::sqrt(var / std::max(1.0, n - 1));
  return r;
}

}  // namespace gptqt
