// KL divergence against a full-precision model, the way llama.cpp measures it
// (llama-perplexity --kl-divergence-base FILE, then --kl-divergence): the base
// model's log-probabilities at every scored position of the llama.cpp protocol
// (windows of ctx tokens, the first replaced by BOS when the model adds one,
// positions ctx/2 .. ctx-2 predicting the next token) are stored once; a
// quantized model is then scored against them. The file is llama.cpp's own, so
// a base written by either program is read by both:
//   "_logits_", ctx (u32), vocab (i32), chunks (i32), the chunks * ctx tokens (i32),
//   then per chunk and scored position one row of nv = 2*ceil(vocab/2) + 4 uint16:
//   two floats (scale, min_log_prob) and vocab 16-bit codes, log p = scale*code + min_log_prob.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace gptqt {

class AtomicFile;
class MappedFile;

struct BaseLogitsHeader {
  int ctx = 0, vocab = 0, chunks = 0;
  std::vector<int32_t> tokens;  // chunks * ctx, as tokenized (BOS replacement happens per window)
};

int base_logits_row_u16(int vocab);    // uint16 per stored row
int base_logits_rows_per_chunk(int ctx);  // ctx - 1 - ctx/2

// One row of logits compressed as llama.cpp does: the log-probabilities between
// the maximum and 16 nats below it on a uniform 16-bit grid, anything lower at the bottom.
void encode_log_probs(const float* logits, int vocab, uint16_t* row);
// The log-probability of entry i of an encoded row.
float decode_log_prob(const uint16_t* row, int i);

// Writes a base file; nothing appears at `path` until every row has come and commit() ran.
class BaseLogitsWriter {
 public:
  BaseLogitsWriter(const std::string& path, const BaseLogitsHeader& header);
  ~BaseLogitsWriter();
  void add(const float* logits, int n_rows);  // n_rows consecutive rows of vocab logits
  void commit();                              // checks that every chunk is complete

 private:
  std::unique_ptr<AtomicFile> out_;
  int vocab_;
  int64_t rows_expected_, rows_ = 0;
  std::vector<uint16_t> buf_;
};

// Reads and checks a whole base file (mapped, not copied).
class BaseLogitsReader {
 public:
  explicit BaseLogitsReader(const std::string& path);
  ~BaseLogitsReader();
  const BaseLogitsHeader& header() const { return header_; }
  // Row r (0-based over all chunks) of the stored log-probabilities.
  const uint16_t* row(int64_t r) const;
  int64_t rows() const;

 private:
  std::unique_ptr<MappedFile> file_;
  BaseLogitsHeader header_;
  size_t rows_offset_ = 0;
};

// The statistics llama-perplexity prints after --kl-divergence.
struct KldStats {
  int64_t count = 0;
  double ppl = 0, ppl_unc = 0, ppl_base = 0, ppl_base_unc = 0, log_ppl_cor = 0;
  double log_ppl_ratio = 0, log_ppl_ratio_unc = 0, ppl_ratio = 0, ppl_ratio_unc = 0, ppl_diff = 0, ppl_diff_unc = 0;
  double kld = 0, kld_unc = 0;
  double kld_max = 0, kld_999 = 0, kld_99 = 0, kld_95 = 0, kld_90 = 0, kld_median = 0, kld_10 = 0, kld_5 = 0,
         kld_1 = 0, kld_01 = 0, kld_min = 0;
  double dp = 0, dp_unc = 0;  // probability of the right token, Q minus base (fractions, not percent)
  double dp_max = 0, dp_999 = 0, dp_99 = 0, dp_95 = 0, dp_90 = 0, dp_75 = 0, dp_median = 0, dp_25 = 0, dp_10 = 0,
         dp_5 = 0, dp_1 = 0, dp_01 = 0, dp_min = 0;
  double rms_dp = 0, rms_dp_unc = 0, same_top = 0, same_top_unc = 0;
};

// Accumulates positions of a model against base rows.
class KldAccumulator {
 public:
  explicit KldAccumulator(int vocab) : vocab_(vocab) {}
  // n positions: logits row i (vocab floats) against base_rows[i], predicting targets[i].
  void add(const float* logits, const uint16_t* const* base_rows, const int32_t* targets, int n);
  KldStats stats() const;  // needs at least 2 positions

 private:
  int vocab_;
  double sum_nll_ = 0, sum_nll2_ = 0, sum_base_ = 0, sum_base2_ = 0, sum_nll_base_ = 0;
  double sum_kld_ = 0, sum_kld2_ = 0, sum_dp_ = 0, sum_dp2_ = 0, sum_dp4_ = 0;
  int64_t same_top_ = 0;
  std::vector<float> kld_values_, dp_values_;
};

// The report in llama-perplexity's layout (its three "======" sections).
std::string format_kld_report(const KldStats& s);
nlohmann::json kld_json(const KldStats& s);

}  // namespace gptqt
