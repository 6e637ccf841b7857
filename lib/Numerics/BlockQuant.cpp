//===- BlockQuant.cpp - Block-wise quantization of one block --------------===//
//
// roundToLevel is the readable definition of rounding. The block quantizer
// uses an equivalent lookup table instead, because it runs over every weight
// of a model: a level is chosen by comparing t with midpoints (a + b) / 2 of
// integer magnitudes, and t > (a + b) / 2 <=> 2t > a + b <=> ceil(2t) > a + b.
// So the chosen level depends only on ceil(2t), an integer that saturates at
// 255 (above every 2 * kMaxMagnitude). The unit tests check that both agree.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/BlockQuant.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace qblock::numerics {

namespace {

constexpr int kLookupSize = 256;
constexpr int64_t kMaxBlockSize = 4096;

/// Per-book rounding tables, indexed by ceil(2t) and then dialect. Dialects
/// past the book's size repeat dialect 0 so the per-element loops always run
/// over kMaxDialects lanes (and vectorize); they never win a selection because
/// they tie with dialect 0, which has the lower id.
struct RoundingTables {
  std::vector<DialectTable> tables;
  int numDialects = 0;
  float level[kLookupSize][kMaxDialects];
  uint8_t index[kLookupSize][kMaxDialects];

  void build(const FormatBook &book) {
    tables = book.dialects();
    numDialects = book.size();
    for (int d = 0; d < kMaxDialects; ++d) {
      const DialectTable &table = tables[d < numDialects ? d : 0];
      int i = 0;
      for (int u = 0; u < kLookupSize; ++u) {
        while (i < kLevelsPerDialect - 1 && u > table[i] + table[i + 1])
          ++i;
        index[u][d] = static_cast<uint8_t>(i);
        level[u][d] = static_cast<float>(table[i]);
      }
    }
  }
};

/// Rebuilt only when a thread switches books, so quantizing a tensor builds
/// the tables once however many blocks it has.
const RoundingTables &roundingTablesFor(const FormatBook &book) {
  thread_local RoundingTables cache;
  if (cache.numDialects == 0 || cache.tables != book.dialects())
    cache.build(book);
  return cache;
}

/// ceil(2t) saturated to the table size; t is finite and >= 0 here.
inline int lookupKey(float t) {
  float twice = 2.0f * t;
  if (!(twice < static_cast<float>(kLookupSize - 1)))
    return kLookupSize - 1;
  return static_cast<int>(std::ceil(twice));
}

int selectByMSE(const float *t, int64_t n, const RoundingTables &rt) {
  // The float difference is squared exactly in double (24-bit significand),
  // and sums run in element order, so the choice is reproducible.
  double error[kMaxDialects] = {};
  for (int64_t i = 0; i < n; ++i) {
    const float *levels = rt.level[lookupKey(t[i])];
    for (int d = 0; d < kMaxDialects; ++d) {
      double diff = static_cast<double>(t[i] - levels[d]);
      error[d] += diff * diff;
    }
  }
  int best = 0;
  for (int d = 1; d < rt.numDialects; ++d)
    if (error[d] < error[best])
      best = d;
  return best;
}

int selectTwoStage(const float *t, int64_t n, const RoundingTables &rt) {
  // Stage 1: truncate the scaled maximum to a half-unit step and keep the
  // dialects whose top magnitude is the largest one not above it.
  float tmax = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    tmax = std::max(tmax, t[i]);
  float truncated = std::floor(tmax);
  int chosenMax = -1, smallestMax = kMaxMagnitude + 1;
  for (int d = 0; d < rt.numDialects; ++d) {
    int top = rt.tables[d][kLevelsPerDialect - 1];
    smallestMax = std::min(smallestMax, top);
    if (static_cast<float>(top) <= truncated)
      chosenMax = std::max(chosenMax, top);
  }
  if (chosenMax < 0)
    chosenMax = smallestMax;
  int candidates[kMaxDialects];
  int numCandidates = 0;
  for (int d = 0; d < rt.numDialects; ++d)
    if (rt.tables[d][kLevelsPerDialect - 1] == chosenMax)
      candidates[numCandidates++] = d;
  if (numCandidates == 1)
    return candidates[0];

  // Stage 2: an element votes for the candidate that rounds it strictly
  // better than every other candidate; elements all candidates round equally
  // well (most of them: the pair differs in one level) do not vote.
  int64_t votes[kMaxDialects] = {};
  for (int64_t i = 0; i < n; ++i) {
    const float *levels = rt.level[lookupKey(t[i])];
    int winner = -1;
    float winnerError = std::numeric_limits<float>::infinity();
    bool unique = false;
    for (int c = 0; c < numCandidates; ++c) {
      float error = std::fabs(t[i] - levels[candidates[c]]);
      if (error < winnerError) {
        winner = c;
        winnerError = error;
        unique = true;
      } else if (error == winnerError) {
        unique = false;
      }
    }
    if (unique)
      ++votes[winner];
  }
  int best = 0;
  for (int c = 1; c < numCandidates; ++c)
    if (votes[c] > votes[best])
      best = c;
  return candidates[best];
}

int selectWithTables(const float *t, int64_t n, const RoundingTables &rt,
                     SelectRule rule) {
  if (rt.numDialects == 1)
    return 0;
  return rule == SelectRule::MSE ? selectByMSE(t, n, rt)
                                 : selectTwoStage(t, n, rt);
}

} // namespace

