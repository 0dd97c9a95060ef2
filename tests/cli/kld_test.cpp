// gptqt eval --kld-base / --kld: llama.cpp's KL-divergence files through the command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "cli_util.h"
#include "eval/kl_divergence.h"

namespace gptqt::test {
namespace {

// The fixture's statistics came from an independent writer and scorer
// (scripts/fixtures/make_kld_fixtures.py: transformers' forward pass, the
// format written from its description, float64 statistics).
TEST(Cli, KlDivergenceMatchesAnIndependentScorer) {
  if (!file_exists(stories())) GTEST_SKIP() << stories() << " absent";
  const std::string base = fixtures_dir() + "/kld/stories260K-noisy.kld";
  const nlohmann::json want = nlohmann::json::parse(slurp(fixtures_dir() + "/kld/stories260K-noisy.json"));
  const CmdResult r = run_gptqt("eval -m " + stories() + " --kld " + base + " --json -t 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("====== KL divergence statistics ======"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Same top p:"), std::string::npos) << r.out;
  const nlohmann::json got = last_json_line(r.out)["kld"];
  EXPECT_EQ(got["positions"], want["positions"]);
  // Our fp32 forward and transformers' differ by about 1e-6 of a logit; the
  // statistics move by far less than these tolerances, which the file's own
  // 16-bit steps (2.4e-4 nats) already exceed.
  for (const char* k : {"ppl", "ppl_base", "kld", "rms_dp"})
    EXPECT_NEAR(got[k].get<double>(), want[k].get<double>(), 1e-4 * want[k].get<double>()) << k;
  for (const char* k : {"log_ppl_ratio", "dp", "kld_unc", "dp_unc", "log_ppl_ratio_unc"})
    EXPECT_NEAR(got[k].get<double>(), want[k].get<double>(), 1e-5) << k;
  for (const auto& [k, v] : want["kld_percentiles"].items())
    EXPECT_NEAR(got["kld_percentiles"][k].get<double>(), v.get<double>(), 1e-4 * (1 + v.get<double>())) << k;
  for (const auto& [k, v] : want["dp_percentiles"].items())
    EXPECT_NEAR(got["dp_percentiles"][k].get<double>(), v.get<double>(), 1e-5) << k;
  EXPECT_DOUBLE_EQ(got["same_top"].get<double>(), want["same_top"].get<double>());
  EXPECT_GT(want["kld"].get<double>(), 0.05) << "the fixture's base is a different distribution";
}

TEST(Cli, KlDivergenceBaseWrittenByUsReadsBack) {
  if (!file_exists(stories())) GTEST_SKIP() << stories() << " absent";
  const std::string dir = temp_dir(), base = dir + "/base.kld";
  CmdResult r = run_gptqt("eval -m " + stories() + " --text tinystories --max-windows 3 --kld-base " + base +
                          " --json -t 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json written = last_json_line(r.out);
  EXPECT_EQ(written["protocol"], "llamacpp") << "the base file is llama.cpp's protocol";
  EXPECT_EQ(written["windows"], 3);
  const BaseLogitsReader reader(base);
  EXPECT_EQ(reader.header().ctx, 512);
  EXPECT_EQ(reader.header().chunks, 3);

  r = run_gptqt("eval -m " + stories() + " --kld " + base + " --json -t 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json self = last_json_line(r.out);
  EXPECT_DOUBLE_EQ(self["ppl"].get<double>(), written["ppl"].get<double>()) << "the same windows, the same model";
  EXPECT_LT(std::abs(self["kld"]["kld"].get<double>()), 1e-5);
  EXPECT_DOUBLE_EQ(self["kld"]["same_top"].get<double>(), 1.0);
  EXPECT_EQ(self["kld"]["positions"], 3 * 255);

  const std::string q = dir + "/q2";
  ASSERT_EQ(run_gptqt("quantize -m " + stories() + " --method rtn --bits 2 --group-size 64 -o " + q).code, 0);
  r = run_gptqt("eval -m " + q + " --kld " + base + " --json -t 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json k = last_json_line(r.out)["kld"];
  EXPECT_GT(k["kld"].get<double>(), 0.05) << "2-bit weights move the distribution";
  EXPECT_LT(k["same_top"].get<double>(), 1.0);
  EXPECT_NEAR(k["ppl_base"].get<double>(), written["ppl"].get<double>(), 1e-3 * written["ppl"].get<double>());

  expect_one_line_error(run_gptqt("eval -m " + q + " --kld " + base + " --protocol gptq"), "gptq protocol");
  expect_one_line_error(run_gptqt("eval -m " + q + " --kld " + base + " --text tinystories"), "a text");
  expect_one_line_error(run_gptqt("eval -m " + q + " --kld " + base + " --ctx 256"), "another ctx");
  expect_one_line_error(run_gptqt("eval -m " + q + " --kld " + base + " --kld-base " + dir + "/x.kld"), "both");
  expect_one_line_error(run_gptqt("eval -m " + q + " --kld-base " + base + " --text tinystories"), "existing file");
  EXPECT_TRUE(BaseLogitsReader(base).header().chunks == 3) << "the existing base is left as it was";
  {
    BaseLogitsHeader h{8, 7, 1, std::vector<int32_t>(8, 1)};
    BaseLogitsWriter w(dir + "/vocab7.kld", h);
    const std::vector<float> logits(size_t(base_logits_rows_per_chunk(8)) * 7, 0.f);
    w.add(logits.data(), base_logits_rows_per_chunk(8));
    w.commit();
  }
  expect_one_line_error(run_gptqt("eval -m " + q + " --kld " + dir + "/vocab7.kld"), "another vocabulary");
  std::ofstream(dir + "/junk.kld") << "not logits";
  expect_one_line_error(run_gptqt("eval -m " + q + " --kld " + dir + "/junk.kld"), "not a base file");
}

}  // namespace
}  // namespace gptqt::test
