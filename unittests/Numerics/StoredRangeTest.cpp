//===- StoredRangeTest.cpp - Tests for the block maxima kept precisely ----===//
//
// The top of a stored range must be where quantizing starts to clip: a
// block whose maximum is at the top decodes it back, one above decodes to
// less. Checked by quantizing, not against the formulas.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/StoredRange.h"

#include "gtest/gtest.h"

#include <cmath>
#include <vector>

using namespace qblock::numerics;

namespace {

/// The largest magnitude of one block of `scheme` holding `amax` and small
/// values, after quantizing and decoding.
float decodedBlockMax(const Scheme &scheme, float amax) {
  std::vector<float> values(scheme.blockSize, amax / 8);
  values[0] = amax;
  QuantizedBlock block;
  quantizeBlock(values.data(), scheme, block);
  std::vector<float> decoded(scheme.blockSize);
  dequantizeBlock(block, scheme, decoded.data());
  float largest = 0;
  for (float v : decoded)
    largest = std::max(largest, std::fabs(v));
  return largest;
}

TEST(StoredRangeTest, BlockScaleTopIsWhereValuesClip) {
  for (const Scheme &scheme : {Scheme::nvfp4(), Scheme::int4()}) {
    std::optional<StoredRange> range = storedRange(scheme);
    ASSERT_TRUE(range);
    EXPECT_EQ(decodedBlockMax(scheme, range->largest), range->largest);
    float above = range->largest * 1.25f;
    EXPECT_LT(decodedBlockMax(scheme, above), above * 0.9f);
  }
  // 448 * 6 and 65504 * 7.
  EXPECT_EQ(storedRange(Scheme::nvfp4())->largest, 2688.0f);
  EXPECT_EQ(storedRange(Scheme::int4())->largest, 458528.0f);
  // E8M0 has no top.
  EXPECT_TRUE(std::isinf(storedRange(Scheme::mxfp4())->largest));
  EXPECT_TRUE(std::isinf(storedRange(Scheme::blockDialect())->largest));
}

TEST(StoredRangeTest, BCQTopIsWhereValuesClip) {
  BCQScheme scheme;
  scheme.group = 8;
  StoredRange range = storedRange(scheme);
  EXPECT_EQ(range.largest, 65504.0f);
  EXPECT_EQ(range.spanBits, 0);
  auto decodedMax = [&](float amax) {
    std::vector<float> values = {amax,  -amax, 0.5f, 0.25f,
                                 -0.5f, 1.0f,  2.0f, -1.0f};
    std::vector<uint8_t> packed = fitBCQ(values.data(), 1, 8, scheme);
    std::vector<float> decoded = dequantizeBCQ(packed.data(), 1, 8, scheme);
    return std::fabs(decoded[0]);
  };
  EXPECT_NEAR(decodedMax(60000.0f), 60000.0f, 60000.0f * 0.01f);
  EXPECT_LT(decodedMax(1e6f), 1e6f * 0.5f);
  BCQScheme uniform = scheme;
  uniform.fromUniform = true;
  EXPECT_EQ(storedRange(uniform).spanBits, 3);
}

TEST(StoredRangeTest, CountsRunsOutsideTheRange) {
  StoredRange range{1.0f, 100.0f};
  // Runs of 2: zeros (skipped), in range, above, below, non-finite
  // (skipped: it decodes to NaN whatever the range).
  std::vector<float> values = {0,    0,      5,        -50, 200, 1,
                               0.5f, -0.25f, INFINITY, 1,   NAN, 2};
  MaximaCounts counts;
  countMaxima(values.data(), values.size(), 2, range, counts);
  EXPECT_EQ(counts.nonZero, 3);
  EXPECT_EQ(counts.above, 1);
  EXPECT_EQ(counts.below, 1);
  EXPECT_EQ(counts.largestMax, 200.0f);
  EXPECT_EQ(counts.smallestMax, 0.5f);
  MaximaCounts more;
  more.add(counts);
  more.add(counts);
  EXPECT_EQ(more.nonZero, 6);
  EXPECT_EQ(more.above, 2);
  EXPECT_EQ(more.smallestMax, 0.5f);
}

} // namespace