std::string selectRuleName(SelectRule rule) {
  return rule == SelectRule::MSE ? "mse" : "two-stage";
}

Scheme Scheme::blockDialect(int64_t blockSize, SelectRule select) {
  return {FormatBook::dialectFP4(), ScaleKind::E8M0, blockSize, select};
}

Scheme Scheme::mxfp4(int64_t blockSize) {
  return {FormatBook::e2m1(), ScaleKind::E8M0, blockSize, SelectRule::MSE};
}

Scheme Scheme::nvfp4(int64_t blockSize) {
  return {FormatBook::e2m1(), ScaleKind::E4M3, blockSize, SelectRule::MSE};
}

Scheme Scheme::int4(int64_t blockSize) {
  return {FormatBook::int4(), ScaleKind::F16, blockSize, SelectRule::MSE};
}

Scheme Scheme::int8(int64_t blockSize) {
  return {FormatBook::int8(), ScaleKind::F16, blockSize, SelectRule::MSE};
}

double Scheme::bitsPerElement() const {
  return static_cast<double>(book.codeBits()) +
         static_cast<double>(book.dialectIdBits() + scaleBits(scale)) /
             static_cast<double>(blockSize);
}

int int8Level(float t) {
  // t/2 - 1/2 is exact for the t this sees (finite, below 2^23); its ceiling
  // is the nearest integer to t/2 with ties going down.
  float level = std::ceil(t * 0.5f - 0.5f);
  return level >= static_cast<float>(kInt8MaxLevel)
             ? kInt8MaxLevel
             : std::max(0, static_cast<int>(level));
}

std::string validateBlockSize(int64_t blockSize) {
  if (blockSize < 2 || blockSize > kMaxBlockSize)
    return "block size must be in [2, " + std::to_string(kMaxBlockSize) +
           "], got " + std::to_string(blockSize);
  if (blockSize % 2 != 0)
    return "block size must be even so that two 4-bit codes share a byte, "
           "got " +
           std::to_string(blockSize);
  return "";
}

int roundToLevel(float t, const DialectTable &table) {
  if (std::isnan(t))
    return 0;
  // Midpoints of integer magnitudes are exact in float, so `<=` implements
  // "ties to the smaller magnitude" exactly.
  for (int i = 0; i < kLevelsPerDialect - 1; ++i)
    if (t <= static_cast<float>(table[i] + table[i + 1]) * 0.5f)
      return i;
  return kLevelsPerDialect - 1;
}

