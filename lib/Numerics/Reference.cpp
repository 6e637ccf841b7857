//===- Reference.cpp - Reference matrix products --------------------------===//
//
// Deliberately naive: the products of two floats are exact in double, so the
// only rounding is in the double sum and the final conversion, far below the
// error of any 4-bit format the results are compared against.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/Reference.h"

namespace qblock::numerics {

void referenceGemm(const float *a, const float *wRows, const float *init,
                   float *c, int64_t m, int64_t n, int64_t k) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const float *aRow = a + i * k;
      const float *wRow = wRows + j * k;
      double sum = 0.0;
      for (int64_t p = 0; p < k; ++p)
        sum += static_cast<double>(aRow[p]) * static_cast<double>(wRow[p]);
      if (init)
        sum += static_cast<double>(init[i * n + j]);
      c[i * n + j] = static_cast<float>(sum);
    }
}

} // namespace qblock::numerics
