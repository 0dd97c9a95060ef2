#include "eval/kl_divergence.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mapped_file.h"

namespace gptqt {

namespace {

constexpr char kMagic[8] = {'_', 'l', 'o', 'g', 'i', 't', 's', '_'};
constexpr size_t kHeaderBytes = 8 + 3 * 4;  // magic, ctx, vocab, chunks
// Log-probabilities more than this far below the row's maximum are stored as the
// bottom code and left out of the divergence sum (llama.cpp's cut, kept so that
// figures from either program mean the same).
constexpr float kRange = 16.f;

float row_float(const uint16_t* row, int k) {
  float v;
  std::memcpy(&v, row + 2 * k, sizeof v);
  return v;
}

}  // namespace

int base_logits_row_u16(int vocab) { return 2 * ((vocab + 1) / 2) + 4; }
int base_logits_rows_per_chunk(int ctx) { return ctx - 1 - ctx / 2; }

void encode_log_probs(const float* logits, int vocab, uint16_t* row) {
  float max_logit = logits[0], min_logit = logits[0];
  for (int i = 1; i < vocab; ++i) {
    max_logit = std::max(max_logit, logits[i]);
    min_logit = std::min(min_logit, logits[i]);
  }
  min_logit = std::max(min_logit, max_logit - kRange);
  double sum_exp = 0;
  for (int i = 0; i < vocab; ++i) sum_exp += std::exp(logits[i] - max_logit);
  const float log_sum_exp = float(std::log(sum_exp));
  const float min_log_prob = min_logit - max_logit - log_sum_exp;
  const float scale = (max_logit - min_logit) / 65535.f;
  std::memcpy(row, &scale, sizeof scale);
  std::memcpy(row + 2, &min_log_prob, sizeof min_log_prob);
  uint16_t* codes = row + 4;
  std::fill(codes, codes + (base_logits_row_u16(vocab) - 4), uint16_t(0));
  if (scale == 0) return;
  const float inv_scale = 1 / scale;
  for (int i = 0; i < vocab; ++i)
    if (logits[i] > min_logit) codes[i] = uint16_t(std::lrint(std::min(65535.f, inv_scale * (logits[i] - min_logit))));
}

float decode_log_prob(const uint16_t* row, int i) { return row_float(row, 0) * row[4 + i] + row_float(row, 1); }

// ---- writing ----

BaseLogitsWriter::BaseLogitsWriter(const std::string& path, const BaseLogitsHeader& h)
    : out_(std::make_unique<AtomicFile>(path)),
      vocab_(h.vocab),
      rows_expected_(int64_t(h.chunks) * base_logits_rows_per_chunk(h.ctx)),
      buf_(size_t(base_logits_row_u16(h.vocab))) {
  GPTQT_CHECK(h.ctx >= 3 && h.vocab > 0 && h.chunks > 0 && h.tokens.size() == size_t(h.ctx) * size_t(h.chunks),
              "{}: inconsistent base-logits header (ctx {}, vocab {}, {} chunks, {} tokens)", path, h.ctx, h.vocab,
              h.chunks, h.tokens.size());
  const uint32_t ctx = uint32_t(h.ctx);
  const int32_t vocab = h.vocab, chunks = h.chunks;
  out_->write(kMagic, sizeof kMagic);
  out_->write(&ctx, 4);
  out_->write(&vocab, 4);
  out_->write(&chunks, 4);
  out_->write(h.tokens.data(), h.tokens.size() * sizeof(int32_t));
}

BaseLogitsWriter::~BaseLogitsWriter() = default;

void BaseLogitsWriter::add(const float* logits, int n_rows) {
  GPTQT_CHECK(rows_ + n_rows <= rows_expected_, "base logits: {} rows given for a file of {}", rows_ + n_rows,
              rows_expected_);
  for (int r = 0; r < n_rows; ++r) {
    encode_log_probs(logits + size_t(r) * vocab_, vocab_, buf_.data());
    out_->write(buf_.data(), buf_.size() * sizeof(uint16_t));
  }
  rows_ += n_rows;
}

void BaseLogitsWriter::commit() {
  GPTQT_CHECK(rows_ == rows_expected_, "base logits: {} rows written of {}", rows_, rows_expected_);
  out_->commit();
}

// ---- reading ----

BaseLogitsReader::BaseLogitsReader(const std::string& path) : file_(std::make_unique<MappedFile>(path)) {
  const uint8_t* p = file_->data();
  const size_t size = file_->size();
  GPTQT_CHECK(size >= kHeaderBytes && std::memcmp(p, kMagic, sizeof kMagic) == 0,
              "{}: not a base-logits file (llama-perplexity --kl-divergence-base or gptqt eval --kld-base writes one)",
              path);
  uint32_t ctx;
  int32_t vocab, chunks;
  std::memcpy(&ctx, p + 8, 4);
  std::memcpy(&vocab, p + 12, 4);
  std::memcpy(&chunks, p + 16, 4);
  GPTQT_CHECK(ctx >= 3 && ctx <= (1u << 24), "{}: context {} in the header is out of range (3 .. 2^24)", path, ctx);
  GPTQT_CHECK(vocab > 0 && vocab <= (1 << 24), "{}: vocabulary {} in the header is out of range", path, vocab);
  GPTQT_CHECK(chunks > 0 && chunks <= (1 << 24), "{}: chunk count {} in the header is out of range", path, chunks);
  header_.ctx = int(ctx);
  header_.vocab = vocab;
  header_.chunks = chunks;
  const size_t n_tokens = size_t(ctx) * size_t(chunks);
  rows_offset_ = kHeaderBytes + n_tokens * 4;
  const size_t row_bytes = size_t(base_logits_row_u16(vocab)) * 2;
  const size_t expected = rows_offset_ + size_t(rows()) * row_bytes;
  GPTQT_CHECK(size == expected,
              "{}: {} bytes where ctx {}, vocabulary {} and {} chunks make {} (a truncated or foreign file)", path,
              size, ctx, vocab, chunks, expected);
  header_.tokens.resize(n_tokens);
  std::memcpy(header_.tokens.data(), p + kHeaderBytes, n_tokens * 4);
  for (size_t i = 0; i < n_tokens; ++i)
    GPTQT_CHECK(header_.tokens[i] >= 0 && header_.tokens[i] < vocab, "{}: token {} at position {} is outside the "
                "vocabulary of {}", path, header_.tokens[i], i, vocab);
  for (int64_t r = 0; r < rows(); ++r) {
    const float scale = row_float(row(r), 0), min_log_prob = row_float(row(r), 1);
    GPTQT_CHECK(std::isfinite(scale) && scale >= 0 && std::isfinite(min_log_prob) && min_log_prob <= 0,
                "{}: row {} has scale {} and minimum log-probability {}, which no softmax gives", path, r, scale,
                min_log_prob);
  }
}

BaseLogitsReader::~BaseLogitsReader() = default;

int64_t BaseLogitsReader::rows() const {
  return int64_t(header_.chunks) * base_logits_rows_per_chunk(header_.ctx);
}

const uint16_t* BaseLogitsReader::row(int64_t r) const {
  return reinterpret_cast<const uint16_t*>(file_->data() + rows_offset_) + r * base_logits_row_u16(header_.vocab);
}

// ---- statistics ----

namespace {

struct Position {
  double nll, nll_base, kld, dp;
  bool same_top;
};

Position score(const float* logits, int vocab, const uint16_t* base, int target) {
  int imax = 0;
  for (int i = 1; i < vocab; ++i)
    if (logits[i] > logits[imax]) imax = i;
  const float max_logit = logits[imax];
  double sum_exp = 0;
  for (int i = 0; i < vocab; ++i) sum_exp += std::exp(logits[i] - max_logit);
  const double log_z = max_logit + std::log(sum_exp);  // log q_i = logits[i] - log_z
  Position p;
  p.nll = log_z - logits[target];
  p.nll_base = -double(decode_log_prob(base, target));
  double kld = 0;
  int imax_base = 0;
  float best = decode_log_prob(base, 0);
  for (int i = 0; i < vocab; ++i) {
    const float lp = decode_log_prob(base, i);
    if (lp > best) best = lp, imax_base = i;
    if (lp > -kRange) kld += std::exp(double(lp)) * (lp - (logits[i] - log_z));
  }
  p.kld = kld;
  p.dp = std::exp(-p.nll) - std::exp(-p.nll_base);
  p.same_top = imax == imax_base;
  return p;
}

// Mean and its standard error, as llama-perplexity computes them (no error below 11 values).
std::pair<double, double> mean_and_error(double sum, double sum2, int64_t n) {
  const double f = sum / double(n), var = sum2 / double(n) - f * f;
  return {f, var > 0 && n > 10 ? std::sqrt(var / double(n - 1)) : 0.0};
}

double percentile(const std::vector<float>& sorted, double fraction) {
  const double p = fraction * double(sorted.size() - 1);
  const size_t i = size_t(p);
  const double t = p - double(i);
  return (1 - t) * sorted[i] + t * sorted[std::min(i + 1, sorted.size() - 1)];
}

double median(const std::vector<float>& sorted) {
  const size_t n = sorted.size();
  return n % 2 ? sorted[n / 2] : 0.5 * (double(sorted[n / 2]) + sorted[n / 2 - 1]);
}

}  // namespace

void KldAccumulator::add(const float* logits, const uint16_t* const* base_rows, const int32_t* targets, int n) {
  std::vector<Position> pos(static_cast<size_t>(n));
#pragma omp parallel for schedule(static) if (int64_t(n) * vocab_ > (int64_t(1) << 16))
  for (int i = 0; i < n; ++i) pos[i] = score(logits + size_t(i) * vocab_, vocab_, base_rows[i], targets[i]);
  for (const Position& p : pos) {  // in order: the sums do not depend on the thread count
    sum_nll_ += p.nll, sum_nll2_ += p.nll * p.nll;
    sum_base_ += p.nll_base, sum_base2_ += p.nll_base * p.nll_base, sum_nll_base_ += p.nll * p.nll_base;
    sum_kld_ += p.kld, sum_kld2_ += p.kld * p.kld;
    const double dp2 = p.dp * p.dp;
    sum_dp_ += p.dp, sum_dp2_ += dp2, sum_dp4_ += dp2 * dp2;
    same_top_ += p.same_top;
    kld_values_.push_back(float(p.kld));
    dp_values_.push_back(float(p.dp));
  }
}

KldStats KldAccumulator::stats() const {
  KldStats s;
  const int64_t n = int64_t(kld_values_.size());
  GPTQT_CHECK(n >= 2, "KL divergence over {} positions: at least 2 are needed", n);
  s.count = n;
  const auto log_ppl = mean_and_error(sum_nll_, sum_nll2_, n), log_base = mean_and_error(sum_base_, sum_base2_, n);
  s.ppl = std::exp(log_ppl.first), s.ppl_unc = s.ppl * log_ppl.second;
  s.ppl_base = std::exp(log_base.first), s.ppl_base_unc = s.ppl_base * log_base.second;
  const double cov = n < 10 ? 0 : (sum_nll_base_ / n - (sum_nll_ / n) * (sum_base_ / n)) / double(n - 1);
  const double err_product = log_ppl.second * log_base.second;
  s.log_ppl_cor = err_product > 0 ? cov / err_product : 0;
  s.log_ppl_ratio = log_ppl.first - log_base.first;
  s.log_ppl_ratio_unc =
      std::sqrt(std::max(0.0, log_ppl.second * log_ppl.second + log_base.second * log_base.second - 2 * cov));
  s.ppl_ratio = std::exp(s.log_ppl_ratio), s.ppl_ratio_unc = s.ppl_ratio * s.log_ppl_ratio_unc;
  s.ppl_diff = s.ppl - s.ppl_base;
  s.ppl_diff_unc = std::sqrt(std::max(
      0.0, s.ppl_unc * s.ppl_unc + s.ppl_base_unc * s.ppl_base_unc - 2 * s.ppl * s.ppl_base * cov));

  std::vector<float> kld = kld_values_, dp = dp_values_;
  std::sort(kld.begin(), kld.end());
  std::sort(dp.begin(), dp.end());
  std::tie(s.kld, s.kld_unc) = mean_and_error(sum_kld_, sum_kld2_, n);
  s.kld_max = kld.back(), s.kld_999 = percentile(kld, 0.999), s.kld_99 = percentile(kld, 0.99);
  s.kld_95 = percentile(kld, 0.95), s.kld_90 = percentile(kld, 0.90), s.kld_median = median(kld);
  s.kld_10 = percentile(kld, 0.10), s.kld_5 = percentile(kld, 0.05), s.kld_1 = percentile(kld, 0.01);
  s.kld_01 = percentile(kld, 0.001), s.kld_min = kld.front();

  std::tie(s.dp, s.dp_unc) = mean_and_error(sum_dp_, sum_dp2_, n);
  s.dp_max = dp.back(), s.dp_999 = percentile(dp, 0.999), s.dp_99 = percentile(dp, 0.99);
  s.dp_95 = percentile(dp, 0.95), s.dp_90 = percentile(dp, 0.90), s.dp_75 = percentile(dp, 0.75);
  s.dp_median = median(dp), s.dp_25 = percentile(dp, 0.25), s.dp_10 = percentile(dp, 0.10);
  s.dp_5 = percentile(dp, 0.05), s.dp_1 = percentile(dp, 0.01), s.dp_01 = percentile(dp, 0.001);
  s.dp_min = dp.front();
  const auto mse = mean_and_error(sum_dp2_, sum_dp4_, n);
  s.rms_dp = std::sqrt(mse.first), s.rms_dp_unc = s.rms_dp > 0 ? 0.5 / s.rms_dp * mse.second : 0;
  s.same_top = double(same_top_) / double(n);
  s.same_top_unc = std::sqrt(s.same_top * (1 - s.same_top) / double(n - 1));
  return s;
}

std::string format_kld_report(const KldStats& s) {
  std::string r = "====== Perplexity statistics ======\n";
  r += fmt::format("Mean PPL(Q)                   : {:10.6f} ± {:10.6f}\n", s.ppl, s.ppl_unc);
  r += fmt::format("Mean PPL(base)                : {:10.6f} ± {:10.6f}\n", s.ppl_base, s.ppl_base_unc);
  r += fmt::format("Cor(ln(PPL(Q)), ln(PPL(base))): {:6.2f}%\n", 100 * s.log_ppl_cor);
  r += fmt::format("Mean ln(PPL(Q)/PPL(base))     : {:10.6f} ± {:10.6f}\n", s.log_ppl_ratio, s.log_ppl_ratio_unc);
  r += fmt::format("Mean PPL(Q)/PPL(base)         : {:10.6f} ± {:10.6f}\n", s.ppl_ratio, s.ppl_ratio_unc);
  r += fmt::format("Mean PPL(Q)-PPL(base)         : {:10.6f} ± {:10.6f}\n\n", s.ppl_diff, s.ppl_diff_unc);
  r += "====== KL divergence statistics ======\n";
  r += fmt::format("Mean    KLD: {:10.6f} ± {:10.6f}\n", s.kld, s.kld_unc);
  const std::pair<const char*, double> kld_rows[] = {
      {"Maximum KLD", s.kld_max}, {"99.9%   KLD", s.kld_999}, {"99.0%   KLD", s.kld_99}, {"95.0%   KLD", s.kld_95},
      {"90.0%   KLD", s.kld_90},  {"Median  KLD", s.kld_median}, {"10.0%   KLD", s.kld_10}, {" 5.0%   KLD", s.kld_5},
      {" 1.0%   KLD", s.kld_1},   {" 0.1%   KLD", s.kld_01},  {"Minimum KLD", s.kld_min}};
  for (const auto& [name, v] : kld_rows) r += fmt::format("{}: {:10.6f}\n", name, v);
  r += "\n====== Token probability statistics ======\n";
  r += fmt::format("Mean    Δp: {:6.3f} ± {:5.3f} %\n", 100 * s.dp, 100 * s.dp_unc);
  const std::pair<const char*, double> dp_rows[] = {
      {"Maximum Δp", s.dp_max}, {"99.9%   Δp", s.dp_999}, {"99.0%   Δp", s.dp_99},    {"95.0%   Δp", s.dp_95},
      {"90.0%   Δp", s.dp_90},  {"75.0%   Δp", s.dp_75},  {"Median  Δp", s.dp_median}, {"25.0%   Δp", s.dp_25},
      {"10.0%   Δp", s.dp_10},  {" 5.0%   Δp", s.dp_5},   {" 1.0%   Δp", s.dp_1},      {" 0.1%   Δp", s.dp_01},
      {"Minimum Δp", s.dp_min}};
  for (const auto& [name, v] : dp_rows) r += fmt::format("{}: {:6.3f}%\n", name, 100 * v);
  r += fmt::format("RMS Δp    : {:6.3f} ± {:5.3f} %\n", 100 * s.rms_dp, 100 * s.rms_dp_unc);
  r += fmt::format("Same top p: {:6.3f} ± {:5.3f} %\n", 100 * s.same_top, 100 * s.same_top_unc);
  return r;
}

nlohmann::json kld_json(const KldStats& s) {
  return {{"positions", s.count},
          {"ppl", s.ppl},
          {"ppl_unc", s.ppl_unc},
          {"ppl_base", s.ppl_base},
          {"ppl_base_unc", s.ppl_base_unc},
          {"log_ppl_cor", s.log_ppl_cor},
          {"log_ppl_ratio", s.log_ppl_ratio},
          {"log_ppl_ratio_unc", s.log_ppl_ratio_unc},
          {"ppl_ratio", s.ppl_ratio},
          {"ppl_ratio_unc", s.ppl_ratio_unc},
          {"ppl_diff", s.ppl_diff},
          {"ppl_diff_unc", s.ppl_diff_unc},
          {"kld", s.kld},
          {"kld_unc", s.kld_unc},
          {"kld_percentiles",
           {{"max", s.kld_max}, {"99.9", s.kld_999}, {"99", s.kld_99}, {"95", s.kld_95}, {"90", s.kld_90},
            {"50", s.kld_median}, {"10", s.kld_10}, {"5", s.kld_5}, {"1", s.kld_1}, {"0.1", s.kld_01},
            {"min", s.kld_min}}},
          {"dp", s.dp},
          {"dp_unc", s.dp_unc},
          {"dp_percentiles",
           {{"max", s.dp_max}, {"99.9", s.dp_999}, {"99", s.dp_99}, {"95", s.dp_95}, {"90", s.dp_90},
            {"75", s.dp_75}, {"50", s.dp_median}, {"25", s.dp_25}, {"10", s.dp_10}, {"5", s.dp_5}, {"1", s.dp_1},
            {"0.1", s.dp_01}, {"min", s.dp_min}}},
          {"rms_dp", s.rms_dp},
          {"rms_dp_unc", s.rms_dp_unc},
          {"same_top", s.same_top},
          {"same_top_unc", s.same_top_unc}};
}

}  // namespace gptqt
