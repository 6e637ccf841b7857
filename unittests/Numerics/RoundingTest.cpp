//===- RoundingTest.cpp - Tests for the numerics core's rounding ----------===//

#include "qblock/Numerics/Rounding.h"

#include "gtest/gtest.h"

#include <cfenv>
#include <cmath>

using namespace qblock::numerics;

namespace {

TEST(RoundingTest, NearestWithTiesToEven) {
  EXPECT_EQ(roundHalfEven(0.0), 0.0);
  EXPECT_EQ(roundHalfEven(0.25), 0.0);
  EXPECT_EQ(roundHalfEven(0.5), 0.0);
  EXPECT_EQ(roundHalfEven(0.75), 1.0);
  EXPECT_EQ(roundHalfEven(1.5), 2.0);
  EXPECT_EQ(roundHalfEven(2.5), 2.0);
  EXPECT_EQ(roundHalfEven(3.5), 4.0);
  EXPECT_EQ(roundHalfEven(std::nextafter(2.5, 3.0)), 3.0);
  EXPECT_EQ(roundHalfEven(std::nextafter(2.5, 2.0)), 2.0);
  // Integers too large to have a fraction come back unchanged.
  EXPECT_EQ(roundHalfEven(9007199254740993.0), 9007199254740993.0);
  EXPECT_EQ(roundHalfEven(1e300), 1e300);
}

// Kernels reproduce codes rounded by the core bit for bit, so the host's
// rounding mode must not leak in (std::nearbyint would follow it).
TEST(RoundingTest, IndependentOfRoundingMode) {
  const double inputs[] = {0.5, 1.5, 2.5, 2.4, 2.6, 7.5, 1048575.5};
  double expected[std::size(inputs)];
  for (size_t i = 0; i < std::size(inputs); ++i)
    expected[i] = roundHalfEven(inputs[i]);
  for (int mode : {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO}) {
    ASSERT_EQ(std::fesetround(mode), 0);
    for (size_t i = 0; i < std::size(inputs); ++i)
      EXPECT_EQ(roundHalfEven(inputs[i]), expected[i]) << inputs[i];
  }
  std::fesetround(FE_TONEAREST);
}

} // namespace
