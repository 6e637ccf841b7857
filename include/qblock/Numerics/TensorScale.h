//===- TensorScale.h - NVFP4's per-tensor scale ----------------*- C++ -*-===//
//
// NVFP4's second level of scale: one power of two per weight tensor that
// brings the block maxima into the range of the E4M3 block scales
// (docs/formats.md section 1). --qblock-quantize-linalg applies it; the
// packed storage itself stays block-level.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_TENSORSCALE_H
#define QBLOCK_NUMERICS_TENSORSCALE_H

#include "qblock/Numerics/FormatBook.h"

namespace qblock::numerics {

/// The largest magnitude a tensor scaled by its tensor scale may have:
/// 448 (E4M3's largest) times the book's largest value (2688 for E2M1).
double e4m3TensorScaleLimit(const FormatBook &book);

/// The exponent e of the tensor scale 2^e for a tensor whose largest
/// magnitude is `amax` (finite, >= 0) under an E4M3-scaled scheme with
/// `book`: the smallest e with amax / 2^e <= 448 * (the book's largest
/// value), clamped to -126..127 so that 2^e is a normal f32. 0 for
/// amax = 0.
int e4m3TensorScaleExponent(double amax, const FormatBook &book);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_TENSORSCALE_H
