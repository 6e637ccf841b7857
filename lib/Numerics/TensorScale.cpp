//===- TensorScale.cpp - NVFP4's per-tensor scale -------------------------===//

#include "qblock/Numerics/TensorScale.h"

#include <algorithm>
#include <cmath>

double qblock::numerics::e4m3TensorScaleLimit(const FormatBook &book) {
  return 448.0 * book.maxMagnitude() / 2.0;
}

int qblock::numerics::e4m3TensorScaleExponent(double amax,
                                              const FormatBook &book) {
  if (amax == 0)
    return 0;
  double largest = e4m3TensorScaleLimit(book);
  // Powers of two scale doubles exactly, so these comparisons are exact.
  int e = std::ilogb(amax) - std::ilogb(largest);
  while (std::ldexp(amax, -e) > largest)
    ++e;
  while (std::ldexp(amax, -(e - 1)) <= largest)
    --e;
  return std::clamp(e, -126, 127);
}
