// rope_angles_cached gives what rope_angles gives for every set of arguments, when
// they alternate (global and local layers) and when the positions move on.
#include <gtest/gtest.h>

#include <vector>

#include "model/rope.h"

namespace gptqt {
namespace {

void expect_same(const RopeAngles& got, const RopeAngles& want) {
  EXPECT_EQ(got.T, want.T);
  EXPECT_EQ(got.half, want.half);
  EXPECT_EQ(got.cos, want.cos);
  EXPECT_EQ(got.sin, want.sin);
}

TEST(Rope, CachedAnglesAreTheAnglesOfTheirArguments) {
  const std::vector<double> global = {1.0, 0.1, 0.01, 0.001}, local = {1.0, 0.3, 0.09, 0.027};
  for (int pos0 : {0, 7, 8})
    for (int T : {1, 3})
      for (int layer = 0; layer < 4; ++layer) {  // layers alternate between the two sets
        const std::vector<double>& f = layer % 2 ? local : global;
        const float af = layer % 2 ? 1.f : 1.25f;
        expect_same(rope_angles_cached(f, af, T, pos0), rope_angles(f, af, T, pos0));
      }
  // Same frequencies but another attention factor, then changed frequencies in place.
  expect_same(rope_angles_cached(global, 0.5f, 2, 7), rope_angles(global, 0.5f, 2, 7));
  std::vector<double> changed = global;
  expect_same(rope_angles_cached(changed, 1.f, 2, 7), rope_angles(changed, 1.f, 2, 7));
  changed[1] = 0.2;
  expect_same(rope_angles_cached(changed, 1.f, 2, 7), rope_angles(changed, 1.f, 2, 7));
}

}  // namespace
}  // namespace gptqt
