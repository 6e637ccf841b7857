//===- Layout.h - Packed storage of block-quantized tensors ----*- C++ -*-===//
//
// A quantized tensor is stored as `rows` vectors of length K (the blocked,
// reduction axis); rows are the remaining logical dimensions flattened in
// row-major order. For a weight W[K][N] blocked along K, row n holds column n
// of W, which is what a GEMV streams. One byte buffer holds three arrays, each
// starting at a multiple of kArrayAlignment bytes (docs/formats.md):
//
//   codes    rows * K/2 bytes: element k of row r at byte r*K/2 + k/2, low
//            nibble for even k, high nibble for odd k. INT8: rows * K
//            bytes, element k of row r at byte r*K.
//   dialects rows * ceil(B/2) bytes where B = K / blockSize; block b of row r
//            at byte r*ceil(B/2) + b/2, low nibble for even b. Absent (0
//            bytes) when the book has one dialect.
//   scales   rows * B codes of scaleBytes() bytes each, little endian.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_LAYOUT_H
#define QBLOCK_NUMERICS_LAYOUT_H

#include "qblock/Numerics/BlockQuant.h"

#include <cstdint>
#include <vector>

namespace qblock::numerics {

constexpr int64_t kArrayAlignment = 64;

struct BlockLayout {
  int64_t rows = 0;
  int64_t k = 0;
  int64_t blockSize = 0;
  int64_t blocksPerRow = 0;
  /// Bits of one element code (4, or 8 for INT8).
  int64_t codeBits = 4;
  /// Bytes of one row's codes: K * codeBits / 8.
  int64_t codeBytesPerRow = 0;
  int64_t codesOffset = 0, codesBytes = 0;
  int64_t dialectsOffset = 0, dialectsBytes = 0, dialectBytesPerRow = 0;
  int64_t scalesOffset = 0, scalesBytes = 0, scaleBytesPerCode = 0;
  int64_t totalBytes = 0;
};

/// Layout of a rows x k tensor; k must be a multiple of the block size.
BlockLayout computeLayout(int64_t rows, int64_t k, const Scheme &scheme);

/// Quantizes rows [rowBegin, rowEnd) of a row-major rows x k float matrix
/// into `packed` (layout.totalBytes bytes, already sized). Rows are
/// independent, so callers may split the range across threads.
void quantizeRows(const float *data, const BlockLayout &layout,
                  const Scheme &scheme, int64_t rowBegin, int64_t rowEnd,
                  uint8_t *packed);
/// Convenience: all rows, returns the buffer.
std::vector<uint8_t> quantizeMatrix(const float *data, int64_t rows,
                                    int64_t k, const Scheme &scheme);

/// Decodes rows [rowBegin, rowEnd) into a row-major rows x k float matrix.
void dequantizeRows(const uint8_t *packed, const BlockLayout &layout,
                    const Scheme &scheme, int64_t rowBegin, int64_t rowEnd,
                    float *out);
std::vector<float> dequantizeMatrix(const uint8_t *packed, int64_t rows,
                                    int64_t k, const Scheme &scheme);

/// Reads / writes one block of the packed buffer in unpacked form.
void unpackBlock(const uint8_t *packed, const BlockLayout &layout,
                 int64_t row, int64_t block, QuantizedBlock &out);
void packBlock(const QuantizedBlock &block, const BlockLayout &layout,
               int64_t row, int64_t blockIndex, uint8_t *packed);

/// Moves between a logical row-major tensor and the rows x k view used by the
/// layout: `axis` (the blocked dimension, size k) is moved innermost and the
/// other dimensions keep their order. shape/axis describe the logical tensor.
void gatherRows(const float *tensor, const std::vector<int64_t> &shape,
                int64_t axis, float *rowsOut);
void scatterRows(const float *rows, const std::vector<int64_t> &shape,
                 int64_t axis, float *tensorOut);

/// Index of the first NaN or Inf in data[0..n), or -1 if all are finite.
int64_t findNonFinite(const float *data, int64_t n);

/// sum((a-b)^2) / sum(a^2) computed in double; 0 when a is all zeros and b
/// equals it.
double relativeMSE(const float *a, const float *b, int64_t n);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_LAYOUT_H
