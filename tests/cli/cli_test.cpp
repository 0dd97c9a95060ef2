// The `gptqt` command end to end: bad input gives one line on stderr and exit
// code 1; eval prints its JSON; quantize writes a packed model that eval reads;
// an interrupted quantization resumes to a bit-identical result.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_util.h"
#include "core/cpu_features.h"
#include "core/median.h"
#include "kernels/read_bandwidth.h"
#include "model/packed_ops.h"

using namespace gptqt::test;

TEST(Cli, BadInputGivesOneLineErrors) {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/empty.txt").close();
  std::ofstream(dir + "/blank.txt") << "  \n\n";
  std::ofstream(dir + "/bad.gguf") << "GGUF\x03\0\0\0garbage";
  std::ofstream(dir + "/text.txt") << "Once upon a time there was a tiny model.";
  if (file_exists(stories())) {
    expect_one_line_error(run_gptqt("eval -m " + stories() + " --text " + dir + "/empty.txt"), "empty text");
    expect_one_line_error(run_gptqt("eval -m " + stories() + " --text " + dir + "/blank.txt"), "blank text");
    expect_one_line_error(run_gptqt("eval -m " + stories() + " --text " + dir + "/missing.txt"), "missing text");
    expect_one_line_error(run_gptqt("eval -m " + stories() + " --text " + dir + "/text.txt --ctx 4096"),
                          "text shorter than a window");
    expect_one_line_error(run_gptqt("quantize -m " + stories() + " --method gptq --calib " + dir + "/empty.txt -o " + dir +
                                "/q"),
                          "empty calibration text");
  }
  expect_one_line_error(run_gptqt("eval -m " + dir + "/bad.gguf --text " + dir + "/text.txt"), "corrupt GGUF");
  expect_one_line_error(run_gptqt("eval -m " + dir + "/nope.gguf --text " + dir + "/text.txt"), "missing model");
  CmdResult usage = run_gptqt("eval --text x");
  EXPECT_NE(usage.code, 0);
}

