//===- BCQ.cpp - Binary-coding quantization for LUT-GEMM ------------------===//
//
// Two producers of BCQ data: an exact conversion from uniform INT-q and a
// direct non-uniform fit. Both write the layout of BCQ.h; alphas and
// offsets are IEEE halves, stored little endian whatever the host is.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/Rounding.h"
#include "qblock/Numerics/Scale.h"

#include <algorithm>
#include <cassert>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace qblock::numerics {

namespace {

constexpr int kMaxBits = kBCQMaxBits;
constexpr int kMaxCombos = 1 << kMaxBits;

int64_t alignUp(int64_t bytes) {
  constexpr int64_t alignment = 64; // kArrayAlignment of Layout.h
  return (bytes + alignment - 1) / alignment * alignment;
}

/// Stores a value the fits produced (already a half, see toStored).
void storeHalf(uint8_t *dst, float value) {
  uint16_t code = floatToHalf(value);
  dst[0] = static_cast<uint8_t>(code);
  dst[1] = static_cast<uint8_t>(code >> 8);
}

float loadHalf(const uint8_t *src) {
  return halfToFloat(static_cast<uint16_t>(src[0] | (src[1] << 8)));
}

/// Where one group's parameters live in a packed buffer.
struct GroupRef {
  const BCQLayout &layout;
  int bits;
  int64_t row, group, groupSize;

