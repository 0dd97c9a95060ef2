// Regression tests of issue 11's defect classes, through the built `gptqt`
// command: each input here used to crash, hang, destroy a user's files or print
// garbage with exit 0; now each gets a one-line error and exit 1 (docs/reliability.md).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "io/file_builders.h"
#include "io/gguf.h"

using namespace gptqt::test;
namespace fs = std::filesystem;

namespace {

#define NEED_SHARED_DATA() \
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir()

std::vector<uint8_t> read_bytes(const std::string& path) {
  const std::string s = slurp(path);
  return {s.begin(), s.end()};
}

// A copy of stories260K with `n` floats at `offset` changed by `edit`.
std::string patched_stories(const std::string& dir, const std::string& name, uint64_t offset, size_t n,
                            const std::function<float(float)>& edit) {
  std::vector<uint8_t> b = read_bytes(stories());
  for (size_t i = 0; i < n; ++i) {
    float v;
    std::memcpy(&v, &b[offset + 4 * i], 4);
    v = edit(v);
    std::memcpy(&b[offset + 4 * i], &v, 4);
  }
  const std::string path = dir + "/" + name;
  write_bytes(path, b);
  return path;
}

// The offset of a float32 metadata value (type code 6 follows the key).
uint64_t metadata_float_offset(const std::string& key) {
  const std::string s = slurp(stories());
  const size_t at = s.find(key);
  EXPECT_NE(at, std::string::npos) << key;
  uint32_t type;
  std::memcpy(&type, &s[at + key.size()], 4);
  EXPECT_EQ(type, 6u) << key << " is not stored as float32";
  return at + key.size() + 4;
}

std::string copy_fixture(const std::string& name, const std::string& dir) {
  const std::string to = dir + "/" + name;
  fs::copy(fixtures_dir() + "/models/" + name, to, fs::copy_options::recursive);
  return to;
}

void set_config_field(const std::string& folder, const char* key, const nlohmann::json& value) {
  nlohmann::json c = nlohmann::json::parse(slurp(folder + "/config.json"));
  c[key] = value;
  std::ofstream(folder + "/config.json") << c.dump();
}

void expect_error_mentions(const CmdResult& r, const std::string& text, const std::string& what) {
  expect_one_line_error(r, what);
  EXPECT_NE(r.err.find(text), std::string::npos) << what << ": " << r.err;
}

const char* kEval = " --text tinystories --ctx 64 --max-windows 1 -t 1";
const char* kRtn = " --method rtn --bits 3 --group-size 32 -t 1";

}  // namespace

// 1. Crash: an index with an empty weight_map ended every command with SIGSEGV.
TEST(Reliability, EmptyWeightMapIsAnError) {
  const std::string dir = temp_dir(), model = copy_fixture("tiny-llama", dir);
  std::ofstream(model + "/model.safetensors.index.json") << R"({"metadata": {}, "weight_map": {}})";
  for (const std::string& cmd : {"eval -m " + model + kEval, "generate -n 2 -m " + model, "quantize -m " + model +
                                 kRtn + " -o " + dir + "/q"})
    expect_error_mentions(run_gptqt(cmd), "lists no tensors", cmd);
}

// 2. Hangs: a FIFO where a file belongs blocked for ever; now refused at once.
TEST(Reliability, PipesAreRefusedNotWaitedOn) {
  NEED_SHARED_DATA();
  const std::string dir = temp_dir();
  ASSERT_EQ(::mkfifo((dir + "/model.gguf").c_str(), 0600), 0);
  expect_error_mentions(run_gptqt("eval -m " + dir + "/model.gguf" + kEval, 60), "not a regular file", "model FIFO");

  const std::string hf = copy_fixture("tiny-llama", dir);
  fs::remove(hf + "/config.json");
  ASSERT_EQ(::mkfifo((hf + "/config.json").c_str(), 0600), 0);
  expect_error_mentions(run_gptqt("eval -m " + hf + kEval, 60), "not a regular file", "config.json FIFO");

  ASSERT_EQ(run_gptqt("quantize -m " + stories() + kRtn + " -o " + dir + "/q").code, 0);
  fs::remove(dir + "/q/gptqt.json");
  ASSERT_EQ(::mkfifo((dir + "/q/gptqt.json").c_str(), 0600), 0);
  expect_error_mentions(run_gptqt("eval -m " + dir + "/q" + kEval, 60), "not a regular file", "packed header FIFO");

  ASSERT_EQ(::mkfifo((dir + "/text.txt").c_str(), 0600), 0);
  expect_one_line_error(run_gptqt("eval -m " + stories() + " --text " + dir + "/text.txt", 60), "text FIFO");
}

