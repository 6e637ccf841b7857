//===- Rounding.cpp - Rounding independent of the FP environment -----------===//

#include "qblock/Numerics/Rounding.h"

#include <cmath>

namespace qblock::numerics {

double roundHalfEven(double x) {
  double lower = std::floor(x);
  double fraction = x - lower; // exact: x and lower share the binade or less
  if (fraction > 0.5)
    return lower + 1.0;
  if (fraction < 0.5)
    return lower;
  return std::fmod(lower, 2.0) == 0.0 ? lower : lower + 1.0;
}

} // namespace qblock::numerics
