// The bandwidth probe that `gptqt bench` judges generation by: larger than the
// last-level cache by far (a host here has 260 MiB of L3, more than the 256 MiB
// probe once was), and that cache's size as the kernel's sysfs gives it.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/cpu_features.h"
#include "kernels/read_bandwidth.h"

namespace gptqt::kernels {
namespace {

TEST(ReadBandwidth, LastLevelCacheAgreesWithSysfs) {
  std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index3/size");  // e.g. "266240K"
  std::string size;
  if (!(in >> size) || size.back() != 'K') GTEST_SKIP() << "no L3 size in sysfs";
  const int64_t sysfs = std::stoll(size.substr(0, size.size() - 1)) << 10;
  // The C library reads CPUID; some hypervisors report the two differently, but
  // never by a factor of two (a unit mistake would be 1024).
  const int64_t ours = last_level_cache_bytes();
  EXPECT_GT(ours, sysfs / 2);
  EXPECT_LT(ours, sysfs * 2);
}

TEST(ReadBandwidth, ProbeIsFourTimesTheLastLevelCacheAndAtLeast256MiB) {
  const ReadBandwidth bw = measure_read_bandwidth(0, 1);
  EXPECT_GE(bw.bytes, 4 * last_level_cache_bytes());
  EXPECT_GE(bw.bytes, int64_t(256) << 20);
  EXPECT_EQ(bw.passes, 1);
  EXPECT_GT(bw.bytes_per_second, 1e8);
}

}  // namespace
}  // namespace gptqt::kernels
