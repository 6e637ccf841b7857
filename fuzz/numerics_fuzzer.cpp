//===- numerics_fuzzer.cpp - Invariants of block quantization -------------===//
//
// Arbitrary bytes become a scheme choice and a block of floats (NaN, Inf,
// subnormals, huge values included). The block is quantized, packed,
// unpacked and decoded, and the result must satisfy the format's
// definition, independently of how the core computes it:
//  - a block holding NaN/Inf decodes to all NaN; a finite one to finite
//    values (or NaN only for a NaN scale code);
//  - every decoded value is +-level * halfScale of the block's dialect,
//    with the sign of the input (zero may carry either sign);
//  - it is a nearest level: no level of the dialect is strictly closer to
//    |x| / halfScale (ties go to the smaller magnitude);
//  - with MSE selection, no other dialect rounds the block with less error;
//  - pack/unpack returns the same block.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/Layout.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace num = qblock::numerics;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed: %s: ", #cond);                  \
      std::fprintf(stderr, __VA_ARGS__);                                       \
      std::fprintf(stderr, "\n");                                              \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

static num::Scheme pickScheme(uint8_t selector) {
  static const int64_t blocks[] = {2, 8, 16, 32, 64};
  int64_t block = blocks[(selector >> 3) % 5];
  switch (selector & 7) {
  case 0:
    return num::Scheme::blockDialect(block, num::SelectRule::MSE);
  case 1:
    return num::Scheme::blockDialect(block, num::SelectRule::TwoStage);
  case 2:
    return num::Scheme::mxfp4(block);
  case 3:
    return num::Scheme::nvfp4(block);
  case 4:
    return num::Scheme::int4(block);
  default:
    return num::Scheme::blockDialect(32, num::SelectRule::MSE);
  }
}

/// Squared error, in half units, of rounding magnitudes t to a dialect.
static double dialectError(const std::vector<float> &t,
                           const num::DialectTable &table) {
  double error = 0;
  for (float v : t) {
    double best = INFINITY;
    for (uint8_t level : table)
      best = std::fmin(best, std::fabs(double(v) - level));
    error += best * best;
  }
  return error;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  num::Scheme scheme = pickScheme(data[0]);
  int64_t n = scheme.blockSize;
  if (size < 1 + size_t(n) * sizeof(float))
    return 0;
  std::vector<float> x(n);
  std::memcpy(x.data(), data + 1, n * sizeof(float));

  num::QuantizedBlock block;
  num::quantizeBlock(x.data(), scheme, block);
  std::vector<float> decoded(n);
  num::dequantizeBlock(block, scheme, decoded.data());

  // Pack into a one-row layout and read it back.
  num::BlockLayout layout = num::computeLayout(1, n, scheme);
  std::vector<uint8_t> packed(layout.totalBytes, 0);
  num::packBlock(block, layout, 0, 0, packed.data());
  num::QuantizedBlock unpacked;
  num::unpackBlock(packed.data(), layout, 0, 0, unpacked);
  CHECK(unpacked.dialect == block.dialect && unpacked.scaleCode == block.scaleCode,
        "metadata round trip");
  for (int64_t i = 0; i < n; ++i)
    CHECK((unpacked.codes[i] & 0xF) == (block.codes[i] & 0xF), "code %lld",
          (long long)i);

  bool finite = true;
  for (float v : x)
    finite &= std::isfinite(v);
  if (!finite) {
    for (float v : decoded)
      CHECK(std::isnan(v), "non-finite block must decode to NaN");
    return 0;
  }
  CHECK(block.dialect < scheme.book.size(), "dialect id %d", block.dialect);
  float half = num::halfScale(scheme.scale, block.scaleCode);
  CHECK(std::isfinite(half) && half >= 0, "finite block, scale %g", half);
  const num::DialectTable &table = scheme.book.dialect(block.dialect);

  std::vector<float> t(n);
  for (int64_t i = 0; i < n; ++i) {
    float v = decoded[i];
    CHECK(!std::isnan(v), "finite input decoded to NaN");
    int level = block.codes[i] & 7;
    CHECK(v == (std::signbit(v) ? -1 : 1) * float(table[level]) * half,
          "value %g is not +-level*halfScale", v);
    if (v != 0)
      CHECK(std::signbit(v) == std::signbit(x[i]), "sign of %g vs %g", v, x[i]);
    if (half == 0)
      continue;
    // Nearest level in half units (computed here in double from the
    // decoded scale, independently of the core's rounding tables).
    double target = std::fabs(double(x[i])) / double(half);
    t[i] = float(target);
    double chosen = std::fabs(target - table[level]);
    for (int other = 0; other < 8; ++other) {
      double d = std::fabs(target - table[other]);
      // Allow float rounding of the magnitude itself (one ulp relative).
      double slack = 1e-6 * std::fmax(1.0, target);
      CHECK(d + slack >= chosen,
            "level %d (%d) is closer than the chosen %d (%d) for t=%.9g",
            other, table[other], level, table[level], target);
    }
  }
  if (scheme.select == num::SelectRule::MSE && half != 0 &&
      scheme.book.size() > 1) {
    double chosen = dialectError(t, table);
    for (int d = 0; d < scheme.book.size(); ++d)
      CHECK(dialectError(t, scheme.book.dialect(d)) + 1e-6 * (1 + chosen) >=
                chosen,
            "dialect %d beats the MSE choice %d", d, block.dialect);
  }
  return 0;
}
