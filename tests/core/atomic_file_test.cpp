// Atomic output: a file appears whole or not at all, an unfinished one leaves the old
// content, and a device (/dev/null) or a pipe is written in place, never replaced.
#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "test_paths.h"

namespace gptqt {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AtomicFile, ReplacesWholeOrLeavesTheOldFile) {
  const std::string path = test::temp_dir() + "/out.txt";
  write_file_atomic(path, "old");
  {
    AtomicFile f(path);
    f.write("half of the new");
    EXPECT_EQ(read(path), "old") << "nothing shows before commit";
  }  // not committed: the temporary goes, the old file stays
  EXPECT_EQ(read(path), "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()),
                          std::filesystem::directory_iterator{}),
            1) << "no temporary left behind";
  write_file_atomic(path, "new");
  EXPECT_EQ(read(path), "new");
  EXPECT_THROW(write_file_atomic(test::temp_dir(), "x"), Error) << "a folder is not a file";
}

TEST(AtomicFile, DevicesAndPipesAreWrittenInPlace) {
  write_file_atomic("/dev/null", "discarded");
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null must stay a device";
  const std::string fifo = test::temp_dir() + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = read(fifo); });
  write_file_atomic(fifo, "through the pipe");
  reader.join();
  EXPECT_EQ(got, "through the pipe");
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

}  // namespace
}  // namespace gptqt
