//===- Reference.cpp - Reference matrix products --------------------------===//
//
// Deliberately naive: the products of two floats are exact in double, so the
// only rounding is in the double sum and the final conversion, far below the
// error of any 4-bit format the results are compared against.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/Reference.h"

#include <cassert>
#include <cstdlib>
#include <limits>
#include <vector>

namespace qblock::numerics {

void referenceGemm(const float *a, const float *wRows, const float *init,
                   float *c, int64_t m, int64_t n, int64_t k) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const float *aRow = a + i * k;
      const float *wRow = wRows + j * k;
      double sum = 0.0;
      for (int64_t p = 0; p < k; ++p)
        sum += static_cast<double>(aRow[p]) * static_cast<double>(wRow[p]);
      if (init)
        sum += static_cast<double>(init[i * n + j]);
      c[i * n + j] = static_cast<float>(sum);
    }
}

namespace {

/// A block's signed integer codes and the value of one integer step.
struct IntegerBlock {
  std::vector<int> values;
  float unit = 0.0f;
};

IntegerBlock integerBlock(const uint8_t *packed, const BlockLayout &layout,
                          const Scheme &scheme, int64_t row, int64_t block) {
  QuantizedBlock q;
  unpackBlock(packed, layout, row, block, q);
  IntegerBlock out;
  out.values.resize(layout.blockSize);
  float half = halfScale(scheme.scale, q.scaleCode);
  if (scheme.book.isInteger()) {
    for (int64_t i = 0; i < layout.blockSize; ++i)
      out.values[i] = static_cast<int8_t>(q.codes[i]);
    out.unit = half + half; // exact: the full scale
    return out;
  }
  // A corrupt dialect id decodes to NaN, as dequantizeBlock does.
  if (q.dialect >= scheme.book.size()) {
    out.unit = std::numeric_limits<float>::quiet_NaN();
    return out;
  }
  const DialectTable &table = scheme.book.dialect(q.dialect);
  for (int64_t i = 0; i < layout.blockSize; ++i) {
    int magnitude = table[q.codes[i] & 0x7];
    out.values[i] = (q.codes[i] & 0x8) ? -magnitude : magnitude;
  }
  out.unit = half;
  return out;
}

} // namespace

void referenceIntegerGemm(const uint8_t *acts, const BlockLayout &actLayout,
                          const Scheme &actScheme, const uint8_t *weights,
                          const BlockLayout &weightLayout,
                          const Scheme &weightScheme, const float *init,
                          float *c) {
  assert(actLayout.k == weightLayout.k &&
         actLayout.blockSize == weightLayout.blockSize &&
         "operands must share K and the block size");
  const int64_t m = actLayout.rows, n = weightLayout.rows;
  const int64_t blocks = actLayout.blocksPerRow;
  std::vector<IntegerBlock> weightBlocks(n * blocks);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t b = 0; b < blocks; ++b)
      weightBlocks[j * blocks + b] =
          integerBlock(weights, weightLayout, weightScheme, j, b);
  for (int64_t i = 0; i < m; ++i) {
    std::vector<IntegerBlock> actBlocks(blocks);
    for (int64_t b = 0; b < blocks; ++b)
      actBlocks[b] = integerBlock(acts, actLayout, actScheme, i, b);
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int64_t b = 0; b < blocks; ++b) {
        const IntegerBlock &a = actBlocks[b];
        const IntegerBlock &w = weightBlocks[j * blocks + b];
        int64_t dot = 0;
        for (size_t e = 0; e < a.values.size(); ++e)
          dot += static_cast<int64_t>(a.values[e]) * w.values[e];
        float scale = a.unit * w.unit;
        float term = static_cast<float>(dot) * scale;
        acc = acc + term;
      }
      c[i * n + j] = (init ? init[i * n + j] : 0.0f) + acc;
    }
  }
}

} // namespace qblock::numerics