  int64_t alphaOffset(int plane) const {
    return layout.alphasOffset +
           ((row * layout.groupsPerRow + group) * bits + plane) *
               kBCQParamBytes;
  }
  int64_t zOffset() const {
    return layout.offsetsOffset +
           (row * layout.groupsPerRow + group) * kBCQParamBytes;
  }
  int64_t planeByte(int plane, int64_t j) const {
    return layout.planesOffset + (row * bits + plane) * (layout.k / 8) +
           (group * groupSize + j) / 8;
  }
  int planeBit(int64_t j) const {
    return static_cast<int>((group * groupSize + j) % 8);
  }
};

/// Sets the bits of one group from per-element combinations (bit i of
/// combo = plane i). Groups are byte aligned (g is a multiple of 8), so whole
/// bytes are written and the buffer's previous content does not matter.
void storeGroupPlanes(const GroupRef &ref, const uint8_t *combos,
                      uint8_t *packed) {
  for (int plane = 0; plane < ref.bits; ++plane)
    for (int64_t j = 0; j < ref.groupSize; j += 8) {
      uint8_t byte = 0;
      for (int b = 0; b < 8; ++b)
        byte |= static_cast<uint8_t>(((combos[j + b] >> plane) & 1) << b);
      packed[ref.planeByte(plane, j)] = byte;
    }
}

/// The dequantized value of one bit combination: the double sum of
/// alpha_i * b_i in plane order, then z, rounded once to float. Every reader
/// of BCQ data uses this order.
float combinationValue(const float *alphas, int bits, float z, int combo) {
  double sum = 0.0;
  for (int i = 0; i < bits; ++i)
    sum += ((combo >> i) & 1) ? static_cast<double>(alphas[i])
                              : -static_cast<double>(alphas[i]);
  sum += static_cast<double>(z);
  return static_cast<float>(sum);
}

/// Rounds a positive double to a multiple of 2^max(e - bits, minExponent),
/// e being its exponent (value in [2^(e-1), 2^e)): `bits` significant bits,
/// or fewer where that quantum would be finer than 2^minExponent. Ties to
/// even.
double roundToGrid(double value, int bits, int minExponent) {
  int exponent;
  std::frexp(value, &exponent);
  int quantum = std::max(exponent - bits, minExponent);
  return std::ldexp(roundHalfEven(std::ldexp(value, -quantum)), quantum);
}

/// A parameter (alpha or z) as it will be stored: the nearest half,
/// saturated at +-65504 (a NaN passes the clamp and stays NaN). Every
/// parameter the fits produce goes through this, so they optimize the
/// values the kernels will read, not values that rounding then moves.
float toStored(double value) {
  float narrowed =
      static_cast<float>(std::clamp<double>(value, -kBCQParamMax, kBCQParamMax));
  return halfToFloat(floatToHalf(narrowed));
}

/// Min/max asymmetric INT-q parameters of one group: scale s and integer
/// zero point z0, value s * (c - z0).
struct UniformParams {
  double scale;
  double zeroPoint;
};

/// h = s / 2 for a span (max - min) before the cap at 2^(15 - q): rounded to
/// 11 - q significant bits and to a multiple of 2^-24 (uniformParams).
double uniformHalfStep(double span, int bits) {
  return roundToGrid(span / ((1 << bits) - 1) / 2.0, 11 - bits, -24);
}

UniformParams uniformParams(const float *w, int64_t n, int bits) {
  const int maxCode = (1 << bits) - 1;
  // The range always includes 0 (as GPTQ does), so the integer zero point
  // lands in [0, 2^q - 1] and a group that does not straddle zero is not
  // clamped away.
  double lo = 0.0, hi = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    // A stray NaN/Inf (rejected earlier for constant weights) must not turn
    // the whole group's parameters non-finite.
    if (!std::isfinite(w[j]))
      continue;
    lo = std::min(lo, static_cast<double>(w[j]));
    hi = std::max(hi, static_cast<double>(w[j]));
  }
  // bcqFromUniform stores alpha_i = h * 2^i and z = h * (2^q - 1 - 2 z0)
  // as halves, h = s / 2; the last factor is an odd integer below 2^q. So
  // h gets 11 - q significant bits, is a multiple of 2^-24 (the smallest
  // half) and stays at most 2^(15 - q) (h * (2^q - 1) below 65504): every
  // stored parameter, and so the conversion, is then exact. The rounding
  // moves s by at most 2^-(12 - q) relative.
  // An all-zero group gets s = 0 (and z0 = 0): every alpha and the offset
  // are then 0, so a LUT-GEMM's offset term cannot leave rounding noise of
  // the activations' size where the weights are exactly 0. So does a group
  // whose range is too small for a half to hold its h.
  if (hi == lo)
    return {0.0, 0.0};
  double maxHalfUnit = std::ldexp(1.0, 15 - bits);
  double h = uniformHalfStep(hi - lo, bits);
  if (h == 0.0)
    return {0.0, 0.0};
  // A range too wide for halves (weights near 65504 and beyond, which
  // SelectFormats warns about) keeps its grid centred on the range, so
  // both signs keep their side.
  bool saturated = h > maxHalfUnit;
  double s = 2.0 * std::min(h, maxHalfUnit);
  double z0 = std::clamp(
      std::round(saturated ? maxCode / 2.0 - (lo + hi) / (2.0 * s) : -lo / s),
      0.0, static_cast<double>(maxCode));
  return {s, z0};
}

//===----------------------------------------------------------------------===//
// Non-uniform fit of one group.
//===----------------------------------------------------------------------===//

struct GroupFit {
  float alphas[kMaxBits] = {};
  float z = 0.0f;
};

/// The smallest and largest of a group's weights, as the starts that place
/// a grid on them (minMaxStart, rangeStart) take them.
struct GroupRange {
  double lo, hi;

  static GroupRange of(const float *w, int64_t n) {
    GroupRange r{w[0], w[0]};
    for (int64_t j = 1; j < n; ++j) {
      r.lo = std::min(r.lo, static_cast<double>(w[j]));
      r.hi = std::max(r.hi, static_cast<double>(w[j]));
    }
    return r;
  }
};

class GroupFitter {
public:
  GroupFitter(int numBits, bool hasOffset, int64_t size)
      : bits(numBits), offset(hasOffset), groupSize(size), residual(size),
        combos(size), bestCombos(size) {}

  /// Fits w[0..groupSize) and returns the parameters; bestCombos holds the
  /// matching bit combinations.
  GroupFit fit(const float *w, int iterations);

