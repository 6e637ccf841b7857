//===- BCQ.h - Binary-coding quantization for LUT-GEMM ---------*- C++ -*-===//
//
// Per group of g consecutive elements along K, q bit planes:
//   w = sum_{i<q} alpha_i * b_i + z,   b_i in {-1, +1}
// Storage (rows x k view, as in Layout.h), arrays aligned to kArrayAlignment:
//   planes  rows * q * k/8 bytes: plane i of element j of row r at byte
//           (r*q + i) * k/8 + j/8, bit (j % 8); a set bit means b = +1.
//   alphas  f16 [rows][k/g][q]
//   offsets f16 [rows][k/g]  (absent when the scheme has no offset)
// Halves, as in the LUT-GEMM paper: f32 parameters made up a fifth of the
// bytes a q = 3, g = 128 GEMV streams (docs/lut-gemm.md). Dequantization
// sums in double and rounds once to float, so a conversion from uniform
// INT-q reproduces s * (c - z0) exactly, provided the alphas and the offset
// z = s * ((2^q - 1) / 2 - z0) are halves: fitUniform's scales make sure.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_BCQ_H
#define QBLOCK_NUMERICS_BCQ_H

#include <cstdint>
#include <string>
#include <vector>

namespace qblock::numerics {

/// The most bit planes a BCQ scheme has.
constexpr int kBCQMaxBits = 4;

/// Bytes of one stored alpha or offset (an IEEE half), and the largest
/// magnitude one holds; the fits saturate there.
constexpr int64_t kBCQParamBytes = 2;
constexpr double kBCQParamMax = 65504.0;

struct BCQScheme {
  int bits = 3;        // q, 1..4
  int64_t group = 128; // g, a multiple of 8 dividing k
  bool offset = true;  // whether the offset term z is stored
  /// How weights are fitted: the non-uniform alternating fit (false), or
  /// uniform INT-q per group converted exactly to BCQ (true, needs offset).
  bool fromUniform = false;

  /// q + (16 q + (offset ? 16 : 0)) / g.
  double bitsPerElement() const;
};

/// Empty when valid, else a message that says what to change.
std::string validateBCQScheme(const BCQScheme &scheme);

struct BCQLayout {
  int64_t rows = 0, k = 0, groupsPerRow = 0;
  int64_t planesOffset = 0, planesBytes = 0;
  int64_t alphasOffset = 0, alphasBytes = 0;
  int64_t offsetsOffset = 0, offsetsBytes = 0;
  int64_t totalBytes = 0;
};

BCQLayout computeBCQLayout(int64_t rows, int64_t k, const BCQScheme &scheme);

/// The byte size the layout had until 2026-12-05, when alphas and offsets
/// were f32: only to recognize packed data of that format and say so.
int64_t bcqBytesWithF32Params(int64_t rows, int64_t k, const BCQScheme &scheme);

/// Converts uniform INT-q (codes c in [0, 2^q), value s * (c - z0)) to BCQ:
/// alpha_i = s * 2^(i-1), b_i = 2*bit_i(c) - 1, z = sum(alpha_i) - s * z0.
/// codes: rows x k; scales, zeroPoints: rows x k/g. Requires scheme.offset.
std::vector<uint8_t> bcqFromUniform(const uint8_t *codes, const float *scales,
                                    const float *zeroPoints, int64_t rows,
                                    int64_t k, const BCQScheme &scheme);

/// fitUniform + bcqFromUniform for rows [rowBegin, rowEnd) of a rows x k
/// matrix, written into `packed` (the full layout); rows are independent.
/// Requires scheme.offset.
void fitUniformBCQRows(const float *data, const BCQLayout &layout,
                       const BCQScheme &scheme, int64_t rowBegin,
                       int64_t rowEnd, uint8_t *packed);

/// Round-to-nearest uniform INT-q per group (min/max asymmetric): the
/// baseline BCQ must beat, and the input of bcqFromUniform. The range is
/// widened to include 0 so the integer zero point z0 lies in [0, 2^q - 1];
/// h = s / 2 = (max - min) / (2^q - 1) / 2 is rounded to 11 - q significant
/// bits, to a multiple of 2^-24 and to at most 2^(15 - q), so that
/// bcqFromUniform's half alphas and offset are exact (s = 0 when that
/// leaves h = 0, as for an all-zero group).
void fitUniform(const float *data, int64_t rows, int64_t k, int bits,
                int64_t group, uint8_t *codes, float *scales,
                float *zeroPoints);

/// Whether fitUniform caps h at 2^(15 - q) for a group of this span (max -
/// min, 0 included): its grid is then narrower than the group, which is
/// clipped at both ends (about a span of (2^q - 1) * 2^(16 - q)).
bool uniformSpanSaturates(double span, int bits);

/// Non-uniform BCQ fit from floats: greedy residual start, then `iterations`
/// rounds of alternating least-squares alphas (and z) and exhaustive
/// per-element bit choice. The same refinement also runs from fitUniform's
/// grid and the better result is kept, so no group fits worse than RTN.
/// Rows [rowBegin, rowEnd) into `packed`.
void fitBCQRows(const float *data, const BCQLayout &layout,
                const BCQScheme &scheme, int iterations, int64_t rowBegin,
                int64_t rowEnd, uint8_t *packed);
std::vector<uint8_t> fitBCQ(const float *data, int64_t rows, int64_t k,
                            const BCQScheme &scheme, int iterations = 8);

/// Decodes rows [rowBegin, rowEnd) into a row-major rows x k matrix.
void dequantizeBCQRows(const uint8_t *packed, const BCQLayout &layout,
                       const BCQScheme &scheme, int64_t rowBegin,
                       int64_t rowEnd, float *out);
/// Alpha `plane` and the offset z (0 without one) of group `group` of row
/// `row`, decoded from their halves: what readers outside the numerics
/// core use instead of the layout's byte offsets.
float loadBCQAlpha(const uint8_t *packed, const BCQLayout &layout,
                   const BCQScheme &scheme, int64_t row, int64_t group,
                   int plane);
float loadBCQOffset(const uint8_t *packed, const BCQLayout &layout,
                    const BCQScheme &scheme, int64_t row, int64_t group);

std::vector<float> dequantizeBCQ(const uint8_t *packed, int64_t rows,
                                 int64_t k, const BCQScheme &scheme);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_BCQ_H