// 2. Hangs: range factors that meant a billion grid fits, or an infinite loop.
TEST(Reliability, RangeFactorsAreBounded) {
  NEED_SHARED_DATA();
  const std::string q = "quantize -m " + stories() + " --method gptqt --bits 2 --calib tinystories --nsamples 1 "
                        "--seqlen 64 -o " + temp_dir() + "/q";
  expect_error_mentions(run_gptqt(q + " --p-step 1e-9", 60), "more than 1000 factors", "--p-step 1e-9");
  expect_error_mentions(run_gptqt(q + " --p-to inf", 60), "finite", "--p-to inf");
  expect_error_mentions(run_gptqt(q + " --p-from nan", 60), "finite", "--p-from nan");
}

// 3. Data loss: -o replaced whatever was there.
TEST(Reliability, OutputNeverReplacesWhatIsNotOurs) {
  NEED_SHARED_DATA();
  const std::string dir = temp_dir();
  const std::string model = dir + "/model.gguf";
  fs::copy_file(stories(), model);
  const auto model_size = fs::file_size(model);

  fs::create_directories(dir + "/photos");
  std::ofstream(dir + "/photos/cat.jpg") << "not a model";
  expect_error_mentions(run_gptqt("quantize -m " + model + kRtn + " -o " + dir + "/photos"),
                        "is not a gptqt packed model", "a folder of other files");
  EXPECT_EQ(slurp(dir + "/photos/cat.jpg"), "not a model");

  expect_one_line_error(run_gptqt("quantize -m " + model + kRtn + " -o " + model), "the model file itself");
  EXPECT_EQ(fs::file_size(model), model_size);

  const std::string hf = copy_fixture("tiny-llama", dir);
  expect_error_mentions(run_gptqt("quantize -m " + hf + kRtn + " -o " + hf), "input of this run",
                        "the source HF folder");
  EXPECT_TRUE(file_exists(hf + "/config.json"));

  fs::create_directories(dir + "/texts");
  fs::copy_file(data_dir() + "/tinystories-sample/tinystories_train_head.txt", dir + "/texts/calib.txt");
  const std::string gptq = " --method gptq --bits 3 --nsamples 1 --seqlen 64 -t 1 --calib " + dir + "/texts/calib.txt";
  expect_one_line_error(run_gptqt("quantize -m " + model + gptq + " -o " + dir + "/texts/calib.txt"),
                        "the calibration text");
  expect_error_mentions(run_gptqt("quantize -m " + model + gptq + " -o " + dir + "/texts"),
                        "a folder holding an input", "the folder of the calibration text");
  EXPECT_TRUE(file_exists(dir + "/texts/calib.txt"));

  fs::create_directories(dir + "/x.work");
  std::ofstream(dir + "/x.work/notes.txt") << "mine";
  expect_error_mentions(run_gptqt("quantize -m " + model + kRtn + " -o " + dir + "/x"), "not a gptqt work folder",
                        "a foreign folder at OUT.work");
  EXPECT_EQ(slurp(dir + "/x.work/notes.txt"), "mine");

  expect_error_mentions(run_gptqt("quantize -m " + model + kRtn + " -o " + dir + "/no/such/q"), "does not exist",
                        "missing parent folder");

  // An earlier gptqt result is replaced, and a trailing slash names the same folder.
  ASSERT_EQ(run_gptqt("quantize -m " + model + kRtn + " -o " + dir + "/q/").code, 0);
  EXPECT_TRUE(file_exists(dir + "/q/gptqt.json"));
  const CmdResult again = run_gptqt("quantize -m " + model + " --method rtn --bits 4 -t 1 -o " + dir + "/q/");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir + "/q/gptqt.json"))["quantization"]["bits"], 4);
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find("q.tmp."), std::string::npos) << "left behind: " << e.path();
}

