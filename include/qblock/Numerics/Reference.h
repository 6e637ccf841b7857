//===- Reference.h - Reference matrix products ------------------*- C++ -*-===//
//
// Slow, obviously-correct products on dequantized values, accumulated in
// double. Every integration test and benchmark checks against these.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_REFERENCE_H
#define QBLOCK_NUMERICS_REFERENCE_H

#include <cstdint>

namespace qblock::numerics {

/// C[m][n] = init[m][n] + sum_k A[m][k] * Wrows[n][k]; A is M x K row-major,
/// Wrows is N x K (the layout's row view of a weight W[K][N]), C is M x N.
/// `init` may be null (zeros). GEMV is M = 1.
void referenceGemm(const float *a, const float *wRows, const float *init,
                   float *c, int64_t m, int64_t n, int64_t k);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_REFERENCE_H
