//===- Rounding.h - Rounding independent of the FP environment -*- C++ -*-===//
//
// The numerics core rounds in a few places (scale codes, BCQ parameter
// grids). Each must give the same answer whatever rounding mode the calling
// program has set, because compiled kernels reproduce these codes bit for
// bit; so the rounding is written out instead of using std::nearbyint.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_ROUNDING_H
#define QBLOCK_NUMERICS_ROUNDING_H

namespace qblock::numerics {

/// Rounds x >= 0 to the nearest integer, ties to even.
double roundHalfEven(double x);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_ROUNDING_H
