//===- StoredRange.cpp - block maxima a scheme stores precisely -----------===//

#include "qblock/Numerics/StoredRange.h"

#include <algorithm>
#include <cmath>

namespace qblock::numerics {

std::optional<StoredRange> storedRange(const Scheme &scheme) {
  float half = scheme.book.maxMagnitude() / 2.0f;
  switch (scheme.scale) {
  case ScaleKind::E8M0:
    return StoredRange{
        std::ldexp(1.0f, -127 + scheme.book.scaleExponentOffset()),
        std::numeric_limits<float>::infinity()};
  case ScaleKind::E4M3:
    return StoredRange{std::ldexp(1.0f, -7) * half, 448.0f * half};
  case ScaleKind::F16:
    return StoredRange{std::ldexp(1.0f, -18) * half, 65504.0f * half};
  default:
    return std::nullopt;
  }
}

StoredRange storedRange(const BCQScheme &scheme) {
  if (scheme.fromUniform)
    return {std::ldexp(1.0f, scheme.bits - 14),
            std::ldexp(float((1 << scheme.bits) - 1), 16 - scheme.bits),
            scheme.bits};
  return {std::ldexp(1.0f, scheme.bits - 14), static_cast<float>(kBCQParamMax)};
}

void MaximaCounts::add(const MaximaCounts &other) {
  nonZero += other.nonZero;
  below += other.below;
  above += other.above;
  largestMax = std::max(largestMax, other.largestMax);
  smallestMax = std::min(smallestMax, other.smallestMax);
}

void countMaxima(const float *values, int64_t count, int64_t runSize,
                 const StoredRange &range, MaximaCounts &counts) {
  for (int64_t first = 0; first < count; first += runSize) {
    float amax = 0, lo = 0, hi = 0;
    bool finite = true;
    for (int64_t j = first; j < first + runSize; ++j) {
      finite &= std::isfinite(values[j]);
      amax = std::max(amax, std::fabs(values[j]));
      lo = std::min(lo, values[j]);
      hi = std::max(hi, values[j]);
    }
    // A run holding inf or NaN decodes to NaN whatever the range.
    if (amax == 0 || !finite)
      continue;
    ++counts.nonZero;
    counts.below += amax < range.smallest;
    counts.above +=
        range.spanBits
            ? uniformSpanSaturates(double(hi) - double(lo), range.spanBits)
            : amax > range.largest;
    counts.largestMax = std::max(counts.largestMax, amax);
    counts.smallestMax = std::min(counts.smallestMax, amax);
  }
}

} // namespace qblock::numerics