  const uint8_t *combinations() const { return bestCombos.data(); }

private:
  int bits;
  bool offset;
  int64_t groupSize;
  std::vector<double> residual;
  std::vector<uint8_t> combos, bestCombos;

  /// z, then plane by plane the sign of the residual and its mean
  /// magnitude (the first plane's magnitude `firstAlpha` when it is not
  /// negative); fills combos.
  GroupFit greedyPlanes(const float *w, double z, double firstAlpha);
  GroupFit greedyStart(const float *w);
  GroupFit uniformStart(const float *w) const;
  std::optional<GroupFit> minMaxStart(const GroupRange &range) const;
  GroupFit rangeStart(const float *w, const GroupRange &range);
  double refine(const float *w, GroupFit &params, double currentError,
                int iterations);
  double chooseCombos(const float *w, const GroupFit &params);
  double error(const float *w, const GroupFit &params) const;
  bool leastSquares(const float *w, const GroupFit &current,
                    GroupFit &result) const;
};

GroupFit GroupFitter::uniformStart(const float *w) const {
  GroupFit params;
  double s;
  double zeroPoint = 0.0;
  if (offset) {
    UniformParams uniform = uniformParams(w, groupSize, bits);
    s = uniform.scale;
    zeroPoint = uniform.zeroPoint;
  } else {
    // Without z the grid must be symmetric: 2^q odd multiples of s/2.
    double amax = 0.0;
    for (int64_t j = 0; j < groupSize; ++j)
      amax = std::max(amax, std::fabs(static_cast<double>(w[j])));
    s = 2.0 * amax / ((1 << bits) - 1);
    if (s == 0.0)
      s = 1.0;
  }
  double alphaSum = 0.0;
  for (int i = 0; i < bits; ++i) {
    params.alphas[i] = toStored(std::ldexp(s, i - 1));
    alphaSum += params.alphas[i];
  }
  params.z = offset ? toStored(alphaSum - s * zeroPoint) : 0.0f;
  return params;
}

/// The uniform grid over exactly [min, max] (nullopt without an offset).
/// uniformStart's grid, as from=uniform's, includes 0 (widened to it on a
/// group of one sign) and has an integer zero point, so it is coarser than
/// plain min/max round-to-nearest, which refinement from the other starts
/// did not always reach: a group of 0.5 + 0.1 N(0, 1) at q = 4 ended
/// 1.1-1.45x above it, and Gaussian groups straddling 0 up to 2.2x (1404 of
/// 16384 groups of 32 at q = 4, 2 of 4096 groups of 128 at q = 3; an audit
/// of BCQ against INT-q round-to-nearest, 2026-12-07).
std::optional<GroupFit>
GroupFitter::minMaxStart(const GroupRange &range) const {
  auto [lo, hi] = range;
  if (!offset)
    return std::nullopt;
  GroupFit params;
  double h = (hi - lo) / ((1 << bits) - 1) / 2.0;
  for (int i = 0; i < bits; ++i)
    params.alphas[i] = toStored(std::ldexp(h, i));
  params.z = toStored(0.5 * (lo + hi));
  return params;
}

GroupFit GroupFitter::greedyPlanes(const float *w, double z,
                                   double firstAlpha) {
  // Each plane takes the sign of what is left and its mean magnitude: the
  // optimal one-bit fit of the residual.
  GroupFit params;
  params.z = toStored(z);
  for (int64_t j = 0; j < groupSize; ++j) {
    residual[j] = static_cast<double>(w[j]) - static_cast<double>(params.z);
    combos[j] = 0;
  }
  for (int i = 0; i < bits; ++i) {
    double alpha = 0.0;
    if (i == 0 && firstAlpha >= 0.0) {
      alpha = firstAlpha;
    } else {
      for (int64_t j = 0; j < groupSize; ++j)
        alpha += std::fabs(residual[j]);
      alpha /= static_cast<double>(groupSize);
    }
    params.alphas[i] = toStored(alpha);
    double a = static_cast<double>(params.alphas[i]);
    for (int64_t j = 0; j < groupSize; ++j) {
      bool positive = residual[j] >= 0.0;
      combos[j] |= static_cast<uint8_t>(positive << i);
      residual[j] -= positive ? a : -a;
    }
  }
  return params;
}

