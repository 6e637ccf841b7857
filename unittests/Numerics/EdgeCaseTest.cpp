//===- EdgeCaseTest.cpp - Numerical edge cases of block quantization ------===//
//
// Blocks at the edges of the formats: all-equal values, one outlier among
// small values, values that are exactly representable (must round-trip
// bit for bit, at the extremes of the scale range too), and scales at the
// limits of E8M0 and E4M3.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/BlockQuant.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <vector>

namespace num = qblock::numerics;

namespace {

std::vector<float> roundTrip(const std::vector<float> &values,
                             const num::Scheme &scheme,
                             num::QuantizedBlock *out = nullptr) {
  num::QuantizedBlock block;
  num::quantizeBlock(values.data(), scheme, block);
  std::vector<float> decoded(values.size());
  num::dequantizeBlock(block, scheme, decoded.data());
  if (out)
    *out = block;
  return decoded;
}

std::vector<num::Scheme> allSchemes() {
  return {num::Scheme::blockDialect(32, num::SelectRule::MSE),
          num::Scheme::blockDialect(32, num::SelectRule::TwoStage),
          num::Scheme::mxfp4(32), num::Scheme::nvfp4(16),
          num::Scheme::int4(32)};
}

TEST(EdgeCaseTest, AllEqualBlocksDecodeToOneValueCloseToTheInput) {
  for (const num::Scheme &scheme : allSchemes())
    for (float v : {1.0f, -3.3f, 1e-20f, 7.5e30f}) {
      // E4M3 and F16 scales cover a limited range (there is no per-tensor
      // scale yet): beyond it blocks saturate or flush, checked below.
      bool inRange = scheme.scale == num::ScaleKind::E8M0 ||
                     (std::fabs(v) > 1e-3f && std::fabs(v) < 1e3f);
      if (!inRange)
        continue;
      std::vector<float> block(scheme.blockSize, v);
      std::vector<float> decoded = roundTrip(block, scheme);
      for (float d : decoded)
        EXPECT_EQ(d, decoded[0]) << "all elements decode alike";
      // The block maximum lands in the top binade of the book, where the
      // coarsest step is at most 1/3 of the value for these books.
      EXPECT_LE(std::fabs(decoded[0] - v), std::fabs(v) * 0.34f)
          << num::scaleKindName(scheme.scale) << " v=" << v;
      EXPECT_EQ(std::signbit(decoded[0]), std::signbit(v));
    }
}

TEST(EdgeCaseTest, LimitedScalesSaturateOrFlushOutOfRangeBlocks) {
  for (const num::Scheme &scheme :
       {num::Scheme::nvfp4(16), num::Scheme::int4(32)}) {
    float top = float(scheme.book.maxMagnitude()) / 2.0f *
                (scheme.scale == num::ScaleKind::E4M3 ? 448.0f : 65504.0f);
    std::vector<float> huge(scheme.blockSize, -7.5e30f);
    for (float d : roundTrip(huge, scheme))
      EXPECT_EQ(d, -top) << num::scaleKindName(scheme.scale);
    std::vector<float> tiny(scheme.blockSize, 1e-20f);
    for (float d : roundTrip(tiny, scheme))
      EXPECT_EQ(d, 0.0f) << num::scaleKindName(scheme.scale);
  }
}

TEST(EdgeCaseTest, OneOutlierKeepsItsMagnitudeAndFlushesOnlyTinyValues) {
  for (const num::Scheme &scheme : allSchemes()) {
    std::vector<float> block(scheme.blockSize, 0.01f);
    block[3] = 100.0f;
    std::vector<float> decoded = roundTrip(block, scheme);
    EXPECT_NEAR(decoded[3], 100.0f, 100.0f * 0.34f);
    // 0.01 is far below the smallest non-zero level of a block scaled for
    // 100: it rounds to zero, never to something larger.
    for (size_t i = 0; i < block.size(); ++i)
      if (i != 3)
        EXPECT_LE(std::fabs(decoded[i]), 0.01f + 100.0f / 6.0f * 0.5f);
  }
}

TEST(EdgeCaseTest, RepresentableValuesRoundTripExactlyAcrossTheE8M0Range) {
  // Values on dialect 0's grid (plus its maximum so the scale lands where
  // the values were built), at small, unit and huge scales.
  num::Scheme scheme = num::Scheme::blockDialect(32);
  const num::DialectTable &table = scheme.book.dialect(0);
  for (int e : {-120, -3, 0, 5, 120}) {
    std::vector<float> block(32);
    for (int i = 0; i < 32; ++i) {
      int level = (i == 0) ? 7 : i % 8;
      float value = std::ldexp(float(table[level]) * 0.5f, e);
      block[i] = (i % 3 == 1) ? -value : value;
    }
    num::QuantizedBlock quantized;
    std::vector<float> decoded = roundTrip(block, scheme, &quantized);
    EXPECT_EQ(quantized.dialect, 0) << "e=" << e;
    for (int i = 0; i < 32; ++i)
      EXPECT_EQ(decoded[i], block[i]) << "e=" << e << " i=" << i;
  }
}

TEST(EdgeCaseTest, E8M0ScaleAtItsLimits) {
  num::Scheme scheme = num::Scheme::mxfp4(32);
  // The largest finite float: e = 127 - 2 = 125 (code 252); decodes finite.
  std::vector<float> huge(32, FLT_MAX);
  num::QuantizedBlock block;
  std::vector<float> decoded = roundTrip(huge, scheme, &block);
  EXPECT_EQ(block.scaleCode, 127 + 125);
  for (float d : decoded) {
    EXPECT_TRUE(std::isfinite(d));
    EXPECT_GT(d, FLT_MAX / 2);
  }
  // The smallest subnormal: e clamps at -127 (code 0); the value is below
  // half the smallest level there and flushes to zero.
  std::vector<float> tiny(32, std::numeric_limits<float>::denorm_min());
  decoded = roundTrip(tiny, scheme, &block);
  EXPECT_EQ(block.scaleCode, 0);
  for (float d : decoded)
    EXPECT_EQ(d, 0.0f);
}

TEST(EdgeCaseTest, E4M3ScaleAtItsLimits) {
  num::Scheme scheme = num::Scheme::nvfp4(16);
  // amax / 6 beyond 448 saturates at 448 (0x7E): values clamp to 6 * 448.
  std::vector<float> big(16, 1e6f);
  num::QuantizedBlock block;
  std::vector<float> decoded = roundTrip(big, scheme, &block);
  EXPECT_EQ(block.scaleCode, 0x7E);
  for (float d : decoded)
    EXPECT_EQ(d, 6.0f * 448.0f);
  // amax / 6 at E4M3's smallest subnormal, 2^-9: representable exactly.
  std::vector<float> small(16, 6.0f * std::ldexp(1.0f, -9));
  decoded = roundTrip(small, scheme, &block);
  EXPECT_EQ(block.scaleCode, 0x01);
  for (float d : decoded)
    EXPECT_EQ(d, small[0]);
  // Far below it the scale rounds to zero and the block decodes to zeros.
  std::vector<float> tiny(16, 1e-12f);
  decoded = roundTrip(tiny, scheme, &block);
  for (float d : decoded)
    EXPECT_EQ(d, 0.0f);
}

} // namespace
