// gptqt report: eval results of several runs to a markdown table and a PNG, and one-line
// refusals with nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_util.h"

namespace gptqt::test {
namespace {

std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

TEST(Cli, ReportWritesTheTableAndThePlot) {
  const std::string dir = temp_dir(), model = fixtures_dir() + "/models/tiny-llama-256/model.gguf";
  // eval --json's output for the F16 fixture (16 bits per linear weight, counted from the
  // file; the fixture has no tokenizer to evaluate with), and lines measured elsewhere.
  write(dir + "/eval.json", "[1]250.1,[2]250.0,\n{\"model\":\"" + model + "\",\"ppl\":250.0,\"windows\":2}\n");
  write(dir + "/fp.json", "{\"label\":\"FP\",\"ppl\":200.0}\n");
  write(dir + "/llama.jsonl", "{\"label\":\"Q4_0\",\"bpw\":4.5,\"ppl\":300.0}\n");
  const CmdResult r = run_gptqt("report FP=" + dir + "/fp.json 'ours=" + dir + "/eval.json' llama.cpp=" + dir +
                                "/llama.jsonl --title t --png " + dir + "/plot.png -o " + dir + "/table.md");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string table = slurp(dir + "/table.md");
  EXPECT_NE(table.find("| FP | FP |  | 200.000 | |"), std::string::npos) << table;
  EXPECT_NE(table.find("| ours | model | 16.000 | 250.000 | +25.0% |"), std::string::npos) << table;
  EXPECT_NE(table.find("| llama.cpp | Q4_0 | 4.500 | 300.000 | +50.0% |"), std::string::npos) << table;
  EXPECT_EQ(slurp(dir + "/plot.png").substr(0, 8), "\x89PNG\r\n\x1a\n");
  // Without -o the table goes to standard output; lines may name their own series.
  write(dir + "/all.jsonl", "{\"series\":\"FP\",\"label\":\"FP\",\"ppl\":200.0}\n"
                            "{\"series\":\"llama.cpp\",\"label\":\"Q4_0\",\"bpw\":4.5,\"ppl\":300.0}\n");
  const CmdResult out = run_gptqt("report " + dir + "/all.jsonl");
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_NE(out.out.find("| llama.cpp | Q4_0 | 4.500 | 300.000 | +50.0% |"), std::string::npos) << out.out;
}

TEST(Cli, ReportRefusesBadResultsAndWritesNothing) {
  const std::string dir = temp_dir(), md = dir + "/t.md", png = dir + "/p.png";
  const std::string ok = write(dir + "/ok.jsonl", "{\"label\":\"Q4_0\",\"bpw\":4.5,\"ppl\":30.0}\n");
  const std::string outs = " -o " + md + " --png " + png;
  expect_one_line_error(run_gptqt("report " + ok + outs), "no \"series\"");
  expect_one_line_error(run_gptqt("report =" + ok + outs), "SERIES=FILE");
  expect_one_line_error(run_gptqt("report s=" + dir + "/absent.json" + outs), "cannot read");
  expect_one_line_error(run_gptqt("report s=" + write(dir + "/bad.json", "{\"ppl\":\n") + outs), "not JSON");
  expect_one_line_error(run_gptqt("report --metric kld s=" + ok + outs), "KL divergence");
  expect_one_line_error(run_gptqt("report FP=" + ok + outs), "no point with bits per weight");
  EXPECT_FALSE(std::filesystem::exists(md));
  EXPECT_FALSE(std::filesystem::exists(png));
}

}  // namespace
}  // namespace gptqt::test
