//===- Int8Test.cpp - Tests for the INT8 activation format ----------------===//
//
// INT8 is the one book without dialect tables: 8-bit two's-complement codes
// q in [-127, 127] under an f16 (or E8M0) block scale. These tests define it
// independently of the implementation: q = the integer nearest to x / scale
// (ties to the smaller magnitude), scale = f16(amax / 127).
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/BlockQuant.h"
#include "qblock/Numerics/Layout.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace qblock::numerics;

namespace {

TEST(Int8Test, BookAndScheme) {
  FormatBook book = FormatBook::int8();
  EXPECT_TRUE(book.isInteger());
  EXPECT_EQ(book.codeBits(), 8);
  EXPECT_EQ(book.size(), 1);
  EXPECT_EQ(book.maxMagnitude(), 254);
  EXPECT_EQ(book.builtinName(), "int8");
  EXPECT_NE(book, FormatBook::int4());
  EXPECT_FALSE(FormatBook::int4().isInteger());
  EXPECT_EQ(FormatBook::int4().codeBits(), 4);
  Scheme scheme = Scheme::int8();
  EXPECT_EQ(scheme.scale, ScaleKind::F16);
  EXPECT_EQ(scheme.blockSize, 32);
  EXPECT_DOUBLE_EQ(scheme.bitsPerElement(), 8.5);
}

TEST(Int8Test, KnownBlock) {
  // amax 127 -> scale exactly 1 (f16 0x3C00): codes are the inputs rounded
  // to integers, ties to the smaller magnitude.
  std::vector<float> x(32, 0.0f);
  const float in[] = {127.0f, -3.5f, 1.5f, 2.5f, 1.25f, -0.4f, 126.6f,
                      -126.5f, 0.5f, -64.51f};
  const int codes[] = {127, -3, 1, 2, 1, 0, 127, -126, 0, -65};
  std::copy(std::begin(in), std::end(in), x.begin());
  QuantizedBlock q;
  quantizeBlock(x.data(), Scheme::int8(), q);
  EXPECT_EQ(q.scaleCode, 0x3C00);
  std::vector<float> out(32);
  dequantizeBlock(q, Scheme::int8(), out.data());
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(static_cast<int8_t>(q.codes[i]), codes[i]) << i;
    EXPECT_EQ(out[i], static_cast<float>(codes[i])) << i;
  }
  // Small negatives round to code 0, which decodes to +0 (no sign bit).
  EXPECT_FALSE(std::signbit(out[5]));
  for (int i = 10; i < 32; ++i)
    EXPECT_EQ(q.codes[i], 0) << i;
}

/// Box-Muller over mt19937's raw output (reproducible everywhere).
std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; i += 2) {
    double u1 = (static_cast<double>(rng()) + 1.0) / 4294967297.0;
    double u2 = static_cast<double>(rng()) / 4294967296.0;
    double r = std::sqrt(-2.0 * std::log(u1));
    v[i] = static_cast<float>(r * std::cos(6.283185307179586 * u2));
    if (i + 1 < n)
      v[i + 1] = static_cast<float>(r * std::sin(6.283185307179586 * u2));
  }
  return v;
}

TEST(Int8Test, FollowsTheDefinition) {
  for (int64_t blockSize : {16, 32, 64}) {
    Scheme scheme = Scheme::int8(blockSize);
    std::vector<float> x = gaussian(blockSize * 64, 7 + blockSize);
    for (size_t i = 0; i < x.size(); i += 37)
      x[i] *= 20.0f; // outliers
    std::vector<float> out(blockSize);
    QuantizedBlock q;
    for (size_t b = 0; b < x.size(); b += blockSize) {
      const float *block = x.data() + b;
      float amax = 0.0f;
      for (int64_t i = 0; i < blockSize; ++i)
        amax = std::max(amax, std::fabs(block[i]));
      float scale = halfToFloat(floatToHalf(amax / 127.0f));
      quantizeBlock(block, scheme, q);
      ASSERT_EQ(q.scaleCode, floatToHalf(amax / 127.0f));
      dequantizeBlock(q, scheme, out.data());
      for (int64_t i = 0; i < blockSize; ++i) {
        double u = std::fabs(static_cast<double>(block[i])) / scale;
        int expected = std::min(127, static_cast<int>(std::ceil(u - 0.5)));
        if (block[i] < 0)
          expected = -expected;
        EXPECT_EQ(static_cast<int8_t>(q.codes[i]), expected)
            << "block " << b << " element " << i << " x " << block[i];
        EXPECT_EQ(out[i], static_cast<float>(expected) * scale);
        // Within half a step of the input (the scale's f16 rounding can
        // push the block maximum a hair past level 127).
        EXPECT_LE(std::fabs(out[i] - block[i]), 0.5f * scale * 1.01f);
      }
    }
  }
}

