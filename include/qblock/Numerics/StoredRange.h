//===- StoredRange.h - block maxima a scheme stores precisely --*- C++ -*-===//
//
// A block's scale (or a BCQ group's half alphas and offset) has a finite
// range: above it values are clipped (NVFP4's E4M3 scale saturates at 448,
// INT4's F16 scale at 65504), below it they lose precision (subnormal
// scales). --qblock-select-formats warns about weights outside it, and the
// Python package's quantize does the same; both count with these.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_STOREDRANGE_H
#define QBLOCK_NUMERICS_STOREDRANGE_H

#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/BlockQuant.h"

#include <cstdint>
#include <limits>
#include <optional>

namespace qblock::numerics {

/// The block or group maxima a scheme stores without losing precision.
struct StoredRange {
  float smallest = 0, largest = 0;
  /// For BCQ from uniform INT-q, its bits: `largest` then bounds a group's
  /// span (largest value minus smallest, both widened to include 0;
  /// exactly: uniformSpanSaturates) rather than its maximum. 0 otherwise.
  int spanBits = 0;
};

/// For block schemes, from the scale format: E4M3 (NVFP4) keeps its
/// precision for scales from 2^-7 (below: subnormal, at most two
/// significant bits) to 448 (above: saturated); F16 (INT4, INT8) from
/// 2^-18 (below: subnormal, coarser than the codes' steps) to 65504. E8M0
/// (MXFP4, BlockDialect) from 2^(-127 + the book's exponent offset), below
/// which the codes' smallest steps round to 0; it has no top (infinity), as
/// its 2^127 times any code exceeds every float. The scales are
/// amax / (the book's largest magnitude / 2).
std::optional<StoredRange> storedRange(const Scheme &scheme);

/// For BCQ, from its half alphas and offsets: group maxima from 2^(q-14)
/// (below, the smallest alpha, about max / 2^q, is a subnormal half) to
/// 65504 (above, they saturate). From uniform INT-q the top bounds the
/// group's span (spanBits): its grid step is capped at 2^(16-q) so that
/// every parameter is a half, and a wider range is clipped at both ends.
StoredRange storedRange(const BCQScheme &scheme);

/// Non-zero blocks (or groups) and those outside a StoredRange.
struct MaximaCounts {
  int64_t nonZero = 0, below = 0, above = 0;
  /// Largest and smallest non-zero maxima (0 and FLT_MAX while none).
  float largestMax = 0, smallestMax = std::numeric_limits<float>::max();

  void add(const MaximaCounts &other);

  /// Whether the weight loses precision to the stored range in a way worth
  /// a word: any block (or group) above it is clipped, and more than 1%
  /// below it lose their smallest steps (a few stray small blocks do not
  /// matter).
  bool losesPrecision() const { return above > 0 || 100 * below > nonZero; }
};

/// Adds to `counts` over the consecutive runs of `runSize` values of
/// `values` (`count` values, a multiple of runSize): blocks or BCQ groups.
/// Runs of zeros, and runs holding a non-finite value (which decode to
/// NaN), are not counted.
void countMaxima(const float *values, int64_t count, int64_t runSize,
                 const StoredRange &range, MaximaCounts &counts);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_STOREDRANGE_H
