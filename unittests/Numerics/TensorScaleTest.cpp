//===- TensorScaleTest.cpp - Tests for NVFP4's per-tensor scale -----------===//

#include "qblock/Numerics/TensorScale.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace qblock::numerics;

namespace {

TEST(TensorScaleTest, SmallestExponentBringingAmaxTo2688) {
  FormatBook e2m1 = FormatBook::e2m1(); // largest value 6: 448 * 6 = 2688
  EXPECT_EQ(e4m3TensorScaleExponent(2.0, e2m1), -10);     // 2048 <= 2688
  EXPECT_EQ(e4m3TensorScaleExponent(2.7, e2m1), -9);      // 2.7 * 1024 > 2688
  EXPECT_EQ(e4m3TensorScaleExponent(2000.0, e2m1), 0);    // already in range
  EXPECT_EQ(e4m3TensorScaleExponent(2688.0, e2m1), 0);    // the bound itself
  EXPECT_EQ(e4m3TensorScaleExponent(1344.0, e2m1), -1);   // 2688 exactly
  EXPECT_EQ(e4m3TensorScaleExponent(std::nextafter(2688.0, 1e9), e2m1), 1);
  EXPECT_EQ(e4m3TensorScaleExponent(5000.0, e2m1), 1);
  EXPECT_EQ(e4m3TensorScaleExponent(0.0, e2m1), 0);
  // Clamped so that 2^e stays a normal f32.
  EXPECT_EQ(e4m3TensorScaleExponent(1e-45, e2m1), -126);
  EXPECT_EQ(e4m3TensorScaleExponent(3.4e38, e2m1), 117);
}

} // namespace