TEST(Cli, EvalPrintsJsonLast) {
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  CmdResult r = run_gptqt("eval -m " + stories() + " --text tinystories --ctx 256 --max-windows 3 --json --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = last_json_line(r.out);
  for (const char* k : {"ppl", "ppl_stderr", "tokens", "windows", "protocol", "ctx", "seconds"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["windows"], 3);
  EXPECT_EQ(j["ctx"], 256);
  EXPECT_EQ(j["protocol"], "gptq");
  EXPECT_GT(j["ppl"].get<double>(), 1.0);
  EXPECT_LT(j["ppl"].get<double>(), 20.0);  // stories260K on its own domain is near 6
  EXPECT_NE(r.out.find("Final estimate: PPL = "), std::string::npos);
  EXPECT_NE(r.err.find("perplexity"), std::string::npos);  // progress on stderr
}

TEST(Cli, BenchRefusesABadVnniSwitch) {
  setenv("GPTQT_VNNI", "yes", 1);  // inherited by the child
  const CmdResult r = run_gptqt("bench -m " + stories() + " -p 0 -n 4 -r 1");
  unsetenv("GPTQT_VNNI");
  expect_one_line_error(r, "GPTQT_VNNI=yes");
  EXPECT_NE(r.err.find("GPTQT_VNNI=yes: expected 0 or 1"), std::string::npos) << r.err;
}

// bench -d: each test also after D tokens of context, named as llama-bench names it.
TEST(Cli, BenchRunsAtEveryDepth) {
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  CmdResult r = run_gptqt("bench -m " + stories() + " -p 8 -n 4 -d 0,16 -r 3 --json --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json rows = nlohmann::json::parse(r.out);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  std::vector<std::string> tests;
  for (const auto& row : rows) {
    tests.push_back(row["test"].get<std::string>());
    EXPECT_GT(row["tps_median"].get<double>(), 0.0);
  }
  EXPECT_EQ(tests, (std::vector<std::string>{"pp8", "tg4", "pp8 @ d16", "tg4 @ d16"}));
  EXPECT_EQ(rows[3]["depth"], 16);
  // The host and the paths that made the figures, in every row and on stderr.
  EXPECT_EQ(rows[0]["isa"], gptqt::isa_name(gptqt::active_isa()));
  EXPECT_EQ(rows[0]["batch_gemm"], gptqt::batch_gemm_description(gptqt::BatchGemm::automatic));
  EXPECT_EQ(rows[0]["kv_cache"], "f16");
  EXPECT_EQ(rows[0]["head"], "int8") << "bench's default head";
  EXPECT_NE(r.err.find("host: " + gptqt::cpu_model_name() + "; SIMD path "), std::string::npos) << r.err;
  // Generation against the read bandwidth measured in the same run: bytes per token
  // (the cache counted, so more at depth) × tokens/s over it; prompt rows have none.
  EXPECT_NE(r.err.find("read bandwidth "), std::string::npos) << r.err;
  EXPECT_EQ(rows[0]["last_level_cache_bytes"].get<int64_t>(), gptqt::last_level_cache_bytes());
  // Which of the probe's readers it kept: the active path's widest loads, a prefetch it tries.
  EXPECT_EQ(rows[0]["read_bandwidth_load_bits"].get<int>(),
            gptqt::active_isa() == gptqt::Isa::avx512 ? 512 : gptqt::active_isa() == gptqt::Isa::avx2 ? 256 : 128);
  const int prefetch = rows[0]["read_bandwidth_prefetch_bytes"].get<int>();
  EXPECT_TRUE(std::ranges::find(gptqt::kernels::kProbePrefetch, prefetch) != std::end(gptqt::kernels::kProbePrefetch))
      << prefetch;
  // Each generation repetition is judged by a probe measured just before it, the
  // fraction the median of those shares; prompts have no probe samples.
  for (const auto& row : rows) {
    const double bytes = row["bytes_per_token"].get<double>();
    EXPECT_GT(row["read_bandwidth"].get<double>(), 1e8);
    const auto probes = row["read_bandwidth_samples"].get<std::vector<double>>();
    const auto tps = row["tps_samples"].get<std::vector<double>>();
    if (row["test"].get<std::string>().rfind("tg", 0) == 0) {
      ASSERT_EQ(probes.size(), tps.size());
      std::vector<double> shares;
      for (size_t i = 0; i < tps.size(); ++i) {
        EXPECT_GT(probes[i], 1e8);
        shares.push_back(bytes * tps[i] / probes[i]);
      }
      EXPECT_DOUBLE_EQ(row["bandwidth_fraction"].get<double>(), gptqt::median(shares));
    } else {
      EXPECT_TRUE(probes.empty());
      EXPECT_EQ(row["bandwidth_fraction"].get<double>(), 0.0);
    }
  }
  EXPECT_GT(rows[3]["bytes_per_token"].get<double>(), rows[1]["bytes_per_token"].get<double>());
  expect_one_line_error(run_gptqt("bench -m " + stories() + " -p 8 -n 4 -d 1000 -r 1"), "depth past the context");
  expect_one_line_error(run_gptqt("bench -m " + stories() + " -p 0 -n 4 -r 1 --kv-cache q8"), "unknown KV cache type");
  // An fp32 cache counts 4 bytes per cached element: more read at depth than fp16's 2.
  const CmdResult f32 = run_gptqt("bench -m " + stories() + " -p 0 -n 4 -d 16 -r 1 --json --threads 1 --kv-cache f32");
  ASSERT_EQ(f32.code, 0) << f32.err;
  const nlohmann::json f32_row = nlohmann::json::parse(f32.out).at(0);
  EXPECT_EQ(f32_row["kv_cache"], "f32");
  EXPECT_GT(f32_row["bytes_per_token"].get<double>(), rows[3]["bytes_per_token"].get<double>());
}

TEST(Cli, QuantizeWritesAPackedModelThatEvalReads) {
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  const std::string out = temp_dir() + "/q";
  // OpenBLAS held to its SSE3 kernels, as it picked them on a CPU it did not know: said once, in one line.
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  const std::string saved = coretype ? coretype : "";
  setenv("OPENBLAS_CORETYPE", "Prescott", 1);
  CmdResult q = run_gptqt("quantize -m " + stories() + " --method gptq --bits 4 --group-size 32 --calib tinystories "
                "--nsamples 8 --seqlen 128 -o " + out);
  if (coretype) setenv("OPENBLAS_CORETYPE", saved.c_str(), 1); else unsetenv("OPENBLAS_CORETYPE");
  ASSERT_EQ(q.code, 0) << q.err;
  if (gptqt::best_isa() >= gptqt::Isa::avx2) {
    EXPECT_NE(q.err.find("warning: OpenBLAS runs its Prescott kernels"), std::string::npos) << q.err;
  }
  for (const char* f : {"gptqt.json", "weights.safetensors", "tokenizer.gguf", "quant_log.csv"})
    EXPECT_TRUE(file_exists(out + "/" + f)) << f;
  EXPECT_FALSE(file_exists(out + ".work")) << "work folder left behind";
  const std::string log = slurp(out + "/quant_log.csv");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1 + 5 * 7) << log;  // header + 5 blocks x 7 layers
  CmdResult fp = run_gptqt("eval -m " + stories() + " --text tinystories --ctx 256 --max-windows 4 --json --threads 1");
  CmdResult qe = run_gptqt("eval -m " + out + " --text tinystories --ctx 256 --max-windows 4 --json --threads 1");
  ASSERT_EQ(qe.code, 0) << qe.err;
  double p_fp = last_json_line(fp.out)["ppl"], p_q = last_json_line(qe.out)["ppl"];
  EXPECT_GT(p_q, p_fp * 0.98);
  EXPECT_LT(p_q, p_fp * 1.5) << "4-bit g32 GPTQ should cost little";

  CmdResult in = run_gptqt("inspect --json -m " + out);
  ASSERT_EQ(in.code, 0) << in.err;
  const nlohmann::json j = nlohmann::json::parse(in.out);
  EXPECT_EQ(j["packed_layers"], 5 * 7);
  EXPECT_EQ(j["header"]["quantization"]["method"], "gptq");
  EXPECT_EQ(j["header"]["calibration"]["nsamples"], 8);
  // 4 bits + fp16 alpha (4 planes) and offset per group of 32 (ffn 172 = 5 x 32 + 12)
  EXPECT_NEAR(j["bits_per_weight"].get<double>(), j["header"]["quantization"]["bits_per_weight"].get<double>(), 1e-3);
  EXPECT_GT(j["bits_per_weight"].get<double>(), 4 + 16.0 * 5 / 32);
  EXPECT_EQ(j["layers"][0]["bits"], 4);
}

// --head-bits quantizes the (tied) head after the last block; the packed head is
// read back by every command, and costs little at 4 bits.
TEST(Cli, QuantizedHeadIsPackedAndRuns) {
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  const std::string dir = temp_dir();
  const std::string common = "quantize -t 1 -m " + stories() + " --method gptq --bits 4 --group-size 32 --calib "
                             "tinystories --nsamples 8 --seqlen 128 ";
  ASSERT_EQ(run_gptqt(common + "-o " + dir + "/body").code, 0);
  CmdResult q = run_gptqt(common + "--head-bits 4 --head-group-size 32 -o " + dir + "/head");
  ASSERT_EQ(q.code, 0) << q.err;
  const std::string log = slurp(dir + "/head/quant_log.csv");
  EXPECT_NE(log.find("\n5,head,"), std::string::npos) << log;

  const nlohmann::json j = nlohmann::json::parse(run_gptqt("inspect --json -m " + dir + "/head").out);
  EXPECT_EQ(j["packed_layers"], 5 * 7 + 1);
  EXPECT_EQ(j["header"]["quantization"]["head"]["bits"], 4);
  EXPECT_EQ(j["layers"].back()["name"], "head");  // sorted after the blocks
  EXPECT_EQ(j["layers"].back()["rows"], 512);

  const std::string eval = " --text tinystories --ctx 256 --max-windows 4 --json --threads 1";
  const double body = last_json_line(run_gptqt("eval -m " + dir + "/body" + eval).out)["ppl"];
  CmdResult he = run_gptqt("eval -m " + dir + "/head" + eval);
  ASSERT_EQ(he.code, 0) << he.err;
  const double head = last_json_line(he.out)["ppl"];
  EXPECT_NE(head, body) << "the head should have changed";
  EXPECT_LT(std::abs(head / body - 1), 0.05) << "a 4-bit g32 head should cost little";
  for (const char* kernel : {"lut", "dequant", "f32"}) {
    CmdResult g = run_gptqt("generate -t 1 -n 8 -m " + dir + "/head --kernel " + kernel);
    EXPECT_EQ(g.code, 0) << kernel << ": " << g.err;
  }
  expect_one_line_error(run_gptqt(common + "--head-bits 4 --head-group-size 48 -o " + dir + "/bad"),
                        "head group size not a multiple of 32");
}

TEST(Cli, InterruptedQuantizationResumesBitIdentical) {
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  const std::string dir = temp_dir();
  const std::string common = "quantize -m " + stories() + " --method gptqt --bits 3 --group-size 64 --calib "
                             "tinystories --nsamples 4 --seqlen 128 --threads 1 ";
  CmdResult whole = run_gptqt(common + "-o " + dir + "/whole");
  ASSERT_EQ(whole.code, 0) << whole.err;
  CmdResult part = run_gptqt(common + "--max-blocks 2 -o " + dir + "/resumed");
  ASSERT_EQ(part.code, 0) << part.err;
  EXPECT_FALSE(file_exists(dir + "/resumed/gptqt.json")) << "an unfinished job must not look finished";
  EXPECT_TRUE(file_exists(dir + "/resumed.work"));
  CmdResult other = run_gptqt("quantize -m " + stories() + " --method gptq --bits 3 --calib tinystories --nsamples 4 "
                    "--seqlen 128 -o " + dir + "/resumed");
  expect_one_line_error(other, "a different job in the same work folder");
  CmdResult rest = run_gptqt(common + "-o " + dir + "/resumed");
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_NE(rest.err.find("2 blocks resumed"), std::string::npos) << rest.err;
  EXPECT_EQ(slurp(dir + "/whole/weights.safetensors"), slurp(dir + "/resumed/weights.safetensors"));
}

// --bpw: a plan of mixed widths within the budget, printed and kept in the header;
// the model runs; an interrupted job resumes (the plan's figures and the blocks) to
// the same weights.
TEST(Cli, BitBudgetPlansMixedWidthsAndResumes) {
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  const std::string dir = temp_dir();
  const std::string job = "quantize -m " + stories() + " --plan-widths 2:-1,3:-1,4:-1 --plan-windows 2 "
                          "--calib tinystories --nsamples 4 --seqlen 128 --threads 1 ";
  const std::string common = job + "--bpw 3.5 ";
  CmdResult whole = run_gptqt(common + "--plan-errors " + dir + "/errors.json -o " + dir + "/whole");
  ASSERT_EQ(whole.code, 0) << whole.err;
  EXPECT_NE(whole.err.find("bit plan: "), std::string::npos) << whole.err;
  const nlohmann::json j = nlohmann::json::parse(run_gptqt("inspect --json -m " + dir + "/whole").out);
  EXPECT_LE(j["bits_per_weight"].get<double>(), 3.5);  // rows of 64 and 172: 2 bits per row cost 2.75
  EXPECT_GT(j["bits_per_weight"].get<double>(), 3.0);
  EXPECT_EQ(j["header"]["quantization"]["bits"], "mixed");
  EXPECT_EQ(j["header"]["quantization"]["plan"]["budget_bits_per_weight"], 3.5);
  EXPECT_TRUE(j["header"]["quantization"]["rotation"].is_object()) << "--bpw alone rotates";
  EXPECT_EQ(j["header"]["quantization"]["method"], "bcq") << "--bpw alone: the GPTQ solver on BCQ grids";
  EXPECT_EQ(j["header"]["quantization"]["solver"], "gptq");
  std::set<int> bits;
  for (const auto& l : j["layers"]) bits.insert(l["bits"].get<int>());
  EXPECT_GE(bits.size(), 2u);
  CmdResult e = run_gptqt("eval -m " + dir + "/whole --text tinystories --ctx 128 --max-windows 2 --threads 1");
  EXPECT_EQ(e.code, 0) << e.err;

  CmdResult part = run_gptqt(common + "--max-blocks 2 -o " + dir + "/resumed");
  ASSERT_EQ(part.code, 0) << part.err;
  CmdResult rest = run_gptqt(common + "-o " + dir + "/resumed");
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_NE(rest.err.find("(resumed)"), std::string::npos) << rest.err;
  EXPECT_NE(rest.err.find("2 blocks resumed"), std::string::npos) << rest.err;
  EXPECT_EQ(slurp(dir + "/whole/weights.safetensors"), slurp(dir + "/resumed/weights.safetensors"));

  // --plan-errors: the figures measured once serve another budget of the same job, and no other job.
  CmdResult lower = run_gptqt(job + "--bpw 3.1 --plan-errors " + dir + "/errors.json -o " + dir + "/lower");
  ASSERT_EQ(lower.code, 0) << lower.err;
  EXPECT_NE(lower.err.find("errors read from"), std::string::npos) << lower.err;
  EXPECT_EQ(lower.err.find("plan 1/"), std::string::npos) << "measured again: " << lower.err;
  const nlohmann::json jl = nlohmann::json::parse(run_gptqt("inspect --json -m " + dir + "/lower").out);
  EXPECT_LE(jl["bits_per_weight"].get<double>(), 3.1);
  EXPECT_LT(jl["bits_per_weight"].get<double>(), j["bits_per_weight"].get<double>());
  expect_one_line_error(run_gptqt(job + "--bpw 3.1 --plan-errors " + dir + "/errors.json --damp 0.02 -o " + dir + "/o"),
                        "plan errors of another job");
  // A damaged file of the same job: refused, naming the file and the field.
  nlohmann::json damaged = nlohmann::json::parse(slurp(dir + "/errors.json"));
  for (const auto& [field, value] : {std::pair<std::string, nlohmann::json>{"rows", 7}, {"block", 99}, {"error", {1, -1}}}) {
    nlohmann::json bad = damaged;
    bad["layers"][3][field] = value;
    std::ofstream(dir + "/bad.json") << bad.dump();
    CmdResult r = run_gptqt(job + "--bpw 3.1 --plan-errors " + dir + "/bad.json -o " + dir + "/o");
    expect_one_line_error(r, "damaged plan errors: " + field);
    EXPECT_NE(r.err.find(dir + "/bad.json"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(field == "rows" ? "rows" : field), std::string::npos) << r.err;
  }

  // --plan: the plan of a planned model, read back from its folder, makes the same model again
  // (a plan's own JSON works alike); a model without a plan, or a plan that misses a layer, is refused.
  const std::string calib = "--calib tinystories --nsamples 4 --seqlen 128 --threads 1 ";
  CmdResult again = run_gptqt("quantize -m " + stories() + " " + calib + "--plan " + dir + "/whole -o " + dir + "/again");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(slurp(dir + "/whole/weights.safetensors"), slurp(dir + "/again/weights.safetensors"));
  EXPECT_EQ(nlohmann::json::parse(run_gptqt("inspect --json -m " + dir + "/again").out)["header"]["quantization"]["plan"],
            j["header"]["quantization"]["plan"]);
  ASSERT_EQ(run_gptqt("quantize -m " + stories() + " --method rtn --bits 4 -o " + dir + "/uniform").code, 0);
  expect_one_line_error(run_gptqt("quantize -m " + stories() + " " + calib + "--plan " + dir + "/uniform -o " + dir + "/o"),
                        "--plan of a model without a plan");
  nlohmann::json short_plan = j["header"]["quantization"]["plan"];
  short_plan["layers"].erase(short_plan["layers"].begin());
  std::ofstream(dir + "/short_plan.json") << short_plan.dump();
  CmdResult missing = run_gptqt("quantize -m " + stories() + " " + calib + "--plan " + dir + "/short_plan.json -o " + dir + "/o");
  expect_one_line_error(missing, "--plan missing a layer");
  EXPECT_NE(missing.err.find("no width for block 0 q"), std::string::npos) << missing.err;

  const std::string q = "quantize -m " + stories() + " --calib tinystories --nsamples 4 --seqlen 128 -o " + dir + "/bad ";
  expect_one_line_error(run_gptqt(q + "--bpw 3 --plan " + dir + "/whole"), "--bpw with --plan");
  expect_one_line_error(run_gptqt(q + "--bpw 3 --bits 3"), "--bpw with --bits");
  expect_one_line_error(run_gptqt(q + "--plan-widths 3:-1"), "--plan-widths without --bpw");
  expect_one_line_error(run_gptqt(q + "--bpw 3 --plan-widths 3:48"), "a group size the format cannot hold");
  CmdResult low = run_gptqt(q + "--bpw 1.5 --plan-widths 2:-1,3:-1");
  expect_one_line_error(low, "a budget below every width");
  EXPECT_NE(low.err.find("below the narrowest"), std::string::npos) << low.err;
}

TEST(Cli, DamagedPackedModelsGiveOneLineErrors) {
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  const std::string dir = temp_dir();
  ASSERT_EQ(run_gptqt("quantize -m " + stories() + " --method rtn --bits 3 --group-size 32 -o " + dir + "/q").code, 0);
  namespace fs = std::filesystem;
  auto damaged = [&](const std::string& name) {
    fs::copy(dir + "/q", dir + "/" + name, fs::copy_options::recursive);
    return dir + "/" + name;
  };
  const std::string eval_args = " --text tinystories --ctx 64 --max-windows 1";

  const std::string truncated = damaged("truncated");
  fs::resize_file(truncated + "/weights.safetensors", fs::file_size(truncated + "/weights.safetensors") / 2);
  expect_one_line_error(run_gptqt("eval -m " + truncated + eval_args), "truncated planes");
  expect_one_line_error(run_gptqt("inspect -m " + truncated), "inspect, truncated planes");

  nlohmann::json header = nlohmann::json::parse(slurp(dir + "/q/gptqt.json"));
  const std::string wrong_shape = damaged("wrong-shape");
  header["config"]["ffn"] = 180;  // the packed layers no longer fit the config
  std::ofstream(wrong_shape + "/gptqt.json") << header.dump();
  expect_one_line_error(run_gptqt("eval -m " + wrong_shape + eval_args), "inconsistent shapes");

  const std::string unknown = damaged("unknown-family");
  header = nlohmann::json::parse(slurp(dir + "/q/gptqt.json"));
  header["config"]["family"] = "mamba";
  std::ofstream(unknown + "/gptqt.json") << header.dump();
  expect_one_line_error(run_gptqt("eval -m " + unknown + eval_args), "unknown family");

  const std::string version = damaged("future-version");
  header = nlohmann::json::parse(slurp(dir + "/q/gptqt.json"));
  header["format_version"] = 99;
  std::ofstream(version + "/gptqt.json") << header.dump();
  expect_one_line_error(run_gptqt("eval -m " + version + eval_args), "unknown format version");
}

TEST(Cli, ActOrderModelsRunAlikeOnEveryKernel) {
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  const std::string out = temp_dir() + "/q";
  ASSERT_EQ(run_gptqt("quantize -t 1 -m " + stories() + " --method gptq --bits 3 --group-size 32 --act-order "
                      "--calib tinystories --nsamples 4 --seqlen 128 -o " + out).code, 0);
  // Windows of 16 tokens run the single-token-batch kernels (the permuted input path).
  auto ppl = [&](const std::string& kernel) {
    CmdResult r = run_gptqt("eval -t 1 -m " + out + " --text tinystories --ctx 16 --max-windows 40 --json --kernel " +
                            kernel);
    EXPECT_EQ(r.code, 0) << r.err;
    return last_json_line(r.out)["ppl"].get<double>();
  };
  const double f32 = ppl("f32"), lut = ppl("lut"), deq = ppl("dequant");
  EXPECT_NEAR(deq, f32, 1e-4 * f32);
  EXPECT_NEAR(lut, f32, 0.03 * f32);  // int8 tables (docs/performance.md)
}

// --chat wraps the message in the model's ChatML template and stops at the end of
// the assistant's turn; control tokens are never printed, and the statistics go
// to stderr on their own line.
TEST(Cli, ChatStopsAtTheEndOfTheTurn) {
  const std::string smol = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!file_exists(smol)) GTEST_SKIP() << "shared data not found under " << data_dir();
  CmdResult r = run_gptqt("generate -t 2 -n 64 -m " + smol + " --chat 'What is the capital of France?'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Paris"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("<|im_end|>"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("<|im_start|>"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("What is the capital"), std::string::npos) << "a chat shows only the reply: " << r.out;
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_EQ(r.err.rfind("prompt: ", 0), 0u) << r.err;
  const size_t generated = std::stoul(r.err.substr(r.err.find("generated ") + 10));
  EXPECT_LT(generated, 64u) << "stopped at <|im_end|>, not at -n";
  EXPECT_NE(run_gptqt("generate -m " + smol + " --chat hi -p hello").code, 0);
}
