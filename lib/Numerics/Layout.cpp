//===- Layout.cpp - Packed storage of block-quantized tensors -------------===//
//
// The packed layout is documented byte for byte in docs/formats.md; compiled
// kernels read it directly, so any change here is a format change.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/Layout.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace qblock::numerics {

namespace {

int64_t alignUp(int64_t bytes) {
  return (bytes + kArrayAlignment - 1) / kArrayAlignment * kArrayAlignment;
}

void writeScale(uint8_t *dst, uint16_t code, int64_t bytes) {
  dst[0] = static_cast<uint8_t>(code & 0xFF);
  if (bytes == 2)
    dst[1] = static_cast<uint8_t>(code >> 8);
}

uint16_t readScale(const uint8_t *src, int64_t bytes) {
  uint16_t code = src[0];
  if (bytes == 2)
    code |= static_cast<uint16_t>(src[1]) << 8;
  return code;
}

/// Writes codes and scale of one block; the dialect nibble is left to the
/// caller, which knows whether the neighbouring nibble is already valid.
void packCodesAndScale(const QuantizedBlock &block, const BlockLayout &layout,
                       int64_t row, int64_t blockIndex, uint8_t *packed) {
  int64_t blockBytes = layout.blockSize * layout.codeBits / 8;
  uint8_t *codes = packed + layout.codesOffset + row * layout.codeBytesPerRow +
                   blockIndex * blockBytes;
  if (layout.codeBits == 8)
    std::copy(block.codes, block.codes + layout.blockSize, codes);
  else
    for (int64_t i = 0; i < blockBytes; ++i)
      codes[i] = static_cast<uint8_t>((block.codes[2 * i] & 0xF) |
                                      ((block.codes[2 * i + 1] & 0xF) << 4));
  writeScale(packed + layout.scalesOffset +
                 (row * layout.blocksPerRow + blockIndex) *
                     layout.scaleBytesPerCode,
             block.scaleCode, layout.scaleBytesPerCode);
}

int64_t dialectByteOffset(const BlockLayout &layout, int64_t row,
                          int64_t blockIndex) {
  return layout.dialectsOffset + row * layout.dialectBytesPerRow +
         blockIndex / 2;
}

} // namespace

BlockLayout computeLayout(int64_t rows, int64_t k, const Scheme &scheme) {
  assert(rows >= 0 && k >= 0 && "negative tensor extent");
  assert(scheme.blockSize > 0 && k % scheme.blockSize == 0 &&
         "k must be a multiple of the block size");
  BlockLayout layout;
  layout.rows = rows;
  layout.k = k;
  layout.blockSize = scheme.blockSize;
  layout.blocksPerRow = k / scheme.blockSize;
  layout.codeBits = scheme.book.codeBits();
  layout.codeBytesPerRow = k * layout.codeBits / 8;
  layout.codesOffset = 0;
  layout.codesBytes = rows * layout.codeBytesPerRow;
  layout.dialectBytesPerRow =
      scheme.book.storesDialectIds() ? (layout.blocksPerRow + 1) / 2 : 0;
  layout.dialectsOffset = alignUp(layout.codesOffset + layout.codesBytes);
  layout.dialectsBytes = rows * layout.dialectBytesPerRow;
  layout.scaleBytesPerCode = scaleBytes(scheme.scale);
  layout.scalesOffset = alignUp(layout.dialectsOffset + layout.dialectsBytes);
  layout.scalesBytes = rows * layout.blocksPerRow * layout.scaleBytesPerCode;
  layout.totalBytes = alignUp(layout.scalesOffset + layout.scalesBytes);
  return layout;
}

void quantizeRows(const float *data, const BlockLayout &layout,
                  const Scheme &scheme, int64_t rowBegin, int64_t rowEnd,
                  uint8_t *packed) {
  assert(layout.blockSize == scheme.blockSize && "layout/scheme mismatch");
  QuantizedBlock block; // one reusable stack buffer, no per-block allocation
  for (int64_t row = rowBegin; row < rowEnd; ++row) {
    const float *rowData = data + row * layout.k;
    for (int64_t b = 0; b < layout.blocksPerRow; ++b) {
      quantizeBlock(rowData + b * layout.blockSize, scheme, block);
      packCodesAndScale(block, layout, row, b, packed);
      if (layout.dialectBytesPerRow == 0)
        continue;
      // Whole bytes are written (high nibble cleared on even blocks) so the
      // result does not depend on what the buffer held before, padding
      // nibble of an odd block count included.
      uint8_t *byte = packed + dialectByteOffset(layout, row, b);
      if (b % 2 == 0)
        *byte = block.dialect & 0xF;
      else
        *byte = static_cast<uint8_t>(*byte | ((block.dialect & 0xF) << 4));
    }
  }
}

