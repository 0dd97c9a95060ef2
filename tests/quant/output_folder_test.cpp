// The output-folder policy of `quantize -o` (quant/output_folder.h).
#include "quant/output_folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;
namespace fs = std::filesystem;

TEST(OutputFolder, NormalizesAndRejectsNonNames) {
  EXPECT_EQ(quant::normalize_output_path("out/q///"), "out/q");
  EXPECT_EQ(quant::normalize_output_path("q"), "q");
  for (const char* bad : {"", "/", ".", "..", "a/..", "a/./"}) EXPECT_THROW(quant::normalize_output_path(bad), Error) << bad;
}

TEST(OutputFolder, InstallSwapsAtomicallyAndDropsTheOldModel) {
  const std::string dir = temp_dir();
  const std::string out = dir + "/q", tmp = quant::temporary_output_folder(out);
  fs::create_directories(tmp);
  std::ofstream(tmp + "/gptqt.json") << "first";
  quant::install_output_folder(tmp, out);
  EXPECT_FALSE(fs::exists(tmp));
  fs::create_directories(tmp);
  std::ofstream(tmp + "/gptqt.json") << "second";
  quant::install_output_folder(tmp, out);
  std::ifstream in(out + "/gptqt.json");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "second");
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(OutputFolder, RefusesInputsAndForeignFolders) {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/model.gguf") << "x";
  EXPECT_THROW(quant::prepare_output_folder(dir + "/model.gguf", {dir + "/model.gguf"}), Error);
  EXPECT_THROW(quant::prepare_output_folder(dir, {dir + "/model.gguf"}), Error);  // holds the input
  fs::create_directories(dir + "/other");
  std::ofstream(dir + "/other/file") << "x";
  EXPECT_THROW(quant::prepare_output_folder(dir + "/other", {}), Error);
  EXPECT_NO_THROW(quant::prepare_output_folder(dir + "/new", {dir + "/model.gguf"}));
}