// 4. Garbage with exit 0: epsilon and RoPE base were never validated; a window
// too short to score and a perplexity that overflows printed nan / inf.
TEST(Reliability, NonsenseNumbersAreRefused) {
  NEED_SHARED_DATA();
  const std::string dir = temp_dir();
  const float nan = std::nanf("");
  const std::string eps_nan = patched_stories(dir, "eps-nan.gguf", metadata_float_offset("layer_norm_rms_epsilon"), 1,
                                              [&](float) { return nan; });
  expect_error_mentions(run_gptqt("generate -n 4 -m " + eps_nan), "norm epsilon", "generate, NaN epsilon");
  expect_error_mentions(run_gptqt("eval -m " + eps_nan + kEval), "norm epsilon", "eval, NaN epsilon");

  const std::string hf = copy_fixture("tiny-llama", dir);
  set_config_field(hf, "rope_theta", -10000.0);
  expect_error_mentions(run_gptqt("eval -m " + hf + kEval), "RoPE base", "negative rope_theta");
  set_config_field(hf, "rope_theta", 1e39);  // finite in JSON, infinite as a float
  expect_error_mentions(run_gptqt("eval -m " + hf + kEval), "RoPE base", "rope_theta beyond float");

  ASSERT_EQ(run_gptqt("quantize -m " + stories() + kRtn + " -o " + dir + "/q").code, 0);
  nlohmann::json header = nlohmann::json::parse(slurp(dir + "/q/gptqt.json"));
  header["config"]["norm_eps"] = -1e-5;
  std::ofstream(dir + "/q/gptqt.json") << header.dump();
  expect_error_mentions(run_gptqt("eval -m " + dir + "/q" + kEval), "norm epsilon", "packed header epsilon");

  expect_error_mentions(run_gptqt("eval -m " + stories() + " --text tinystories --protocol llamacpp --ctx 2"),
                        "too short to score", "llamacpp protocol at ctx 2");

  // The final norm scaled by 1e6: every logit gap grows a millionfold, the mean
  // NLL reaches ~1e5 nats and exp() of it overflows.
  gptqt::GgufFile g(stories());
  const gptqt::GgufTensorInfo* norm = g.find_tensor("output_norm.weight");
  ASSERT_TRUE(norm);
  const std::string loud = patched_stories(dir, "loud.gguf", norm->offset, size_t(norm->numel()),
                                           [](float v) { return v * 1e6f; });
  expect_error_mentions(run_gptqt("eval -m " + loud + kEval), "perplexity overflows", "PPL = inf");
}

// 5. Accepted silently: truncated integers, resumes from another model file or
// another block, and an inspect that passed what eval refused.
TEST(Reliability, InvalidInputIsNotAccepted) {
  NEED_SHARED_DATA();
  const std::string dir = temp_dir();
  const std::string hf = copy_fixture("tiny-llama", dir);
  set_config_field(hf, "num_hidden_layers", 4294967298.0);  // was cut to 2
  expect_error_mentions(run_gptqt("eval -m " + hf + kEval), "must be an integer", "float layer count");
  set_config_field(hf, "num_hidden_layers", int64_t(4294967298));
  expect_error_mentions(run_gptqt("eval -m " + hf + kEval), "\"num_hidden_layers\" = 4294967298 is out of range",
                        "layer count beyond int");
  expect_error_mentions(run_gptqt("generate -n 2 --seed -1 -m " + stories()), "--seed: must be a non-negative integer",
                        "negative seed (was read as 2^64 - 1)");

  // Resume: the same path, another model file.
  const std::string model = dir + "/model.gguf";
  fs::copy_file(stories(), model);
  const std::string q = "quantize -m " + model + kRtn + " -o " + dir + "/q";
  ASSERT_EQ(run_gptqt(q + " --max-blocks 2").code, 0);
  const std::string other = patched_stories(dir, "other.gguf", gptqt::GgufFile(stories()).find_tensor(
                                            "blk.0.attn_q.weight")->offset, 1, [](float v) { return v + 1; });
  fs::rename(other, model);
  expect_error_mentions(run_gptqt(q), "unfinished job with other arguments or inputs", "resume from another file");
  expect_error_mentions(run_gptqt(q), "(its inputs=[" + model + ":", "the message names the input that differs");
  expect_error_mentions(run_gptqt(q + " --mse"), "(its mse=false where this run has mse=true)", "and the option");

  // Resume: a block file that is another block's.
  fs::remove_all(dir + "/q.work");
  ASSERT_EQ(run_gptqt(q + " --max-blocks 2").code, 0);
  fs::copy_file(dir + "/q.work/block_0000.safetensors", dir + "/q.work/block_0001.safetensors",
                fs::copy_options::overwrite_existing);
  expect_error_mentions(run_gptqt(q), "holds block 0", "a block file of another block");

  // inspect refuses what eval refuses.
  fs::remove_all(dir + "/q.work");
  ASSERT_EQ(run_gptqt(q).code, 0);
  fs::remove(dir + "/q/tokenizer.gguf");
  expect_one_line_error(run_gptqt("eval -m " + dir + "/q" + kEval), "eval, no tokenizer");
  expect_one_line_error(run_gptqt("inspect -m " + dir + "/q"), "inspect, no tokenizer");
  ASSERT_EQ(run_gptqt(q).code, 0);
  nlohmann::json header = nlohmann::json::parse(slurp(dir + "/q/gptqt.json"));
  header["config"]["vocab"] = 500;  // the embedding table has 512 rows
  std::ofstream(dir + "/q/gptqt.json") << header.dump();
  expect_one_line_error(run_gptqt("inspect -m " + dir + "/q"), "inspect, config disagrees with the tensors");
}