GroupFit GroupFitter::greedyStart(const float *w) {
  double mean = 0.0;
  if (offset) {
    for (int64_t j = 0; j < groupSize; ++j)
      mean += w[j];
    mean /= static_cast<double>(groupSize);
  }
  return greedyPlanes(w, mean, /*firstAlpha=*/-1.0);
}

GroupFit GroupFitter::rangeStart(const float *w, const GroupRange &range) {
  // For groups with an outlier: the first plane splits the range in half
  // around its midpoint (z), so the extreme value gets levels of its own
  // and the others the rest; later planes fit what is left greedily. From
  // the other two starts every ordinary weight of such a group lands on
  // one level, the planes become dependent and refinement cannot leave.
  auto [lo, hi] = range;
  return greedyPlanes(w, 0.5 * (lo + hi), 0.5 * (hi - lo));
}

double GroupFitter::error(const float *w, const GroupFit &params) const {
  float values[kMaxCombos];
  for (int c = 0; c < (1 << bits); ++c)
    values[c] = combinationValue(params.alphas, bits, params.z, c);
  double sum = 0.0;
  for (int64_t j = 0; j < groupSize; ++j) {
    double diff = static_cast<double>(values[combos[j]]) - w[j];
    sum += diff * diff;
  }
  return sum;
}

double GroupFitter::chooseCombos(const float *w, const GroupFit &params) {
  // Nearest of the 2^q values as they will be decoded, so the choice is
  // optimal for the stored (float) parameters, not just for their doubles.
  // Sorting them lets each element find its value by binary search over
  // midpoints, which are exact in double (sums of two floats).
  const int numCombos = 1 << bits;
  int order[kMaxCombos];
  float values[kMaxCombos];
  for (int c = 0; c < numCombos; ++c) {
    order[c] = c;
    values[c] = combinationValue(params.alphas, bits, params.z, c);
  }
  std::stable_sort(order, order + numCombos,
                   [&](int x, int y) { return values[x] < values[y]; });
  double midpoints[kMaxCombos - 1];
  for (int c = 0; c + 1 < numCombos; ++c)
    midpoints[c] = (static_cast<double>(values[order[c]]) +
                    static_cast<double>(values[order[c + 1]])) /
                   2.0;
  double sum = 0.0;
  for (int64_t j = 0; j < groupSize; ++j) {
    double x = w[j];
    int position = static_cast<int>(
        std::lower_bound(midpoints, midpoints + (numCombos - 1), x) -
        midpoints);
    int best = order[position];
    combos[j] = static_cast<uint8_t>(best);
    double diff = static_cast<double>(values[best]) - x;
    sum += diff * diff;
  }
  return sum;
}