TEST(Int8Test, ZeroAndNonFiniteBlocks) {
  Scheme scheme = Scheme::int8();
  std::vector<float> x(32, 0.0f), out(32);
  QuantizedBlock q;
  quantizeBlock(x.data(), scheme, q);
  EXPECT_EQ(q.scaleCode, 0);
  dequantizeBlock(q, scheme, out.data());
  for (float v : out)
    EXPECT_EQ(v, 0.0f);

  for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity()}) {
    x.assign(32, 1.0f);
    x[17] = bad;
    quantizeBlock(x.data(), scheme, q);
    EXPECT_TRUE(isNaNScale(ScaleKind::F16, q.scaleCode));
    dequantizeBlock(q, scheme, out.data());
    for (float v : out)
      EXPECT_TRUE(std::isnan(v));
  }
}

TEST(Int8Test, E8M0Scale) {
  // With a power-of-two scale the block maximum lands in [64, 128).
  Scheme scheme{FormatBook::int8(), ScaleKind::E8M0, 32, SelectRule::MSE};
  std::vector<float> x(32, 0.0f), out(32);
  x[0] = 1.0f;      // 2^0 -> e = -6, scale 1/64, code 64
  x[1] = -0.3f;     // 19.2 steps -> -19
  x[2] = 0.2578125f; // 16.5 steps: tie -> 16
  QuantizedBlock q;
  quantizeBlock(x.data(), scheme, q);
  EXPECT_EQ(q.scaleCode, 127 - 6);
  EXPECT_EQ(static_cast<int8_t>(q.codes[0]), 64);
  EXPECT_EQ(static_cast<int8_t>(q.codes[1]), -19);
  EXPECT_EQ(static_cast<int8_t>(q.codes[2]), 16);
  dequantizeBlock(q, scheme, out.data());
  EXPECT_EQ(out[1], -19.0f / 64.0f);
}

TEST(Int8Test, LayoutHasOneByteCodes) {
  Scheme scheme = Scheme::int8();
  BlockLayout layout = computeLayout(3, 64, scheme);
  EXPECT_EQ(layout.codeBits, 8);
  EXPECT_EQ(layout.codeBytesPerRow, 64);
  EXPECT_EQ(layout.codesBytes, 192);
  EXPECT_EQ(layout.dialectsBytes, 0);
  EXPECT_EQ(layout.scalesOffset, 192);
  EXPECT_EQ(layout.scalesBytes, 3 * 2 * 2);
  EXPECT_EQ(layout.totalBytes, 256);

  std::vector<float> x = gaussian(3 * 64, 99);
  std::vector<uint8_t> packed = quantizeMatrix(x.data(), 3, 64, scheme);
  // Element k of row r is byte r * 64 + k, its code.
  QuantizedBlock q;
  quantizeBlock(x.data() + 64 + 32, scheme, q);
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(packed[64 + 32 + i], q.codes[i]) << i;
  EXPECT_EQ(packed[192 + (1 * 2 + 1) * 2], q.scaleCode & 0xFF);
  EXPECT_EQ(packed[192 + (1 * 2 + 1) * 2 + 1], q.scaleCode >> 8);
  std::vector<float> decoded = dequantizeMatrix(packed.data(), 3, 64, scheme);
  std::vector<float> block(32);
  dequantizeBlock(q, scheme, block.data());
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(decoded[64 + 32 + i], block[i]);
}

} // namespace
