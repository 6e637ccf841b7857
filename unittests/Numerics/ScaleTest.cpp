//===- ScaleTest.cpp - Tests for shared block scales ----------------------===//

#include "qblock/Numerics/Scale.h"

#include "gtest/gtest.h"

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>

using namespace qblock::numerics;

namespace {

TEST(ScaleTest, KindsAndSizes) {
  EXPECT_EQ(scaleBytes(ScaleKind::E8M0), 1);
  EXPECT_EQ(scaleBytes(ScaleKind::E4M3), 1);
  EXPECT_EQ(scaleBytes(ScaleKind::F16), 2);
  EXPECT_EQ(scaleBits(ScaleKind::F16), 16);
  EXPECT_EQ(scaleKindName(ScaleKind::E8M0), "e8m0");
  EXPECT_EQ(scaleKindName(ScaleKind::E4M3), "e4m3");
  EXPECT_EQ(scaleKindName(ScaleKind::F16), "f16");
}

TEST(ScaleTest, E4M3KnownValues) {
  EXPECT_EQ(floatToE4M3(448.0f), 0x7E);
  EXPECT_EQ(floatToE4M3(-448.0f), 0xFE);
  EXPECT_EQ(floatToE4M3(1.0f), 0x38);
  EXPECT_EQ(floatToE4M3(0.015625f), 0x08);           // 2^-6, smallest normal
  EXPECT_EQ(floatToE4M3(7.0f * 0.001953125f), 0x07); // largest subnormal
  EXPECT_EQ(floatToE4M3(0.001953125f), 0x01);        // 2^-9, smallest subnormal
  EXPECT_EQ(floatToE4M3(0.0019531f), 0x01);          // just below 2^-9
  EXPECT_EQ(floatToE4M3(0.0f), 0x00);
  EXPECT_EQ(floatToE4M3(-0.0f), 0x80);

  // Ties go to the even mantissa.
  EXPECT_EQ(floatToE4M3(std::ldexp(1.0f, -10)), 0x00);         // 0.5 quantum
  EXPECT_EQ(floatToE4M3(std::ldexp(3.0f, -10)), 0x02);         // 1.5 quanta
  EXPECT_EQ(floatToE4M3(1.0625f), 0x38);                       // 1 | 1.125
  EXPECT_EQ(floatToE4M3(1.1875f), 0x3A);                       // 1.125 | 1.25
  EXPECT_EQ(floatToE4M3(std::nextafter(1.0625f, 2.0f)), 0x39); // past the tie
  EXPECT_EQ(floatToE4M3(464.0f), 0x7E); // tie 448 | 480: even is 448

  // Finite values saturate; E4M3 has no infinity.
  EXPECT_EQ(floatToE4M3(465.0f), 0x7E);
  EXPECT_EQ(floatToE4M3(1e30f), 0x7E);
  EXPECT_EQ(floatToE4M3(-FLT_MAX), 0xFE);
  EXPECT_EQ(floatToE4M3(INFINITY), 0x7F);
  EXPECT_EQ(floatToE4M3(-INFINITY), 0xFF);
  EXPECT_EQ(floatToE4M3(NAN), 0x7F);

  EXPECT_EQ(e4m3ToFloat(0x7E), 448.0f);
  EXPECT_EQ(e4m3ToFloat(0x01), 0.001953125f);
  EXPECT_EQ(e4m3ToFloat(0x3D), 1.625f);
  EXPECT_TRUE(std::signbit(e4m3ToFloat(0x80)));
  EXPECT_TRUE(std::isnan(e4m3ToFloat(0x7F)));
  EXPECT_TRUE(std::isnan(e4m3ToFloat(0xFF)));
}

TEST(ScaleTest, E4M3EveryCodeRoundTrips) {
  for (int code = 0; code < 256; ++code) {
    if ((code & 0x7F) == 0x7F)
      continue;
    float value = e4m3ToFloat(static_cast<uint8_t>(code));
    EXPECT_EQ(floatToE4M3(value), code) << "value " << value;
    // Strictly increasing magnitudes over the positive codes.
    if (code > 0 && code < 0x7F) {
      EXPECT_GT(value, e4m3ToFloat(static_cast<uint8_t>(code - 1)));
    }
  }
}

TEST(ScaleTest, HalfKnownValues) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -14)), 0x0400);
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  // Ties to even.
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(3.0f, -11)), 0x3C02);
  // Saturation of finite values, including the tie 65504 | 65536.
  EXPECT_EQ(floatToHalf(65520.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(1e10f), 0x7BFF);
  EXPECT_EQ(floatToHalf(-1e10f), 0xFBFF);
  EXPECT_EQ(floatToHalf(INFINITY), 0x7C00);
  EXPECT_EQ(floatToHalf(NAN), 0x7E00);

  EXPECT_EQ(halfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(halfToFloat(0x7C00), INFINITY);
  EXPECT_TRUE(std::isnan(halfToFloat(0x7E00)));
}

TEST(ScaleTest, HalfEveryFiniteCodeRoundTrips) {
  for (int code = 0; code < 65536; ++code) {
    if ((code & 0x7C00) == 0x7C00)
      continue;
    float value = halfToFloat(static_cast<uint16_t>(code));
    ASSERT_EQ(floatToHalf(value), code) << "value " << value;
  }
}

TEST(ScaleTest, E8M0Rule) {
  FormatBook book = FormatBook::dialectFP4();
  auto code = [&](float amax) {
    return computeScaleCode(ScaleKind::E8M0, amax, book);
  };
  EXPECT_EQ(code(0.0f), 0);
  EXPECT_EQ(code(NAN), 0xFF);
  EXPECT_EQ(code(INFINITY), 0xFF);
  EXPECT_EQ(code(1.0f), 125);  // e = 0 - 2
  EXPECT_EQ(code(3.99f), 126); // e = 1 - 2
  EXPECT_EQ(code(4.0f), 127);
  EXPECT_EQ(code(std::nextafter(8.0f, 0.0f)), 127);
  EXPECT_EQ(code(8.0f), 128);
  EXPECT_EQ(code(FLT_MAX), 252);
  EXPECT_EQ(code(std::ldexp(1.0f, -124)), 1);
  EXPECT_EQ(code(std::ldexp(1.0f, -125)), 0);
  // Subnormal amax: frexp sees the exact exponent, then e clamps at -127.
  EXPECT_EQ(code(std::ldexp(1.0f, -140)), 0);
  EXPECT_EQ(code(std::numeric_limits<float>::denorm_min()), 0);

  // A larger book raises the offset: max 127 halves -> offset 5.
  FormatBook wide = FormatBook::custom({{0, 1, 2, 3, 4, 5, 6, 127}});
  EXPECT_EQ(computeScaleCode(ScaleKind::E8M0, 1.0f, wide), 122);

  for (int c = 0; c < 255; ++c)
    EXPECT_EQ(decodeScale(ScaleKind::E8M0, c), std::ldexp(1.0f, c - 127));
  EXPECT_TRUE(std::isnan(decodeScale(ScaleKind::E8M0, 0xFF)));
}

TEST(ScaleTest, E8M0PutsBlockMaximumInTopBinade) {
  // |amax| / 2^e in [4, 8), i.e. amax in half units in [8, 16), whenever the
  // exponent is not clamped; [16, 32) for a book whose offset is 3.
  FormatBook book = FormatBook::dialectFP4();
  FormatBook offset3 = FormatBook::custom({{0, 1, 2, 3, 4, 5, 6, 16}});
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  std::uniform_int_distribution<int> exponent(-120, 120);
  for (int i = 0; i < 20000; ++i) {
    float amax = std::ldexp(mantissa(rng), exponent(rng));
    uint16_t c = computeScaleCode(ScaleKind::E8M0, amax, book);
    float t = amax / halfScale(ScaleKind::E8M0, c);
    ASSERT_GE(t, 8.0f) << amax;
    ASSERT_LT(t, 16.0f) << amax;
    c = computeScaleCode(ScaleKind::E8M0, amax, offset3);
    t = amax / halfScale(ScaleKind::E8M0, c);
    ASSERT_GE(t, 16.0f) << amax;
    ASSERT_LT(t, 32.0f) << amax;
  }
}

TEST(ScaleTest, E4M3AndF16Rules) {
  FormatBook e2m1 = FormatBook::e2m1();
  FormatBook int4 = FormatBook::int4();
  // NVFP4: amax / 6 rounded to E4M3.
  EXPECT_EQ(computeScaleCode(ScaleKind::E4M3, 6.0f, e2m1), 0x38);
  EXPECT_EQ(computeScaleCode(ScaleKind::E4M3, 10.0f, e2m1), 0x3D); // 1.625
  EXPECT_EQ(computeScaleCode(ScaleKind::E4M3, 6.0f * 448.0f, e2m1), 0x7E);
  EXPECT_EQ(computeScaleCode(ScaleKind::E4M3, 1e30f, e2m1), 0x7E);
  EXPECT_EQ(computeScaleCode(ScaleKind::E4M3, 1e-6f, e2m1), 0x00);
  EXPECT_EQ(computeScaleCode(ScaleKind::E4M3, 0.0f, e2m1), 0x00);
  EXPECT_EQ(computeScaleCode(ScaleKind::E4M3, NAN, e2m1), 0x7F);
  EXPECT_EQ(computeScaleCode(ScaleKind::E4M3, INFINITY, e2m1), 0x7F);
  // The divisor follows the book: int4's largest value is 7.
  EXPECT_EQ(computeScaleCode(ScaleKind::E4M3, 7.0f, int4), 0x38);

  // INT4: amax / 7 rounded to f16.
  EXPECT_EQ(computeScaleCode(ScaleKind::F16, 7.0f, int4), 0x3C00);
  EXPECT_EQ(computeScaleCode(ScaleKind::F16, 1.0f, int4),
            floatToHalf(1.0f / 7.0f));
  EXPECT_EQ(computeScaleCode(ScaleKind::F16, 7.0f * 70000.0f, int4), 0x7BFF);
  EXPECT_EQ(computeScaleCode(ScaleKind::F16, NAN, int4), 0x7E00);
  EXPECT_EQ(computeScaleCode(ScaleKind::F16, INFINITY, int4), 0x7E00);
}

TEST(ScaleTest, HalfScaleAndNaNCodes) {
  for (int c = 0; c < 256; ++c) {
    for (ScaleKind kind : {ScaleKind::E8M0, ScaleKind::E4M3}) {
      float full = decodeScale(kind, c);
      float half = halfScale(kind, c);
      EXPECT_EQ(std::isnan(half), isNaNScale(kind, c)) << c;
      if (!std::isnan(full)) {
        EXPECT_EQ(half, 0.5f * full);
      }
    }
  }
  EXPECT_EQ(halfScale(ScaleKind::F16, 0x3C00), 0.5f);
  EXPECT_TRUE(isNaNScale(ScaleKind::E8M0, 0xFF));
  EXPECT_FALSE(isNaNScale(ScaleKind::E8M0, 0xFE));
  EXPECT_TRUE(isNaNScale(ScaleKind::E4M3, 0x7F));
  EXPECT_TRUE(isNaNScale(ScaleKind::E4M3, 0xFF));
  EXPECT_FALSE(isNaNScale(ScaleKind::E4M3, 0x7E));
  EXPECT_TRUE(isNaNScale(ScaleKind::F16, 0x7E00));
  // Infinite F16 scales decode to NaN, like every NaN scale code.
  EXPECT_TRUE(isNaNScale(ScaleKind::F16, 0x7C00));
  EXPECT_TRUE(std::isnan(halfScale(ScaleKind::F16, 0x7C00)));
  EXPECT_TRUE(std::isnan(halfScale(ScaleKind::F16, 0xFC00)));
  EXPECT_EQ(halfScale(ScaleKind::F16, 0x7BFF), 0.5f * 65504.0f);
  EXPECT_TRUE(isNaNScale(ScaleKind::F16, 0xFE00));
  EXPECT_TRUE(isNaNScale(ScaleKind::F16, 0x7C00)); // non-finite counts
  EXPECT_FALSE(isNaNScale(ScaleKind::F16, 0x7BFF));
  EXPECT_FALSE(isNaNScale(ScaleKind::F16, 0x0000));
}

} // namespace
