//===- LayoutTest.cpp - Tests for the packed storage layout ---------------===//

#include "qblock/Numerics/Layout.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace qblock::numerics;

namespace {

std::vector<float> randomValues(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-20, 20);
  std::vector<float> v(n);
  for (float &x : v)
    x = std::ldexp(value(rng), exponent(rng));
  return v;
}

bool sameBits(float a, float b) { return std::memcmp(&a, &b, 4) == 0; }

std::vector<Scheme> schemes() {
  return {
      Scheme::blockDialect(32), Scheme::blockDialect(16, SelectRule::TwoStage),
      Scheme::mxfp4(32),        Scheme::nvfp4(16),
      Scheme::int4(32),         Scheme::int4(64)};
}

void expectSameBlock(const QuantizedBlock &a, const QuantizedBlock &b,
                     int64_t n) {
  EXPECT_EQ(a.dialect, b.dialect);
  EXPECT_EQ(a.scaleCode, b.scaleCode);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(a.codes[i], b.codes[i]) << "element " << i;
}

TEST(LayoutTest, OffsetsAndSizes) {
  BlockLayout bd = computeLayout(3, 96, Scheme::blockDialect(32));
  EXPECT_EQ(bd.blocksPerRow, 3);
  EXPECT_EQ(bd.codesOffset, 0);
  EXPECT_EQ(bd.codesBytes, 144);
  EXPECT_EQ(bd.dialectsOffset, 192);
  EXPECT_EQ(bd.dialectBytesPerRow, 2);
  EXPECT_EQ(bd.dialectsBytes, 6);
  EXPECT_EQ(bd.scalesOffset, 256);
  EXPECT_EQ(bd.scaleBytesPerCode, 1);
  EXPECT_EQ(bd.scalesBytes, 9);
  EXPECT_EQ(bd.totalBytes, 320);

  // One-dialect books store no dialect ids.
  BlockLayout mx = computeLayout(3, 96, Scheme::mxfp4(32));
  EXPECT_EQ(mx.dialectsBytes, 0);
  EXPECT_EQ(mx.dialectBytesPerRow, 0);
  EXPECT_EQ(mx.scalesOffset, 192);
  EXPECT_EQ(mx.totalBytes, 256);

  BlockLayout i4 = computeLayout(3, 96, Scheme::int4(32));
  EXPECT_EQ(i4.scaleBytesPerCode, 2);
  EXPECT_EQ(i4.scalesBytes, 18);
  EXPECT_EQ(i4.totalBytes, 256);

  for (const Scheme &scheme : schemes())
    for (int64_t rows : {1, 3, 7, 64})
      for (int64_t blocks : {1, 2, 5}) {
        BlockLayout l = computeLayout(rows, blocks * scheme.blockSize, scheme);
        EXPECT_EQ(l.codesOffset % kArrayAlignment, 0);
        EXPECT_EQ(l.dialectsOffset % kArrayAlignment, 0);
        EXPECT_EQ(l.scalesOffset % kArrayAlignment, 0);
        EXPECT_EQ(l.totalBytes % kArrayAlignment, 0);
        EXPECT_LE(l.codesOffset + l.codesBytes, l.dialectsOffset);
        EXPECT_LE(l.dialectsOffset + l.dialectsBytes, l.scalesOffset);
        EXPECT_LE(l.scalesOffset + l.scalesBytes, l.totalBytes);
        EXPECT_LT(l.totalBytes - (l.scalesOffset + l.scalesBytes),
                  kArrayAlignment);
      }
}

TEST(LayoutTest, WorkedByteExample) {
  // The example of docs/formats.md: one row, k = 64, BlockDialect-32.
  std::vector<float> row(64, 0.0f);
  row[0] = 1.0f;   // t = 2  -> index 2          code 0x2
  row[1] = -0.5f;  // t = 1  -> index 1, negative code 0x9
  row[2] = 7.0f;   // t = 14 -> index 7          code 0x7
  row[3] = 4.5f;   // t = 9  -> index 6 of dialect 3 (max 14, 9)
  row[32] = -7.5f; // t = 15 -> index 7, negative code 0xF
  row[33] = 4.5f;  // t = 9  -> index 6 of dialect 1 (max 15, 9)
  std::vector<uint8_t> packed =
      quantizeMatrix(row.data(), 1, 64, Scheme::blockDialect(32));
  ASSERT_EQ(packed.size(), 192u);
  std::vector<uint8_t> expected(192, 0);
  expected[0] = 0x92;
  expected[1] = 0x67;
  expected[16] = 0x6F;
  expected[64] = 0x13;  // dialect 3 (block 0) low, dialect 1 (block 1) high
  expected[128] = 0x7F; // E8M0 2^0 for both blocks
  expected[129] = 0x7F;
  EXPECT_EQ(packed, expected);
}