std::vector<uint8_t> quantizeMatrix(const float *data, int64_t rows, int64_t k,
                                    const Scheme &scheme) {
  BlockLayout layout = computeLayout(rows, k, scheme);
  std::vector<uint8_t> packed(layout.totalBytes, 0);
  quantizeRows(data, layout, scheme, 0, rows, packed.data());
  return packed;
}

void dequantizeRows(const uint8_t *packed, const BlockLayout &layout,
                    const Scheme &scheme, int64_t rowBegin, int64_t rowEnd,
                    float *out) {
  QuantizedBlock block;
  for (int64_t row = rowBegin; row < rowEnd; ++row)
    for (int64_t b = 0; b < layout.blocksPerRow; ++b) {
      unpackBlock(packed, layout, row, b, block);
      dequantizeBlock(block, scheme,
                      out + row * layout.k + b * layout.blockSize);
    }
}

std::vector<float> dequantizeMatrix(const uint8_t *packed, int64_t rows,
                                    int64_t k, const Scheme &scheme) {
  BlockLayout layout = computeLayout(rows, k, scheme);
  std::vector<float> out(static_cast<size_t>(rows * k));
  dequantizeRows(packed, layout, scheme, 0, rows, out.data());
  return out;
}

void unpackBlock(const uint8_t *packed, const BlockLayout &layout, int64_t row,
                 int64_t block, QuantizedBlock &out) {
  int64_t blockBytes = layout.blockSize * layout.codeBits / 8;
  const uint8_t *codes = packed + layout.codesOffset +
                         row * layout.codeBytesPerRow + block * blockBytes;
  if (layout.codeBits == 8) {
    std::copy(codes, codes + layout.blockSize, out.codes);
  } else {
    for (int64_t i = 0; i < blockBytes; ++i) {
      out.codes[2 * i] = codes[i] & 0xF;
      out.codes[2 * i + 1] = codes[i] >> 4;
    }
  }
  if (layout.dialectBytesPerRow == 0) {
    out.dialect = 0;
  } else {
    uint8_t byte = packed[dialectByteOffset(layout, row, block)];
    out.dialect = (block % 2 == 0) ? (byte & 0xF) : (byte >> 4);
  }
  out.scaleCode = readScale(packed + layout.scalesOffset +
                                (row * layout.blocksPerRow + block) *
                                    layout.scaleBytesPerCode,
                            layout.scaleBytesPerCode);
}

void packBlock(const QuantizedBlock &block, const BlockLayout &layout,
               int64_t row, int64_t blockIndex, uint8_t *packed) {
  packCodesAndScale(block, layout, row, blockIndex, packed);
  if (layout.dialectBytesPerRow == 0)
    return;
  uint8_t *byte = packed + dialectByteOffset(layout, row, blockIndex);
  if (blockIndex % 2 == 0)
    *byte = static_cast<uint8_t>((*byte & 0xF0) | (block.dialect & 0xF));
  else
    *byte = static_cast<uint8_t>((*byte & 0x0F) | ((block.dialect & 0xF) << 4));
}

void gatherRows(const float *tensor, const std::vector<int64_t> &shape,
                int64_t axis, float *rowsOut) {
  assert(axis >= 0 && axis < static_cast<int64_t>(shape.size()) &&
         "axis out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  const int64_t k = shape[axis];
  // Logical index (o, i, j) with i on the axis becomes row o * inner + j,
  // column i: the other dimensions keep their row-major order.
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < k; ++i) {
      const float *src = tensor + (o * k + i) * inner;
      float *dst = rowsOut + o * inner * k + i;
      for (int64_t j = 0; j < inner; ++j)
        dst[j * k] = src[j];
    }
}

void scatterRows(const float *rows, const std::vector<int64_t> &shape,
                 int64_t axis, float *tensorOut) {
  assert(axis >= 0 && axis < static_cast<int64_t>(shape.size()) &&
         "axis out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  const int64_t k = shape[axis];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < k; ++i) {
      const float *src = rows + o * inner * k + i;
      float *dst = tensorOut + (o * k + i) * inner;
      for (int64_t j = 0; j < inner; ++j)
        dst[j] = src[j * k];
    }
}

int64_t findNonFinite(const float *data, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(data[i]))
      return i;
  return -1;
}

double relativeMSE(const float *a, const float *b, int64_t n) {
  double errorSum = 0.0, signalSum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double diff = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    errorSum += diff * diff;
    signalSum += static_cast<double>(a[i]) * static_cast<double>(a[i]);
  }
  if (signalSum == 0.0)
    return errorSum == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return errorSum / signalSum;
}

} // namespace qblock::numerics
