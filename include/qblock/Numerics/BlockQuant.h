//===- BlockQuant.h - Block-wise quantization of one block -----*- C++ -*-===//
//
// A scheme is a formatbook, a scale kind, a block size and a rule that picks
// each block's dialect. MXFP4, NVFP4 and INT4 are schemes with a one-dialect
// book; BlockDialect is the DialectFP4 book with an E8M0 scale.
//
// Element code: bit 3 = sign, bits 0..2 = index into the block's dialect.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_BLOCKQUANT_H
#define QBLOCK_NUMERICS_BLOCKQUANT_H

#include "qblock/Numerics/FormatBook.h"
#include "qblock/Numerics/Scale.h"

#include <cstdint>
#include <string>

namespace qblock::numerics {

enum class SelectRule : uint8_t {
  /// Try every dialect, keep the least squared error (ties: lowest id).
  MSE,
  /// The paper's hardware rule: stage 1 truncates the scaled block maximum to
  /// a half-unit step and keeps the dialects whose largest magnitude is the
  /// largest one not above it (the smallest maxima if none is); stage 2 keeps
  /// the candidate that rounds strictly better than every other candidate for
  /// the most elements (ties: lowest id). For DialectFP4 the candidates are
  /// exactly the pair that shares the block's maximum.
  TwoStage,
};

/// "mse", "two-stage".
std::string selectRuleName(SelectRule rule);

struct Scheme {
  FormatBook book;
  ScaleKind scale;
  int64_t blockSize;
  SelectRule select;

  static Scheme blockDialect(int64_t blockSize = 32,
                             SelectRule select = SelectRule::MSE);
  static Scheme mxfp4(int64_t blockSize = 32);
  static Scheme nvfp4(int64_t blockSize = 16);
  static Scheme int4(int64_t blockSize = 32);
  /// INT8 (symmetric levels -127..127, f16 scale amax/127): the activation
  /// format of the W4A8 integer path.
  static Scheme int8(int64_t blockSize = 32);

  /// Storage bits per element: code bits + (dialect-id bits + scale bits) /
  /// block. Dialect ids cost 4 bits per block when the book has more than
  /// one dialect, nothing otherwise. BlockDialect-32: 4.375; MXFP4-32: 4.25;
  /// INT8-32: 8.5.
  double bitsPerElement() const;

  bool operator==(const Scheme &o) const {
    return book == o.book && scale == o.scale && blockSize == o.blockSize &&
           select == o.select;
  }
};

/// Checks a block size: even (two codes per byte) and in [2, 4096]. Returns
/// an empty string when valid, else a message that says what to change.
std::string validateBlockSize(int64_t blockSize);

/// Index (0..7) of the magnitude in `table` nearest to `t` (in half units,
/// t >= 0); ties go to the smaller magnitude; values beyond the largest
/// magnitude clamp to it. NaN maps to 0.
int roundToLevel(float t, const DialectTable &table);

/// The INT8 code magnitude of a value `t` in half units (finite, >= 0):
/// the nearest integer to t / 2, ties to the smaller one, at most 127.
int int8Level(float t);

/// One quantized block in unpacked form.
struct QuantizedBlock {
  uint8_t dialect = 0;    // id into the scheme's book
  uint16_t scaleCode = 0; // see Scale.h
  /// One code per element: 4-bit codes in the low nibble; INT8 codes are
  /// whole two's-complement bytes.
  uint8_t codes[4096];
};

/// Quantizes `scheme.blockSize` consecutive values.
void quantizeBlock(const float *values, const Scheme &scheme,
                   QuantizedBlock &out);

/// Picks the block's dialect given its values scaled to half units
/// (|x| / halfScale); exposed so tests can compare the two rules directly.
int selectDialect(const float *scaledMagnitudes, int64_t n,
                  const FormatBook &book, SelectRule rule);

/// Decodes one element code under a dialect and scale code.
float decodeElement(uint8_t code, const DialectTable &table,
                    ScaleKind kind, uint16_t scaleCode);

/// Decodes a whole block into `out` (blockSize values).
void dequantizeBlock(const QuantizedBlock &block, const Scheme &scheme,
                     float *out);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_BLOCKQUANT_H
