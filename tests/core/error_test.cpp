// Error messages stay one printable line; small files are read without ever
// blocking on a pipe.
#include "core/error.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "core/file_read.h"
#include "core/mapped_file.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

TEST(Error, MessagesAreOnePrintableLine) {
  EXPECT_EQ(printable("plain text, 100%"), "plain text, 100%");
  EXPECT_EQ(printable(std::string("a\0b\nc\x1b[0m\x7f", 10)), "a\\x00b\\x0ac\\x1b[0m\\x7f");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x81\x87 \xf0\x9f\x99\x82"), "caf\xc3\xa9 \xe2\x81\x87 \xf0\x9f\x99\x82");
  EXPECT_EQ(printable("\xc3"), "\\xc3");                  // cut short
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");         // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(printable("\xc2\x9b"), "\\xc2\\x9b");         // C1 control (CSI)
  try {
    fail("key {}", std::string("x\0y", 3));
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "key x\\x00y");  // not cut at the NUL
  }
}

TEST(FileRead, RefusesWhatIsNotARegularFile) {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/f.txt") << "hello";
  EXPECT_EQ(read_file(dir + "/f.txt"), "hello");
  EXPECT_THROW(read_file(dir + "/f.txt", 4), Error);  // over the size limit
  EXPECT_THROW(read_file(dir + "/missing"), Error);
  EXPECT_THROW(read_file(dir), Error);
  ASSERT_EQ(::mkfifo((dir + "/pipe").c_str(), 0600), 0);
  EXPECT_THROW(read_file(dir + "/pipe"), Error);  // would block for ever if opened blocking
  EXPECT_THROW(MappedFile(dir + "/pipe"), Error);
  EXPECT_THROW(read_file("/dev/zero"), Error);
}