int selectDialect(const float *scaledMagnitudes, int64_t n,
                  const FormatBook &book, SelectRule rule) {
  return selectWithTables(scaledMagnitudes, n, roundingTablesFor(book), rule);
}

void quantizeBlock(const float *values, const Scheme &scheme,
                   QuantizedBlock &out) {
  const int64_t n = scheme.blockSize;
  assert(validateBlockSize(n).empty() && "invalid block size");

  float amax = 0.0f;
  bool finite = true;
  for (int64_t i = 0; i < n; ++i) {
    float magnitude = std::fabs(values[i]);
    finite &= std::isfinite(magnitude);
    amax = std::max(amax, magnitude);
  }
  if (!finite) {
    // The NaN scale code alone makes every decoded element NaN.
    out.scaleCode = computeScaleCode(
        scheme.scale, std::numeric_limits<float>::quiet_NaN(), scheme.book);
    out.dialect = 0;
    std::fill(out.codes, out.codes + n, 0);
    return;
  }
  out.scaleCode = computeScaleCode(scheme.scale, amax, scheme.book);

  // Magnitudes in half units: t = |x| / halfScale.
  float t[kMaxBlockSize];
  if (scheme.scale == ScaleKind::E8M0) {
    // |x| * 2^(1-e) is exact in double and rounds once to float, the same
    // result as ldexpf but without a libm call per element.
    double factor =
        std::ldexp(1.0, 1 - (static_cast<int>(out.scaleCode) - 127));
    for (int64_t i = 0; i < n; ++i)
      t[i] = static_cast<float>(static_cast<double>(std::fabs(values[i])) *
                                factor);
  } else {
    float scale = decodeScale(scheme.scale, out.scaleCode);
    for (int64_t i = 0; i < n; ++i)
      t[i] = scale == 0.0f ? 0.0f : (std::fabs(values[i]) / scale) * 2.0f;
  }

  if (scheme.book.isInteger()) {
    out.dialect = 0;
    for (int64_t i = 0; i < n; ++i) {
      int level = int8Level(t[i]);
      out.codes[i] = static_cast<uint8_t>(
          static_cast<int8_t>(std::signbit(values[i]) ? -level : level));
    }
    return;
  }

  const RoundingTables &rt = roundingTablesFor(scheme.book);
  int dialect = selectWithTables(t, n, rt, scheme.select);
  out.dialect = static_cast<uint8_t>(dialect);
  for (int64_t i = 0; i < n; ++i) {
    uint8_t sign = std::signbit(values[i]) ? 0x8 : 0x0;
    out.codes[i] = sign | rt.index[lookupKey(t[i])][dialect];
  }
}

float decodeElement(uint8_t code, const DialectTable &table, ScaleKind kind,
                    uint16_t scaleCode) {
  float half = halfScale(kind, scaleCode);
  float magnitude = static_cast<float>(table[code & 0x7]) * half;
  return (code & 0x8) ? -magnitude : magnitude;
}

void dequantizeBlock(const QuantizedBlock &block, const Scheme &scheme,
                     float *out) {
  const int64_t n = scheme.blockSize;
  if (scheme.book.isInteger()) {
    float half = halfScale(scheme.scale, block.scaleCode);
    for (int64_t i = 0; i < n; ++i) {
      int code = static_cast<int8_t>(block.codes[i]);
      float magnitude = static_cast<float>(2 * std::abs(code)) * half;
      out[i] = code < 0 ? -magnitude : magnitude;
    }
    return;
  }
  // A corrupt dialect id decodes to NaN rather than reading past the book.
  if (block.dialect >= scheme.book.size()) {
    std::fill(out, out + n, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  const DialectTable &table = scheme.book.dialect(block.dialect);
  float half = halfScale(scheme.scale, block.scaleCode);
  for (int64_t i = 0; i < n; ++i) {
    float magnitude = static_cast<float>(table[block.codes[i] & 0x7]) * half;
    out[i] = (block.codes[i] & 0x8) ? -magnitude : magnitude;
  }
}

} // namespace qblock::numerics