TEST(LayoutTest, QuantizeMatrixMatchesQuantizeBlock) {
  for (const Scheme &scheme : schemes()) {
    const int64_t rows = 5, k = 3 * scheme.blockSize;
    std::vector<float> data = randomValues(rows * k, 9);
    data[2 * k + scheme.blockSize + 1] = NAN; // row 2, block 1
    std::vector<uint8_t> packed = quantizeMatrix(data.data(), rows, k, scheme);
    BlockLayout layout = computeLayout(rows, k, scheme);
    ASSERT_EQ(static_cast<int64_t>(packed.size()), layout.totalBytes);
    std::vector<float> decoded =
        dequantizeMatrix(packed.data(), rows, k, scheme);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t b = 0; b < layout.blocksPerRow; ++b) {
        const float *x = data.data() + r * k + b * scheme.blockSize;
        QuantizedBlock expected, actual;
        quantizeBlock(x, scheme, expected);
        unpackBlock(packed.data(), layout, r, b, actual);
        expectSameBlock(expected, actual, scheme.blockSize);
        std::vector<float> out(scheme.blockSize);
        dequantizeBlock(expected, scheme, out.data());
        for (int64_t i = 0; i < scheme.blockSize; ++i)
          ASSERT_TRUE(
              sameBits(out[i], decoded[r * k + b * scheme.blockSize + i]));
      }
    EXPECT_TRUE(std::isnan(decoded[2 * k + scheme.blockSize]));
    EXPECT_FALSE(std::isnan(decoded[2 * k]));
  }
}

TEST(LayoutTest, PackAndUnpackAreInverse) {
  std::mt19937 rng(3);
  for (const Scheme &scheme : schemes()) {
    const int64_t rows = 3, k = 3 * scheme.blockSize; // odd blocks per row
    BlockLayout layout = computeLayout(rows, k, scheme);
    std::vector<uint8_t> packed(layout.totalBytes);
    for (uint8_t &byte : packed)
      byte = static_cast<uint8_t>(rng());
    std::vector<QuantizedBlock> blocks(rows * layout.blocksPerRow);
    for (QuantizedBlock &q : blocks) {
      q.dialect = static_cast<uint8_t>(rng() % scheme.book.size());
      q.scaleCode = static_cast<uint16_t>(
          rng() % (scheme.scale == ScaleKind::F16 ? 65536 : 256));
      for (int64_t i = 0; i < scheme.blockSize; ++i)
        q.codes[i] = static_cast<uint8_t>(rng() % 16);
    }
    // Pack in a scrambled order: neighbours share dialect bytes.
    std::vector<int64_t> order(blocks.size());
    for (size_t i = 0; i < order.size(); ++i)
      order[i] = static_cast<int64_t>(i);
    std::shuffle(order.begin(), order.end(), rng);
    for (int64_t i : order)
      packBlock(blocks[i], layout, i / layout.blocksPerRow,
                i % layout.blocksPerRow, packed.data());
    for (size_t i = 0; i < blocks.size(); ++i) {
      QuantizedBlock q;
      unpackBlock(packed.data(), layout,
                  static_cast<int64_t>(i) / layout.blocksPerRow,
                  static_cast<int64_t>(i) % layout.blocksPerRow, q);
      expectSameBlock(blocks[i], q, scheme.blockSize);
    }
  }
}