/// Least-squares alphas (and z) for the current combos: the (q+1)x(q+1)
/// normal equations, solved in double. A (near-)singular system, e.g. two
/// identical planes or a constant plane next to z, keeps the offending
/// unknowns at their current values and solves for the rest.
bool GroupFitter::leastSquares(const float *w, const GroupFit &current,
                               GroupFit &result) const {
  const int n = bits + (offset ? 1 : 0);
  // Unknown u < bits is alpha_u; unknown bits (if any) is z.
  // The normal equations depend on the elements only through how many use
  // each bit combination and the sum of their values.
  int64_t count[kMaxCombos] = {};
  double valueSum[kMaxCombos] = {};
  for (int64_t j = 0; j < groupSize; ++j) {
    ++count[combos[j]];
    valueSum[combos[j]] += static_cast<double>(w[j]);
  }
  double gram[kMaxBits + 1][kMaxBits + 1] = {};
  double rhs[kMaxBits + 1] = {};
  for (int c = 0; c < (1 << bits); ++c) {
    if (count[c] == 0)
      continue;
    double x[kMaxBits + 1];
    for (int i = 0; i < bits; ++i)
      x[i] = ((c >> i) & 1) ? 1.0 : -1.0;
    if (offset)
      x[bits] = 1.0;
    for (int a = 0; a < n; ++a) {
      rhs[a] += x[a] * valueSum[c];
      for (int b = 0; b < n; ++b)
        gram[a][b] += x[a] * x[b] * static_cast<double>(count[c]);
    }
  }
  double currentValue[kMaxBits + 1];
  for (int i = 0; i < bits; ++i)
    currentValue[i] = current.alphas[i];
  if (offset)
    currentValue[bits] = current.z;

  bool fixed[kMaxBits + 1] = {};
  double solution[kMaxBits + 1];
  // Gram entries are integers bounded by g, so a fixed relative threshold
  // separates true dependence from rounding.
  const double tolerance = 1e-9 * static_cast<double>(groupSize);
  for (int attempt = 0; attempt <= n; ++attempt) {
    int freeIndex[kMaxBits + 1];
    int m = 0;
    for (int a = 0; a < n; ++a)
      if (!fixed[a])
        freeIndex[m++] = a;
    double mat[kMaxBits + 1][kMaxBits + 2];
    for (int r = 0; r < m; ++r) {
      double b = rhs[freeIndex[r]];
      for (int a = 0; a < n; ++a)
        if (fixed[a])
          b -= gram[freeIndex[r]][a] * currentValue[a];
      for (int c = 0; c < m; ++c)
        mat[r][c] = gram[freeIndex[r]][freeIndex[c]];
      mat[r][m] = b;
    }
    int singular = -1;
    for (int col = 0; col < m && singular < 0; ++col) {
      int pivot = col;
      for (int r = col + 1; r < m; ++r)
        if (std::fabs(mat[r][col]) > std::fabs(mat[pivot][col]))
          pivot = r;
      if (std::fabs(mat[pivot][col]) <= tolerance) {
        singular = col;
        break;
      }
      std::swap(mat[pivot], mat[col]);
      for (int r = col + 1; r < m; ++r) {
        double factor = mat[r][col] / mat[col][col];
        for (int c = col; c <= m; ++c)
          mat[r][c] -= factor * mat[col][c];
      }
    }
    if (singular >= 0) {
      fixed[freeIndex[singular]] = true;
      continue;
    }
    for (int r = m - 1; r >= 0; --r) {
      double v = mat[r][m];
      for (int c = r + 1; c < m; ++c)
        v -= mat[r][c] * solution[freeIndex[c]];
      solution[freeIndex[r]] = v / mat[r][r];
    }
    for (int a = 0; a < n; ++a) {
      double v = fixed[a] ? currentValue[a] : solution[a];
      if (!std::isfinite(v))
        return false;
      if (a < bits)
        result.alphas[a] = toStored(v);
      else
        result.z = toStored(v);
    }
    if (!offset)
      result.z = 0.0f;
    return true;
  }
  return false;
}

double GroupFitter::refine(const float *w, GroupFit &params,
                           double currentError, int iterations) {
  // Each step is optimal for what the other holds fixed, and a least-squares
  // step that loses to the float rounding of its result is dropped, so the
  // error never grows.
  for (int it = 0; it < iterations; ++it) {
    bool changed = false;
    GroupFit refined;
    if (leastSquares(w, params, refined)) {
      double refinedError = error(w, refined);
      if (refinedError < currentError) {
        params = refined;
        currentError = refinedError;
        changed = true;
      }
    }
    double choiceError = chooseCombos(w, params);
    if (choiceError < currentError) {
      currentError = choiceError;
      changed = true;
    }
    if (!changed)
      break;
  }
  return currentError;
}

