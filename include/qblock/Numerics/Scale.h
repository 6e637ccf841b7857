//===- Scale.h - Shared per-block scales --------------------*- C++ -*-===//
//
// Every block stores one scale code. A decoded element is
//   value = (sign ? -1 : 1) * float(k) * halfScale(code)
// where k is the magnitude in half units and halfScale = 0.5f * scale. The
// order of operations is part of the format: compiled code must follow it to
// be bit-exact with this reference.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_SCALE_H
#define QBLOCK_NUMERICS_SCALE_H

#include "qblock/Numerics/FormatBook.h"

#include <cstdint>
#include <string>

namespace qblock::numerics {

enum class ScaleKind : uint8_t {
  /// Power of two 2^e stored as a biased byte (bias 127), OCP MX compatible.
  /// e = floor(log2(amax)) - book.scaleExponentOffset(); all-zero blocks use
  /// e = -127 (code 0); a block holding NaN or Inf gets code 0xFF (NaN).
  E8M0,
  /// FP8 E4M3 (bias 7, max 448, 0x7F = NaN) holding amax / (maxValue) rounded
  /// to nearest even, saturating at 448. NVFP4.
  E4M3,
  /// IEEE half holding amax / maxValue rounded to nearest even, saturating at
  /// 65504. INT4.
  F16,
};

/// Bytes one scale code occupies in storage (1 for E8M0/E4M3, 2 for F16).
int scaleBytes(ScaleKind kind);
/// Bits of one scale code (8 or 16).
inline int scaleBits(ScaleKind kind) { return 8 * scaleBytes(kind); }
/// "e8m0", "e4m3", "f16".
std::string scaleKindName(ScaleKind kind);

/// Scale code for a block whose largest magnitude is `amax` (>= 0, may be
/// NaN/Inf) under `book`.
uint16_t computeScaleCode(ScaleKind kind, float amax, const FormatBook &book);
/// The scale multiplier a code stands for (NaN for NaN codes).
float decodeScale(ScaleKind kind, uint16_t code);
/// 0.5f * decodeScale(kind, code): the value of one half unit.
float halfScale(ScaleKind kind, uint16_t code);
/// True when the code encodes NaN (the block held NaN or Inf).
bool isNaNScale(ScaleKind kind, uint16_t code);

/// Software conversions used by the scale rules (round to nearest even).
uint8_t floatToE4M3(float value);    // saturates finite values at 448
float e4m3ToFloat(uint8_t code);
uint16_t floatToHalf(float value);   // saturates finite values at 65504
float halfToFloat(uint16_t code);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_SCALE_H
