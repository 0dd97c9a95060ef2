// llama.cpp's base-logits files and KL-divergence statistics (eval/kl_divergence.h):
// the 16-bit rows against exact log-softmax, the divergence against its exact value,
// the statistics against a direct computation, and refusals of bad files.
#include "eval/kl_divergence.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "core/error.h"
#include "test_paths.h"

namespace gptqt {
namespace {

std::vector<float> random_logits(int rows, int vocab, float spread, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, spread);
  std::vector<float> v(size_t(rows) * vocab);
  for (float& x : v) x = d(rng);
  return v;
}

std::vector<double> exact_log_softmax(const float* x, int n) {
  const double m = *std::max_element(x, x + n);
  double s = 0;
  for (int i = 0; i < n; ++i) s += std::exp(x[i] - m);
  std::vector<double> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out[i] = x[i] - m - std::log(s);
  return out;
}

std::vector<uint16_t> encode(const float* logits, int vocab) {
  std::vector<uint16_t> row(size_t(base_logits_row_u16(vocab)), 0xFFFF);
  encode_log_probs(logits, vocab, row.data());
  return row;
}

TEST(KlDivergence, RowsHoldLogSoftmaxToHalfAStep) {
  for (int vocab : {7, 512, 1001}) {
    const std::vector<float> lg = random_logits(1, vocab, 4.f, vocab);
    const std::vector<uint16_t> row = encode(lg.data(), vocab);
    ASSERT_EQ(row.size(), size_t(2 * ((vocab + 1) / 2) + 4));
    if (vocab % 2) {
      EXPECT_EQ(row.back(), 0) << "the padding code";
    }
    const std::vector<double> exact = exact_log_softmax(lg.data(), vocab);
    const double top = *std::max_element(exact.begin(), exact.end());
    float scale;
    std::memcpy(&scale, row.data(), 4);
    const double range = top - std::max(*std::min_element(exact.begin(), exact.end()), top - 16.0);
    EXPECT_NEAR(scale, range / 65535, 1e-6 * range);
    for (int i = 0; i < vocab; ++i) {
      const double got = decode_log_prob(row.data(), i);
      if (exact[i] >= top - 16) {
        EXPECT_NEAR(got, exact[i], 0.5 * scale + 2e-5) << "vocab " << vocab << " entry " << i;
      } else {
        EXPECT_NEAR(got, top - 16, 2e-5) << "below the 16-nat range: stored at the bottom";
      }
    }
  }
}

TEST(KlDivergence, AFlatRowHasScaleZero) {
  const std::vector<float> lg(10, 3.f);
  const std::vector<uint16_t> row = encode(lg.data(), 10);
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(decode_log_prob(row.data(), i), -std::log(10.0), 1e-6);
}

TEST(KlDivergence, DivergenceOfAModelWithItselfIsZeroAndOfAnotherIsExact) {
  const int vocab = 300, n = 40;
  const std::vector<float> base = random_logits(n, vocab, 3.f, 1);
  std::vector<float> other = base;
  std::mt19937 rng(2);
  std::normal_distribution<float> noise(0.f, 0.5f);
  for (float& x : other) x += noise(rng);
  std::vector<std::vector<uint16_t>> rows;
  std::vector<const uint16_t*> ptrs;
  std::vector<int32_t> targets;
  for (int r = 0; r < n; ++r) {
    rows.push_back(encode(base.data() + size_t(r) * vocab, vocab));
    targets.push_back(int32_t((r * 37) % vocab));
  }
  for (const auto& r : rows) ptrs.push_back(r.data());

  KldAccumulator same(vocab);
  same.add(base.data(), ptrs.data(), targets.data(), n);
  const KldStats s0 = same.stats();
  EXPECT_LT(std::abs(s0.kld), 1e-5);
  EXPECT_DOUBLE_EQ(s0.same_top, 1.0);
  EXPECT_NEAR(s0.ppl_ratio, 1.0, 16.0 / 65535);  // half a 16-bit step of a 16-nat range, at most

  KldAccumulator diff(vocab);
  diff.add(other.data(), ptrs.data(), targets.data(), n / 2);  // in two calls: the order is what counts
  diff.add(other.data() + size_t(n / 2) * vocab, ptrs.data() + n / 2, targets.data() + n / 2, n - n / 2);
  const KldStats s = diff.stats();
  double kl = 0, nll = 0, nll_base = 0;
  std::vector<double> per;
  int same_top = 0;
  for (int r = 0; r < n; ++r) {
    const std::vector<double> p = exact_log_softmax(base.data() + size_t(r) * vocab, vocab);
    const std::vector<double> q = exact_log_softmax(other.data() + size_t(r) * vocab, vocab);
    double k = 0;
    for (int i = 0; i < vocab; ++i) k += std::exp(p[i]) * (p[i] - q[i]);
    per.push_back(k);
    kl += k / n;
    nll += -q[targets[r]] / n;
    nll_base += -p[targets[r]] / n;
    same_top += std::max_element(p.begin(), p.end()) - p.begin() == std::max_element(q.begin(), q.end()) - q.begin();
  }
  EXPECT_GT(kl, 0.05);
  EXPECT_NEAR(s.kld, kl, 1e-3 * kl);
  EXPECT_NEAR(std::log(s.ppl), nll, 1e-5);
  EXPECT_NEAR(std::log(s.ppl_base), nll_base, 1e-4);
  EXPECT_NEAR(s.log_ppl_ratio, nll - nll_base, 1e-4);
  EXPECT_DOUBLE_EQ(s.same_top, double(same_top) / n);
  std::sort(per.begin(), per.end());
  EXPECT_NEAR(s.kld_max, per.back(), 1e-3 * per.back());
  EXPECT_NEAR(s.kld_min, per.front(), 1e-3);
  EXPECT_NEAR(s.kld_median, 0.5 * (per[n / 2] + per[n / 2 - 1]), 1e-3 * per[n / 2]);
  // 90th percentile: linear interpolation between order statistics.
  const double p90 = 0.9 * (n - 1), t = p90 - std::floor(p90);
  EXPECT_NEAR(s.kld_90, (1 - t) * per[size_t(p90)] + t * per[size_t(p90) + 1], 1e-3 * per[size_t(p90)]);
  const double mean_sq = [&] {
    double a = 0;
    for (double v : per) a += v * v;
    return a / n;
  }();
  EXPECT_NEAR(s.kld_unc, std::sqrt((mean_sq - kl * kl) / (n - 1)), 1e-3 * s.kld_unc);
}

std::string temp_file(const std::string& name) { return test::temp_dir() + "/" + name; }

BaseLogitsHeader small_header(int ctx, int vocab, int chunks) {
  BaseLogitsHeader h{ctx, vocab, chunks, {}};
  for (int i = 0; i < ctx * chunks; ++i) h.tokens.push_back(i % vocab);
  return h;
}

TEST(KlDivergence, WrittenFilesReadBackAndAnUnfinishedOneNeverAppears) {
  const int ctx = 8, vocab = 5, chunks = 2, rows = chunks * base_logits_rows_per_chunk(ctx);
  ASSERT_EQ(base_logits_rows_per_chunk(ctx), 3);
  const std::string path = temp_file("b.kld");
  const std::vector<float> lg = random_logits(rows, vocab, 2.f, 3);
  {
    BaseLogitsWriter w(path, small_header(ctx, vocab, chunks));
    w.add(lg.data(), 4);
    w.add(lg.data() + 4 * vocab, rows - 4);
    w.commit();
  }
  const BaseLogitsReader r(path);
  EXPECT_EQ(r.header().ctx, ctx);
  EXPECT_EQ(r.header().vocab, vocab);
  EXPECT_EQ(r.header().chunks, chunks);
  EXPECT_EQ(r.header().tokens, small_header(ctx, vocab, chunks).tokens);
  ASSERT_EQ(r.rows(), rows);
  for (int i = 0; i < rows; ++i) {
    const std::vector<uint16_t> want = encode(lg.data() + size_t(i) * vocab, vocab);
    EXPECT_EQ(std::memcmp(r.row(i), want.data(), want.size() * 2), 0) << "row " << i;
  }
  EXPECT_EQ(std::filesystem::file_size(path), 20u + 4u * ctx * chunks + 2u * rows * base_logits_row_u16(vocab));

  const std::string unfinished = temp_file("unfinished.kld");
  {
    BaseLogitsWriter w(unfinished, small_header(ctx, vocab, chunks));
    w.add(lg.data(), rows - 1);
    EXPECT_THROW(w.commit(), Error);
    EXPECT_THROW(w.add(lg.data(), 2), Error) << "more rows than the header announces";
  }
  EXPECT_FALSE(std::filesystem::exists(unfinished));
}

TEST(KlDivergence, BadFilesAreRefusedInOneLine) {
  const int ctx = 8, vocab = 5, chunks = 1, rows = base_logits_rows_per_chunk(ctx);
  const std::string good = temp_file("good.kld");
  const std::vector<float> lg = random_logits(rows, vocab, 2.f, 4);
  {
    BaseLogitsWriter w(good, small_header(ctx, vocab, chunks));
    w.add(lg.data(), rows);
    w.commit();
  }
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto expect_refused = [&](std::string b, const std::string& what, const std::string& words) {
    const std::string p = temp_file("bad.kld");
    std::ofstream(p, std::ios::binary).write(b.data(), std::streamsize(b.size()));
    try {
      BaseLogitsReader r(p);
      ADD_FAILURE() << what << ": accepted";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(words), std::string::npos) << what << ": " << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << what << ": " << m;
    }
  };
  std::string b = bytes;
  b[0] = 'x';
  expect_refused(b, "magic", "not a base-logits file");
  expect_refused(bytes.substr(0, 12), "header cut", "not a base-logits file");
  expect_refused(bytes.substr(0, bytes.size() - 2), "a row cut", "truncated");
  expect_refused(bytes + "xx", "bytes after the rows", "truncated");
  b = bytes;
  const int32_t huge_vocab = 1 << 30;
  std::memcpy(&b[12], &huge_vocab, 4);
  expect_refused(b, "vocabulary", "vocabulary");
  b = bytes;
  const int32_t bad_token = vocab;
  std::memcpy(&b[20 + 4 * 3], &bad_token, 4);
  expect_refused(b, "token", "outside the vocabulary");
  b = bytes;
  const float nan = std::nanf("");
  std::memcpy(&b[20 + 4 * ctx], &nan, 4);
  expect_refused(b, "scale", "no softmax gives");
  EXPECT_THROW(BaseLogitsReader(temp_file("absent.kld")), Error);
}

}  // namespace
}  // namespace gptqt
