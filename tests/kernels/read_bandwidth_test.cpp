// The bandwidth probe that `gptqt bench` judges generation by: larger than the
// last-level cache by far (a host here has 260 MiB of L3, more than the 256 MiB
// probe once was), and that cache's size as the kernel's sysfs gives it.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "core/cpu_features.h"
#include "core/error.h"
#include "isa_loop.h"
#include "kernel_test_util.h"
#include "kernels/aligned_vector.h"
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
  EXPECT_NE(std::find(std::begin(kProbePrefetch), std::end(kProbePrefetch), bw.prefetch_bytes),
            std::end(kProbePrefetch));
}

// The readers must read every float once (a reader that skipped lines would measure
// a bandwidth no kernel gets): small integers sum exactly in fp32, on every path,
// every prefetch distance, 1 and 2 threads, and a short array (one thread's share
// under a line) as well as a long one.
TEST(ReadBandwidth, EveryReaderSumsEveryFloat) {
  std::mt19937 rng(5);
  for (int64_t n : {64, 192, 64 * 1001}) {
    AlignedVector<float> a(static_cast<size_t>(n));
    double want = 0;
    for (float& v : a) want += v = float(rng() % 4);
    gptqt::test::for_each_available_isa([&](Isa isa) {
      test::for_thread_counts([&] {
        for (int prefetch : kProbePrefetch)
          EXPECT_EQ(sum_floats(a.data(), n, prefetch), want) << isa_name(isa) << " n=" << n << " prefetch " << prefetch;
      });
    });
  }
}

TEST(ReadBandwidth, RefusesRaggedArrays) {
  AlignedVector<float> a(128, 1.f);
  EXPECT_THROW(sum_floats(a.data(), 100), Error);
  EXPECT_THROW(sum_floats(a.data() + 4, 64), Error);
}

}  // namespace
}  // namespace gptqt::kernels
