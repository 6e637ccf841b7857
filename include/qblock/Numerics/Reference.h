//===- Reference.h - Reference matrix products ------------------*- C++ -*-===//
//
// Slow, obviously-correct products on dequantized values, accumulated in
// double. Every integration test and benchmark checks against these.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_REFERENCE_H
#define QBLOCK_NUMERICS_REFERENCE_H

#include "qblock/Numerics/Layout.h"

#include <cstdint>

namespace qblock::numerics {

/// C[m][n] = init[m][n] + sum_k A[m][k] * Wrows[n][k]; A is M x K row-major,
/// Wrows is N x K (the layout's row view of a weight W[K][N]), C is M x N.
/// `init` may be null (zeros). GEMV is M = 1.
void referenceGemm(const float *a, const float *wRows, const float *init,
                   float *c, int64_t m, int64_t n, int64_t k);

/// The integer path (W4A4, W4A8): quantized activations times quantized
/// weights, both packed as rows of K (`acts`: m rows under `actLayout`,
/// `weights`: n rows under `weightLayout`, same block size). Per output,
/// in block order and in f32:
///
///   acc = acc + float(dot) * (unitA * unitW)        (acc starts at 0)
///   c   = init + acc                                (init may be null: 0)
///
/// where dot is the exact integer dot product of the block pair's signed
/// integer codes and unit is what one integer step is worth: the half scale
/// for 4-bit books (integers in half units), the full scale for INT8
/// (integers q). A NaN scale makes the output NaN. This is the order and
/// rounding of the compiled W4A4 kernels, which must match it bit for bit.
void referenceIntegerGemm(const uint8_t *acts, const BlockLayout &actLayout,
                          const Scheme &actScheme, const uint8_t *weights,
                          const BlockLayout &weightLayout,
                          const Scheme &weightScheme, const float *init,
                          float *c);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_REFERENCE_H