// 6. Messages: raw bytes from a file reach the message escaped, whole; a
// quantizer failure names its layer.
TEST(Reliability, MessagesArePrintableAndNameTheLayer) {
  const std::string dir = temp_dir();
  GgufBuilder g;
  g.kv_string("general.architecture", std::string("evil\x1b[2J\r\n\0tail", 15));
  write_bytes(dir + "/evil.gguf", g.bytes());
  std::ofstream(dir + "/text.txt") << "Once upon a time there was a tiny model.";
  const CmdResult r = run_gptqt("eval -m " + dir + "/evil.gguf --text " + dir + "/text.txt");
  expect_one_line_error(r, "control characters in the architecture");
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("evil\\x1b[2J\\x0d\\x0a\\x00tail"), std::string::npos) << r.err;

  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  gptqt::GgufFile s(stories());
  const gptqt::GgufTensorInfo* q = s.find_tensor("blk.0.attn_q.weight");
  ASSERT_TRUE(q);
  const std::string huge = patched_stories(dir, "huge.gguf", q->offset, size_t(q->numel()),
                                           [](float v) { return v * 1e7f; });
  expect_error_mentions(run_gptqt("quantize -m " + huge + kRtn + " -o " + dir + "/q"), "block 0 q: ",
                        "weights beyond fp16");
}

// 7. Wasted work: the calibration text is checked before the model is loaded.
TEST(Reliability, CheapChecksComeFirst) {
  NEED_SHARED_DATA();
  const std::string dir = temp_dir();
  const CmdResult r = run_gptqt("quantize -m " + stories() + " --method gptq --calib " + dir + "/missing.txt -o " +
                                dir + "/q");
  expect_one_line_error(r, "missing calibration text");
  EXPECT_EQ(r.err.find("parameters"), std::string::npos) << "the model was loaded first: " << r.err;
}

// A job the memory limit cannot hold is refused from the config alone, before any
// weight is read or anything written; the estimate is printed either way.
TEST(Reliability, TooLargeForTheMemoryLimitIsRefusedAtOnce) {
  const std::string dir = temp_dir(), model = fixtures_dir() + "/models/tiny-llama";
  const CmdResult r = run_gptqt("quantize -m " + model + " --method rtn --max-memory 1M -o " + dir + "/q");
  expect_one_line_error(r, "more than the 0.0 GiB --max-memory allows");
  EXPECT_NE(r.err.find("expected peak memory"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("parameters"), std::string::npos) << "the model was loaded first: " << r.err;
  EXPECT_FALSE(file_exists(dir + "/q.work")) << "work began";
  for (const char* bad : {"lots", "-3G", "6X"}) {
    const CmdResult b = run_gptqt("quantize -m " + model + " --method rtn --max-memory " + bad + " -o " + dir + "/q");
    expect_one_line_error(b, "not a size");
  }
  const CmdResult ok = run_gptqt("quantize -m " + model + " --method rtn --max-memory 2G -o " + dir + "/q");
  EXPECT_EQ(ok.code, 0) << ok.err;
}

// 8. Leftovers of a killed write are cleaned up, or restored, and said.
TEST(Reliability, LeftoversOfAKilledWriteAreHandled) {
  NEED_SHARED_DATA();
  const std::string dir = temp_dir();
  ASSERT_EQ(run_gptqt("quantize -m " + stories() + kRtn + " -o " + dir + "/q").code, 0);
  // No process has pid 4194303 (the kernel's pid_max ceiling minus one) here.
  fs::copy(dir + "/q", dir + "/q.tmp.4194303", fs::copy_options::recursive);
  fs::rename(dir + "/q", dir + "/q.old.4194302");
  fs::create_directories(dir + "/q.tmp.4194301");
  std::ofstream(dir + "/q.tmp.4194301/mine.txt") << "not ours";

  const CmdResult r = run_gptqt("quantize -m " + stories() + kRtn + " -o " + dir + "/q");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("restored " + dir + "/q from q.old.4194302"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("removed " + dir + "/q.tmp.4194303"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("holds other files; left alone"), std::string::npos) << r.err;
  EXPECT_FALSE(file_exists(dir + "/q.tmp.4194303"));
  EXPECT_FALSE(file_exists(dir + "/q.old.4194302"));
  EXPECT_TRUE(file_exists(dir + "/q.tmp.4194301/mine.txt"));
  EXPECT_TRUE(file_exists(dir + "/q/gptqt.json"));
}