TEST(LayoutTest, QuantizeRowsIgnoresOldBufferContentAndSplits) {
  for (const Scheme &scheme : schemes()) {
    const int64_t rows = 4, k = 3 * scheme.blockSize;
    std::vector<float> data = randomValues(rows * k, 21);
    std::vector<uint8_t> reference =
        quantizeMatrix(data.data(), rows, k, scheme);
    BlockLayout layout = computeLayout(rows, k, scheme);
    std::vector<uint8_t> packed(layout.totalBytes, 0xAA);
    quantizeRows(data.data(), layout, scheme, 0, 1, packed.data());
    quantizeRows(data.data(), layout, scheme, 1, rows, packed.data());
    auto region = [](const std::vector<uint8_t> &v, int64_t offset,
                     int64_t bytes) {
      return std::vector<uint8_t>(v.begin() + offset,
                                  v.begin() + offset + bytes);
    };
    EXPECT_EQ(region(packed, layout.codesOffset, layout.codesBytes),
              region(reference, layout.codesOffset, layout.codesBytes));
    EXPECT_EQ(region(packed, layout.dialectsOffset, layout.dialectsBytes),
              region(reference, layout.dialectsOffset, layout.dialectsBytes));
    EXPECT_EQ(region(packed, layout.scalesOffset, layout.scalesBytes),
              region(reference, layout.scalesOffset, layout.scalesBytes));

    std::vector<float> out(rows * k, 0.0f);
    dequantizeRows(packed.data(), layout, scheme, 2, 3, out.data());
    std::vector<float> all =
        dequantizeMatrix(reference.data(), rows, k, scheme);
    for (int64_t i = 0; i < rows * k; ++i) {
      if (i / k == 2)
        ASSERT_TRUE(sameBits(out[i], all[i]));
      else
        ASSERT_EQ(out[i], 0.0f) << "row outside the range was written";
    }
  }
}

TEST(LayoutTest, GatherRowsMovesTheAxisInnermost) {
  const std::vector<int64_t> shape = {2, 3, 4};
  std::vector<float> tensor(24);
  for (int i = 0; i < 24; ++i)
    tensor[i] = static_cast<float>(i);
  for (int64_t axis = 0; axis < 3; ++axis) {
    std::vector<float> rows(24), back(24, -1.0f);
    gatherRows(tensor.data(), shape, axis, rows.data());
    // Independent index arithmetic: enumerate the other dimensions in
    // row-major order, then the axis.
    std::vector<int64_t> others;
    for (int64_t d = 0; d < 3; ++d)
      if (d != axis)
        others.push_back(d);
    int64_t r = 0;
    for (int64_t a = 0; a < shape[others[0]]; ++a)
      for (int64_t b = 0; b < shape[others[1]]; ++b, ++r)
        for (int64_t i = 0; i < shape[axis]; ++i) {
          int64_t index[3];
          index[others[0]] = a;
          index[others[1]] = b;
          index[axis] = i;
          float expected = tensor[(index[0] * 3 + index[1]) * 4 + index[2]];
          EXPECT_EQ(rows[r * shape[axis] + i], expected)
              << "axis " << axis << " row " << r << " col " << i;
        }
    scatterRows(rows.data(), shape, axis, back.data());
    EXPECT_EQ(back, tensor) << "axis " << axis;
  }

  // W[K][N] blocked along K: row n is column n.
  std::vector<float> w = {1, 2, 3, 4, 5, 6}; // K = 2, N = 3
  std::vector<float> rows(6);
  gatherRows(w.data(), {2, 3}, 0, rows.data());
  EXPECT_EQ(rows, (std::vector<float>{1, 4, 2, 5, 3, 6}));
  gatherRows(w.data(), {2, 3}, 1, rows.data());
  EXPECT_EQ(rows, w);
}

TEST(LayoutTest, FindNonFiniteAndRelativeMSE) {
  std::vector<float> v = {1.0f, 2.0f, 3.0f, 4.0f};
  EXPECT_EQ(findNonFinite(v.data(), 4), -1);
  v[2] = INFINITY;
  EXPECT_EQ(findNonFinite(v.data(), 4), 2);
  v[1] = NAN;
  EXPECT_EQ(findNonFinite(v.data(), 4), 1);
  EXPECT_EQ(findNonFinite(v.data(), 1), -1);

  std::vector<float> a = {1.0f, 2.0f}, b = {1.0f, 1.0f};
  EXPECT_DOUBLE_EQ(relativeMSE(a.data(), b.data(), 2), 0.2);
  std::vector<float> zeros = {0.0f, 0.0f};
  EXPECT_EQ(relativeMSE(zeros.data(), zeros.data(), 2), 0.0);
  EXPECT_TRUE(std::isinf(relativeMSE(zeros.data(), b.data(), 2)));
  EXPECT_EQ(relativeMSE(a.data(), a.data(), 2), 0.0);
}

} // namespace
