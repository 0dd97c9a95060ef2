// Evaluation and calibration text: files, JSON Lines rows, PTB, seeded sampling, windows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <random>

#include "core/error.h"
#include "text/calibration.h"
#include "text/jsonl_text.h"
#include "text/ptb_text.h"
#include "text/text_file.h"
#include "text/windows.h"
#include "tokenizer_test_util.h"

namespace gptqt {
namespace {

using test::data_dir;
using test::temp_dir;

std::string write_temp(const std::string& name, const std::string& bytes) {
  const std::string path = temp_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(TextFile, ReadsBytesUnchanged) {
  const std::string bytes("a\r\nb\0c\n", 7);
  EXPECT_EQ(read_text_file(write_temp("t.txt", bytes)), bytes);
}

TEST(TextFile, EmptyOrMissingIsAnError) {
  EXPECT_THROW(read_text_file(write_temp("empty.txt", "")), Error);
  EXPECT_THROW(read_text_file("/nonexistent/file.txt"), Error);
}

TEST(JsonlText, JoinsRows) {
  const std::string path =
      write_temp("rows.jsonl", "{\"text\": \"a\"}\n\n{\"text\": \"\", \"id\": 2}\n{\"text\": \"b\\nc\"}\n");
  EXPECT_EQ(read_jsonl_text(path), "a\n\n\n\nb\nc");
  EXPECT_EQ(read_jsonl_text(path, "text", "|"), "a||b\nc");
}

TEST(JsonlText, BadRowsAreErrors) {
  using ::testing::HasSubstr;
  auto error_of = [](const std::string& content) {
    try {
      read_jsonl_text(write_temp("bad.jsonl", content));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of("{\"text\": \"a\"}\n{\"text\": 3}\n"), HasSubstr(":2: no string field \"text\""));
  EXPECT_THAT(error_of("{\"text\": \"a\"}\n{broken\n"), HasSubstr(":2: not a JSON object"));
  EXPECT_THAT(error_of("\n\n"), HasSubstr("no rows"));
}

TEST(JsonlText, WikiTextRowsGiveTheGptqText) {
  const std::string jsonl = data_dir() + "/wikitext-2-raw/wikitext-2-raw-v1.test.jsonl";
  REQUIRE_DATA(jsonl);
  EXPECT_EQ(read_jsonl_text(jsonl),
            read_text_file(data_dir() + "/wikitext-2-raw/wikitext-2-raw-v1.test.gptq.txt"));
}

TEST(JsonlText, C4Sample) {
  const std::string jsonl = data_dir() + "/c4-sample/c4_sample_200docs.jsonl";
  REQUIRE_DATA(jsonl);
  const std::string text = read_jsonl_text(jsonl);
  EXPECT_GT(text.size(), 500000u);
  EXPECT_NE(text.find("\n\n"), std::string::npos);
}

TEST(PtbText, StripsLinesAndJoinsWithSpaces) {
  EXPECT_EQ(read_ptb_text(write_temp("ptb.txt", " the cat <unk> \n a dog N \n")), "the cat <unk> a dog N");
  EXPECT_THROW(read_ptb_text(write_temp("ptb_empty.txt", "")), Error);
}

TEST(PtbText, SharedTestSplit) {
  const std::string path = data_dir() + "/ptb/ptb.test.txt";
  REQUIRE_DATA(path);
  const std::string raw = read_text_file(path);
  const size_t sentences = std::count(raw.begin(), raw.end(), '\n');
  const std::string text = read_ptb_text(path);
  // The README's 82,430 tokens count every word and one <eos> per sentence.
  size_t words = 1 + std::count(text.begin(), text.end(), ' ');
  EXPECT_EQ(words + sentences, 82430u);
  EXPECT_EQ(text.find("  "), std::string::npos);
}

TEST(Calibration, SeededAndInRange) {
  std::vector<int32_t> tokens(1000);
  std::iota(tokens.begin(), tokens.end(), 0);
  const auto a = sample_calibration(tokens, 16, 100, 42);
  const auto b = sample_calibration(tokens, 16, 100, 42);
  const auto c = sample_calibration(tokens, 16, 100, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  ASSERT_EQ(a.size(), 16u);
  std::mt19937_64 rng(42);  // the documented draw: start = rng() % (T - L + 1)
  for (const auto& s : a) {
    ASSERT_EQ(s.size(), 100u);
    EXPECT_EQ(s.front(), static_cast<int32_t>(rng() % 901));
    for (size_t i = 1; i < s.size(); ++i) EXPECT_EQ(s[i], s[0] + static_cast<int32_t>(i));
  }
  EXPECT_EQ(sample_calibration(tokens, 2, 1000, 7)[1], tokens);  // the only possible window
  EXPECT_THROW(sample_calibration(tokens, 1, 1001, 0), Error);
  EXPECT_THROW(sample_calibration(tokens, 1, 0, 0), Error);
}

TEST(Windows, NonOverlappingFromTheStart) {
  std::vector<int32_t> tokens(10);
  std::iota(tokens.begin(), tokens.end(), 0);
  const auto w = non_overlapping_windows(tokens, 3);
  ASSERT_EQ(w.size(), 3u);  // the tail token 9 is not evaluated
  EXPECT_EQ(w[2].front(), 6);
  EXPECT_EQ(w[2].size(), 3u);
  EXPECT_EQ(non_overlapping_windows(tokens, 3, 2).size(), 2u);
  EXPECT_EQ(non_overlapping_windows(tokens, 3, 9).size(), 3u);
  EXPECT_TRUE(non_overlapping_windows(tokens, 11).empty());
  EXPECT_THROW(non_overlapping_windows(tokens, 0), Error);
}

}  // namespace
}  // namespace gptqt