GroupFit GroupFitter::fit(const float *w, int iterations) {
  // Alternating refinement only finds a local optimum. From the greedy start
  // it wins at q <= 3 but can end above plain round-to-nearest at q = 4, so
  // the uniform grid (which BCQ represents exactly) is refined as well,
  // the grid over exactly [min, max] (minMaxStart), and a start that splits
  // the range (rangeStart: groups with an outlier); the best result is
  // kept. Refinement never raises the error of the stored parameters, so
  // the fit is no worse than either uniform grid's round-to-nearest, group
  // by group (up to the rounding of its parameters to halves).
  GroupFit greedy = greedyStart(w);
  double greedyError = refine(w, greedy, error(w, greedy), iterations);
  bestCombos = combos;

  GroupFit best = greedy;
  double bestError = greedyError;

  GroupFit uniform = uniformStart(w);
  double uniformError =
      refine(w, uniform, chooseCombos(w, uniform), iterations);
  if (uniformError < bestError) {
    bestCombos = combos;
    best = uniform;
    bestError = uniformError;
  }

  // One scan of the group for both starts that need its range.
  GroupRange range = GroupRange::of(w, groupSize);
  if (std::optional<GroupFit> minMax = minMaxStart(range)) {
    double minMaxError =
        refine(w, *minMax, chooseCombos(w, *minMax), iterations);
    if (minMaxError < bestError) {
      bestCombos = combos;
      best = *minMax;
      bestError = minMaxError;
    }
  }

  // An outlier (a weight far beyond the others) is what the range start is
  // for; it needs an offset and at least two planes.
  if (offset && bits >= 2) {
    GroupFit split = rangeStart(w, range);
    double splitError = refine(w, split, error(w, split), iterations);
    if (splitError < bestError) {
      bestCombos = combos;
      best = split;
    }
  }
  return best;
}

} // namespace

double BCQScheme::bitsPerElement() const {
  return static_cast<double>(bits) +
         static_cast<double>(8 * kBCQParamBytes * (bits + (offset ? 1 : 0))) /
             static_cast<double>(group);
}

std::string validateBCQScheme(const BCQScheme &scheme) {
  if (scheme.bits < 1 || scheme.bits > kMaxBits)
    return "BCQ needs 1 to " + std::to_string(kMaxBits) + " bit planes, got " +
           std::to_string(scheme.bits);
  if (scheme.group < 8 || scheme.group % 8 != 0)
    return "BCQ group size must be a positive multiple of 8 (one byte per "
           "bit plane), got " +
           std::to_string(scheme.group);
  return "";
}

/// The layout with alphas and offsets of `paramBytes` bytes each.
static BCQLayout layoutWithParams(int64_t rows, int64_t k,
                                  const BCQScheme &scheme, int64_t paramBytes) {
  assert(validateBCQScheme(scheme).empty() && "invalid BCQ scheme");
  assert(k % scheme.group == 0 && "the group size must divide k");
  BCQLayout layout;
  layout.rows = rows;
  layout.k = k;
  layout.groupsPerRow = k / scheme.group;
  layout.planesOffset = 0;
  layout.planesBytes = rows * scheme.bits * (k / 8);
  layout.alphasOffset = alignUp(layout.planesOffset + layout.planesBytes);
  layout.alphasBytes = rows * layout.groupsPerRow * scheme.bits * paramBytes;
  layout.offsetsOffset = alignUp(layout.alphasOffset + layout.alphasBytes);
  layout.offsetsBytes =
      scheme.offset ? rows * layout.groupsPerRow * paramBytes : 0;
  layout.totalBytes = alignUp(layout.offsetsOffset + layout.offsetsBytes);
  return layout;
}

BCQLayout computeBCQLayout(int64_t rows, int64_t k, const BCQScheme &scheme) {
  return layoutWithParams(rows, k, scheme, kBCQParamBytes);
}

int64_t bcqBytesWithF32Params(int64_t rows, int64_t k,
                              const BCQScheme &scheme) {
  return layoutWithParams(rows, k, scheme, 4).totalBytes;
}

/// One group of uniform INT-q (codes c, value s * (c - z0)) as BCQ:
/// alpha_i = s * 2^(i-1), bits of c as the planes, z = sum(alpha) - s * z0.
static void writeUniformGroup(const GroupRef &ref, int bits,
                              const uint8_t *codes, float s, float z0,
                              uint8_t *packed) {
  float alphaSum = 0.0f;
  for (int i = 0; i < bits; ++i) {
    float alpha = std::ldexp(s, i - 1);
    alphaSum += alpha;
    storeHalf(packed + ref.alphaOffset(i), alpha);
  }
  // Exact for fitUniform's scales (uniformParams says why): the alphas,
  // their sum and the offset are all halves.
  storeHalf(packed + ref.zOffset(), alphaSum - s * z0);
  storeGroupPlanes(ref, codes, packed);
}

std::vector<uint8_t> bcqFromUniform(const uint8_t *codes, const float *scales,
                                    const float *zeroPoints, int64_t rows,
                                    int64_t k, const BCQScheme &scheme) {
  assert(scheme.offset && "uniform INT-q needs the offset term");
  BCQLayout layout = computeBCQLayout(rows, k, scheme);
  std::vector<uint8_t> packed(layout.totalBytes, 0);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t g = 0; g < layout.groupsPerRow; ++g)
      writeUniformGroup(GroupRef{layout, scheme.bits, row, g, scheme.group},
                        scheme.bits, codes + row * k + g * scheme.group,
                        scales[row * layout.groupsPerRow + g],
                        zeroPoints[row * layout.groupsPerRow + g],
                        packed.data());
  return packed;
}

/// Whether one of the group's n weights is NaN or infinite. Such a group
/// is stored with NaN alphas (and offset), so that all of it decodes to
/// NaN, as blocks of the block schemes do: a fit would either spread the
/// non-finite value (NaN) or drop it silently (+-Inf is skipped by the
/// range and wins no combination).
static bool hasNonFinite(const float *w, int64_t n) {
  for (int64_t j = 0; j < n; ++j)
    if (!std::isfinite(w[j]))
      return true;
  return false;
}

void fitUniformBCQRows(const float *data, const BCQLayout &layout,
                       const BCQScheme &scheme, int64_t rowBegin,
                       int64_t rowEnd, uint8_t *packed) {
  assert(scheme.offset && "uniform INT-q needs the offset term");
  std::vector<uint8_t> codes(layout.k);
  std::vector<float> scales(layout.groupsPerRow), zeros(layout.groupsPerRow);
  for (int64_t row = rowBegin; row < rowEnd; ++row) {
    fitUniform(data + row * layout.k, 1, layout.k, scheme.bits, scheme.group,
               codes.data(), scales.data(), zeros.data());
    for (int64_t g = 0; g < layout.groupsPerRow; ++g) {
      bool poisoned =
          hasNonFinite(data + row * layout.k + g * scheme.group, scheme.group);
      writeUniformGroup(GroupRef{layout, scheme.bits, row, g, scheme.group},
                        scheme.bits, codes.data() + g * scheme.group,
                        poisoned ? NAN : scales[g], zeros[g], packed);
    }
  }
}

bool uniformSpanSaturates(double span, int bits) {
  return uniformHalfStep(span, bits) > std::ldexp(1.0, 15 - bits);
}

void fitUniform(const float *data, int64_t rows, int64_t k, int bits,
                int64_t group, uint8_t *codes, float *scales,
                float *zeroPoints) {
  assert(bits >= 1 && bits <= kMaxBits && k % group == 0);
  const int maxCode = (1 << bits) - 1;
  const int64_t groupsPerRow = k / group;
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t g = 0; g < groupsPerRow; ++g) {
      const float *w = data + row * k + g * group;
      uint8_t *c = codes + row * k + g * group;
      auto [s, z0] = uniformParams(w, group, bits);
      scales[row * groupsPerRow + g] = static_cast<float>(s);
      zeroPoints[row * groupsPerRow + g] = static_cast<float>(z0);
      if (s == 0.0) { // an all-zero group: every code is 0
        std::fill(c, c + group, 0);
        continue;
      }
      for (int64_t j = 0; j < group; ++j) {
        double q = std::round(static_cast<double>(w[j]) / s) + z0;
        c[j] = std::isnan(q) ? 0
                             : static_cast<uint8_t>(std::clamp(
                                   q, 0.0, static_cast<double>(maxCode)));
      }
    }
}

void fitBCQRows(const float *data, const BCQLayout &layout,
                const BCQScheme &scheme, int iterations, int64_t rowBegin,
                int64_t rowEnd, uint8_t *packed) {
  assert(validateBCQScheme(scheme).empty() && "invalid BCQ scheme");
  GroupFitter fitter(scheme.bits, scheme.offset, scheme.group);
  for (int64_t row = rowBegin; row < rowEnd; ++row)
    for (int64_t g = 0; g < layout.groupsPerRow; ++g) {
      GroupRef ref{layout, scheme.bits, row, g, scheme.group};
      const float *w = data + row * layout.k + g * scheme.group;
      GroupFit params = fitter.fit(w, iterations);
      if (hasNonFinite(w, scheme.group)) {
        std::fill(std::begin(params.alphas), std::end(params.alphas), NAN);
        params.z = NAN;
      }
      for (int i = 0; i < scheme.bits; ++i)
        storeHalf(packed + ref.alphaOffset(i), params.alphas[i]);
      if (scheme.offset)
        storeHalf(packed + ref.zOffset(), params.z);
      storeGroupPlanes(ref, fitter.combinations(), packed);
    }
}

std::vector<uint8_t> fitBCQ(const float *data, int64_t rows, int64_t k,
                            const BCQScheme &scheme, int iterations) {
  BCQLayout layout = computeBCQLayout(rows, k, scheme);
  std::vector<uint8_t> packed(layout.totalBytes, 0);
  fitBCQRows(data, layout, scheme, iterations, 0, rows, packed.data());
  return packed;
}

void dequantizeBCQRows(const uint8_t *packed, const BCQLayout &layout,
                       const BCQScheme &scheme, int64_t rowBegin,
                       int64_t rowEnd, float *out) {
  float alphas[kMaxBits];
  for (int64_t row = rowBegin; row < rowEnd; ++row)
    for (int64_t g = 0; g < layout.groupsPerRow; ++g) {
      GroupRef ref{layout, scheme.bits, row, g, scheme.group};
      for (int i = 0; i < scheme.bits; ++i)
        alphas[i] = loadHalf(packed + ref.alphaOffset(i));
      float z = scheme.offset ? loadHalf(packed + ref.zOffset()) : 0.0f;
      for (int64_t j = 0; j < scheme.group; ++j) {
        int combo = 0;
        for (int i = 0; i < scheme.bits; ++i)
          combo |= ((packed[ref.planeByte(i, j)] >> ref.planeBit(j)) & 1) << i;
        out[row * layout.k + g * scheme.group + j] =
            combinationValue(alphas, scheme.bits, z, combo);
      }
    }
}

float loadBCQAlpha(const uint8_t *packed, const BCQLayout &layout,
                   const BCQScheme &scheme, int64_t row, int64_t group,
                   int plane) {
  GroupRef ref{layout, scheme.bits, row, group, scheme.group};
  return loadHalf(packed + ref.alphaOffset(plane));
}

float loadBCQOffset(const uint8_t *packed, const BCQLayout &layout,
                    const BCQScheme &scheme, int64_t row, int64_t group) {
  if (!scheme.offset)
    return 0.0f;
  GroupRef ref{layout, scheme.bits, row, group, scheme.group};
  return loadHalf(packed + ref.zOffset());
}

std::vector<float> dequantizeBCQ(const uint8_t *packed, int64_t rows, int64_t k,
                                 const BCQScheme &scheme) {
  BCQLayout layout = computeBCQLayout(rows, k, scheme);
  std::vector<float> out(static_cast<size_t>(rows * k));
  dequantizeBCQRows(packed, layout, scheme, 0, rows, out.data());
  return out;
}

} // namespace qblock::numerics
