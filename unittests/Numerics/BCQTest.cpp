//===- BCQTest.cpp - Tests for binary-coding quantization -----------------===//

#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/Layout.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace qblock::numerics;

namespace {

/// Box-Muller over mt19937's raw output (std::normal_distribution is
/// implementation-defined); the bounds below were measured on this data.
std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  const double twoPi = 6.283185307179586;
  for (size_t i = 0; i < n; i += 2) {
    double u1 = (static_cast<double>(rng()) + 1.0) / 4294967297.0;
    double u2 = static_cast<double>(rng()) / 4294967296.0;
    double r = std::sqrt(-2.0 * std::log(u1));
    v[i] = static_cast<float>(r * std::cos(twoPi * u2));
    if (i + 1 < n)
      v[i + 1] = static_cast<float>(r * std::sin(twoPi * u2));
  }
  return v;
}

bool sameBits(float a, float b) { return std::memcmp(&a, &b, 4) == 0; }

double rtnError(const std::vector<float> &data, int64_t rows, int64_t k,
                int bits, int64_t group) {
  std::vector<uint8_t> codes(rows * k);
  std::vector<float> scales(rows * k / group), zeros(rows * k / group);
  fitUniform(data.data(), rows, k, bits, group, codes.data(), scales.data(),
             zeros.data());
  std::vector<float> out(rows * k);
  for (int64_t i = 0; i < rows * k; ++i)
    out[i] =
        static_cast<float>(static_cast<double>(scales[i / group]) *
                           (codes[i] - static_cast<double>(zeros[i / group])));
  return relativeMSE(data.data(), out.data(), rows * k);
}

double bcqError(const std::vector<float> &data, int64_t rows, int64_t k,
                const BCQScheme &scheme, int iterations = 8) {
  std::vector<uint8_t> packed =
      fitBCQ(data.data(), rows, k, scheme, iterations);
  std::vector<float> out = dequantizeBCQ(packed.data(), rows, k, scheme);
  EXPECT_EQ(findNonFinite(out.data(), rows * k), -1);
  return relativeMSE(data.data(), out.data(), rows * k);
}

TEST(BCQTest, SchemeBitsAndValidation) {
  // Half alphas and offsets: q + 16 (q + offset) / g.
  EXPECT_EQ((BCQScheme{3, 128, true}).bitsPerElement(), 3.5);
  EXPECT_EQ((BCQScheme{3, 128, false}).bitsPerElement(), 3.375);
  EXPECT_EQ((BCQScheme{4, 64, true}).bitsPerElement(), 5.25);
  EXPECT_EQ((BCQScheme{1, 8, false}).bitsPerElement(), 3.0);

  EXPECT_EQ(validateBCQScheme({3, 128, true}), "");
  EXPECT_EQ(validateBCQScheme({0, 128, true}),
            "BCQ needs 1 to 4 bit planes, got 0");
  EXPECT_EQ(validateBCQScheme({5, 128, true}),
            "BCQ needs 1 to 4 bit planes, got 5");
  EXPECT_EQ(validateBCQScheme({3, 12, true}),
            "BCQ group size must be a positive multiple of 8 (one byte per "
            "bit plane), got 12");
  EXPECT_EQ(validateBCQScheme({3, 0, true}),
            "BCQ group size must be a positive multiple of 8 (one byte per "
            "bit plane), got 0");
}

TEST(BCQTest, LayoutOffsets) {
  BCQLayout l = computeBCQLayout(2, 256, {3, 128, true});
  EXPECT_EQ(l.groupsPerRow, 2);
  EXPECT_EQ(l.planesOffset, 0);
  EXPECT_EQ(l.planesBytes, 192);
  EXPECT_EQ(l.alphasOffset, 192);
  EXPECT_EQ(l.alphasBytes, 24); // 2 rows x 2 groups x 3 planes, halves
  EXPECT_EQ(l.offsetsOffset, 256);
  EXPECT_EQ(l.offsetsBytes, 8);
  EXPECT_EQ(l.totalBytes, 320);

  BCQLayout noOffset = computeBCQLayout(2, 256, {3, 128, false});
  EXPECT_EQ(noOffset.offsetsBytes, 0);
  EXPECT_EQ(noOffset.totalBytes, 256);
}

TEST(BCQTest, PlaneBitsAndParametersFromUniform) {
  // One row, k = 16, two groups of 8, q = 2, codes j % 4.
  const BCQScheme scheme{2, 8, true};
  std::vector<uint8_t> codes(16);
  for (int j = 0; j < 16; ++j)
    codes[j] = static_cast<uint8_t>(j % 4);
  std::vector<float> scales = {1.0f, 0.25f}, zeros = {1.0f, 3.0f};
  std::vector<uint8_t> packed =
      bcqFromUniform(codes.data(), scales.data(), zeros.data(), 1, 16, scheme);
  BCQLayout l = computeBCQLayout(1, 16, scheme);
  // Plane 0 holds bit 0 of each code (element j at bit j % 8), plane 1 bit 1.
  EXPECT_EQ(packed[0], 0xAA);
  EXPECT_EQ(packed[1], 0xAA);
  EXPECT_EQ(packed[2], 0xCC);
  EXPECT_EQ(packed[3], 0xCC);
  // alpha_i = s * 2^(i-1); z = sum(alpha) - s * z0; as little-endian
  // halves ([group][plane]).
  EXPECT_EQ(loadBCQAlpha(packed.data(), l, scheme, 0, 0, 0), 0.5f);
  EXPECT_EQ(loadBCQAlpha(packed.data(), l, scheme, 0, 0, 1), 1.0f);
  EXPECT_EQ(loadBCQAlpha(packed.data(), l, scheme, 0, 1, 0), 0.125f);
  EXPECT_EQ(loadBCQAlpha(packed.data(), l, scheme, 0, 1, 1), 0.25f);
  EXPECT_EQ(loadBCQOffset(packed.data(), l, scheme, 0, 0), 0.5f);
  EXPECT_EQ(loadBCQOffset(packed.data(), l, scheme, 0, 1), 0.375f - 0.75f);
  EXPECT_EQ(packed[l.alphasOffset + 2], 0x00); // 1.0 = 0x3C00
  EXPECT_EQ(packed[l.alphasOffset + 3], 0x3C);
  EXPECT_EQ(packed[l.offsetsOffset + 2], 0x00); // -0.375 = 0xB600
  EXPECT_EQ(packed[l.offsetsOffset + 3], 0xB6);

  std::vector<float> out = dequantizeBCQ(packed.data(), 1, 16, scheme);
  for (int j = 0; j < 16; ++j)
    EXPECT_EQ(out[j], scales[j / 8] * (codes[j] - zeros[j / 8])) << j;
}

TEST(BCQTest, UniformConversionIsExact) {
  // Groups at very different magnitudes (from ranges a half cannot hold,
  // through subnormal halves, to the largest halves), one-signed groups,
  // constant and zero groups: the BCQ form must decode to s * (c - z0) bit
  // for bit.
  const int64_t rows = 4, k = 512, group = 64;
  std::vector<float> data = gaussian(rows * k, 17);
  for (int64_t g = 0; g < rows * k / group; ++g) {
    float factor = std::ldexp(1.0f, static_cast<int>(g * 37 % 47) - 32);
    for (int64_t j = 0; j < group; ++j) {
      float &x = data[g * group + j];
      switch (g % 6) {
      case 0:
        x *= factor;
        break;
      case 1:
        x = std::fabs(x) * 0.37f + 5.0f; // all positive
        break;
      case 2:
        x = -std::fabs(x) * factor; // all negative
        break;
      case 3:
        x = 3.3f;
        break;
      case 4:
        x = 0.0f;
        break;
      default:
        x = x * 1e-3f + 0.1f;
      }
    }
  }
  for (int bits = 1; bits <= 4; ++bits) {
    const BCQScheme scheme{bits, group, true};
    std::vector<uint8_t> codes(rows * k);
    std::vector<float> scales(rows * k / group), zeros(rows * k / group);
    fitUniform(data.data(), rows, k, bits, group, codes.data(), scales.data(),
               zeros.data());
    std::vector<uint8_t> packed = bcqFromUniform(codes.data(), scales.data(),
                                                 zeros.data(), rows, k, scheme);
    std::vector<float> out = dequantizeBCQ(packed.data(), rows, k, scheme);
    for (int64_t i = 0; i < rows * k; ++i) {
      float s = scales[i / group], z0 = zeros[i / group];
      ASSERT_LT(codes[i], 1 << bits);
      ASSERT_EQ(z0, std::round(z0));
      float expected = static_cast<float>(static_cast<double>(s) *
                                          (static_cast<double>(codes[i]) - z0));
      ASSERT_TRUE(sameBits(out[i], expected))
          << "q " << bits << " element " << i << ": " << out[i] << " vs "
          << expected;
    }
    // Zero groups store zero alphas and a zero offset: a LUT-GEMM then
    // adds exactly 0 for them, where alphas of 1 and an offset cancelling
    // them leave rounding noise of the activations' size.
    BCQLayout layout = computeBCQLayout(rows, k, scheme);
    for (int64_t g = 4; g < rows * k / group; g += 6) {
      for (int i = 0; i < bits; ++i)
        ASSERT_EQ(loadBCQAlpha(packed.data(), layout, scheme, g / (k / group),
                               g % (k / group), i),
                  0.0f)
            << "q " << bits << " group " << g;
      ASSERT_EQ(loadBCQOffset(packed.data(), layout, scheme, g / (k / group),
                              g % (k / group)),
                0.0f);
    }
  }
}

/// Per group of `group` weights: the squared error of fitBCQ (with offset)
/// and of min/max round-to-nearest INT-q (fitUniform); `fitted` gets the
/// decoded BCQ weights.
struct GroupErrors {
  std::vector<double> bcq, rtn;
  std::vector<float> fitted;
};
GroupErrors groupErrors(const std::vector<float> &data, int64_t rows,
                        int64_t k, int bits, int64_t group) {
  GroupErrors e;
  BCQScheme scheme{bits, group, true};
  e.fitted = dequantizeBCQ(fitBCQ(data.data(), rows, k, scheme).data(), rows,
                           k, scheme);
  std::vector<uint8_t> codes(data.size());
  std::vector<float> scales(data.size() / group), zeros(data.size() / group);
  fitUniform(data.data(), rows, k, bits, group, codes.data(), scales.data(),
             zeros.data());
  for (size_t g = 0; g < scales.size(); ++g) {
    double rtn = 0.0, bcq = 0.0;
    for (size_t i = g * group; i < (g + 1) * group; ++i) {
      double u = static_cast<float>(static_cast<double>(scales[g]) *
                                    (codes[i] - static_cast<double>(zeros[g])));
      rtn += (u - data[i]) * (u - data[i]);
      bcq += (e.fitted[i] - static_cast<double>(data[i])) *
             (e.fitted[i] - static_cast<double>(data[i]));
    }
    e.rtn.push_back(rtn);
    e.bcq.push_back(bcq);
  }
  return e;
}

TEST(BCQTest, FitBeatsRoundToNearest) {
  // Measured (2^16 Gaussian values, seed 42, k = 1024, g = 128, offset,
  // 8 iterations), relative MSE of fitBCQ vs min/max RTN INT-q:
  //   q=2 0.1079 vs 0.2513   q=3 0.0318 vs 0.0457   q=4 0.00847 vs 0.01005
  std::vector<float> data = gaussian(1 << 16, 42);
  const int64_t k = 1024, rows = static_cast<int64_t>(data.size()) / k;
  for (int bits = 2; bits <= 4; ++bits) {
    double rtn = rtnError(data, rows, k, bits, 128);
    double bcq = bcqError(data, rows, k, {bits, 128, true});
    EXPECT_LE(bcq, rtn) << "q " << bits;
    EXPECT_LE(bcq, 0.9 * rtn) << "q " << bits;
  }
  // Refining from the uniform grid as well makes this hold group by group.
  for (int bits = 2; bits <= 4; ++bits) {
    GroupErrors e = groupErrors(data, rows, k, bits, 128);
    for (size_t g = 0; g < e.rtn.size(); ++g)
      ASSERT_LE(e.bcq[g], e.rtn[g]) << "q " << bits << " group " << g;
  }
  // q = 1 cannot be compared with a meaningful RTN but must fit.
  EXPECT_LT(bcqError(data, rows, k, {1, 128, true}), 0.4);
}

TEST(BCQTest, FitBeatsMinMaxRoundToNearestGroupByGroup) {
  // fitUniform's grid includes 0 (widened to it for groups whose weights
  // all have one sign: 0.5 + 0.1 N(0, 1) and its negation) and has an
  // integer zero point, so the fit's uniform start is coarser than plain
  // min/max round-to-nearest over exactly [min, max]. From the other starts
  // the fit ended up to 1.45x above it at q = 4 on one-sign groups, and up
  // to 2.2x on some Gaussian groups around 0 (sign 0 here). Compared group
  // by group with that RTN, computed here in double; the fit's parameters
  // are halves, so it may lose the last bits of h's rounding (1e-3
  // relative is far above that).
  const int64_t k = 512, rows = 8;
  for (double sign : {1.0, -1.0, 0.0})
    for (int64_t group : {32, 128})
      for (int bits = 1; bits <= 4; ++bits) {
        std::vector<float> data = gaussian(rows * k, 3 + bits);
        for (float &w : data)
          w = static_cast<float>(sign == 0.0 ? w : sign * (0.5 + 0.1 * w));
        BCQScheme scheme{bits, group, true};
        std::vector<float> fitted = dequantizeBCQ(
            fitBCQ(data.data(), rows, k, scheme).data(), rows, k, scheme);
        const int maxCode = (1 << bits) - 1;
        for (int64_t g = 0; g < rows * k / group; ++g) {
          const float *w = data.data() + g * group;
          double lo = *std::min_element(w, w + group);
          double hi = *std::max_element(w, w + group);
          double step = (hi - lo) / maxCode, rtn = 0.0, bcq = 0.0;
          for (int64_t j = 0; j < group; ++j) {
            double code = std::clamp(std::round((w[j] - lo) / step), 0.0,
                                     static_cast<double>(maxCode));
            double u = lo + code * step;
            double f = fitted[g * group + j];
            rtn += (u - w[j]) * (u - w[j]);
            bcq += (f - w[j]) * (f - w[j]);
          }
          ASSERT_LE(bcq, rtn * (1.0 + 1e-3))
              << "q " << bits << " g " << group << " sign " << sign << " group "
              << g;
        }
      }
}

TEST(BCQTest, OutlierGroupsKeepLevelsForTheRest) {
  // Each group of 32: Gaussian weights and one at -50 (an LLM outlier).
  // From the greedy and uniform starts alone, the ordinary weights of many
  // groups landed on one level, and the worst group's error was 0.93x
  // (q=2), 0.91x (q=3), 0.51x (q=4) that of round-to-nearest; the range
  // start keeps at least two levels for them and halves the total error
  // (numpy data of the same kind: worst groups 0.61x, 0.40x, 0.21x).
  const int64_t k = 32 * 64, rows = 2, group = 32;
  std::vector<float> data = gaussian(rows * k, 11);
  for (int64_t g = 0; g < rows * k / group; ++g)
    data[g * group + (g * 7) % group] = -50.0f;
  for (int bits = 2; bits <= 4; ++bits) {
    GroupErrors e = groupErrors(data, rows, k, bits, group);
    for (size_t g = 0; g < e.rtn.size(); ++g) {
      std::vector<float> levels;
      for (size_t i = g * group; i < (g + 1) * group; ++i)
        if (data[i] != -50.0f && std::find(levels.begin(), levels.end(),
                                           e.fitted[i]) == levels.end())
          levels.push_back(e.fitted[i]);
      const double bound[] = {0.75, 0.5, 0.3};
      ASSERT_LE(e.bcq[g], bound[bits - 2] * e.rtn[g])
          << "q " << bits << " group " << g;
      ASSERT_GE(levels.size(), 2u) << "q " << bits << " group " << g;
    }
  }
}

TEST(BCQTest, RefinementNeverHurts) {
  std::vector<float> data = gaussian(1 << 14, 5);
  const int64_t k = 512, rows = static_cast<int64_t>(data.size()) / k;
  for (bool offset : {true, false})
    for (int bits = 1; bits <= 4; ++bits) {
      BCQScheme scheme{bits, 64, offset};
      double start = bcqError(data, rows, k, scheme, 0);
      double one = bcqError(data, rows, k, scheme, 1);
      double eight = bcqError(data, rows, k, scheme, 8);
      EXPECT_LE(one, start) << bits << " " << offset;
      EXPECT_LE(eight, one) << bits << " " << offset;
    }
}

TEST(BCQTest, WithoutOffset) {
  std::vector<float> data = gaussian(1 << 14, 8);
  const int64_t k = 512, rows = static_cast<int64_t>(data.size()) / k;
  // Zero-mean data loses little without z.
  double with = bcqError(data, rows, k, {3, 128, true});
  double without = bcqError(data, rows, k, {3, 128, false});
  EXPECT_LT(without, 0.05);
  EXPECT_LT(without, 1.2 * with);
  // The layout has no offsets array at all.
  EXPECT_EQ(computeBCQLayout(rows, k, {3, 128, false}).offsetsBytes, 0);
}

TEST(BCQTest, DegenerateGroupsNeverGiveNaN) {
  const int64_t rows = 2, k = 256;
  for (bool offset : {true, false})
    for (int bits = 1; bits <= 4; ++bits) {
      BCQScheme scheme{bits, 64, offset};
      std::vector<float> zeros(rows * k, 0.0f);
      std::vector<float> out = dequantizeBCQ(
          fitBCQ(zeros.data(), rows, k, scheme).data(), rows, k, scheme);
      for (float v : out)
        ASSERT_EQ(v, 0.0f);

      std::vector<float> mixed = gaussian(rows * k, 4);
      for (int64_t j = 0; j < 64; ++j) {
        mixed[j] = 3.0f;                         // constant group
        mixed[64 + j] = 0.0f;                    // zero group
        mixed[128 + j] = j % 2 ? 3e38f : -3e38f; // near FLT_MAX
        mixed[192 + j] = j == 5 ? 1.0f : 0.0f;   // one spike
      }
      out = dequantizeBCQ(fitBCQ(mixed.data(), rows, k, scheme).data(), rows, k,
                          scheme);
      for (float v : out)
        ASSERT_FALSE(std::isnan(v)) << bits << " " << offset;
      for (int64_t j = 0; j < 64; ++j)
        ASSERT_EQ(out[64 + j], 0.0f);
      if (offset) {
        for (int64_t j = 0; j < 64; ++j)
          ASSERT_EQ(out[j], 3.0f);
      }
    }
}

TEST(BCQTest, ParametersSaturateAtTheLargestHalf) {
  // Alphas and offsets are halves: a group of +-1e6 cannot be represented
  // and saturates at 65504 (SelectFormats warns about such weights); it
  // must come out finite, with its signs, and leave other groups alone.
  const int64_t rows = 1, k = 128, group = 64;
  std::vector<float> data = gaussian(rows * k, 21);
  for (int64_t j = 0; j < group; ++j)
    data[j] = j % 2 ? 1e6f : -1e6f;
  for (bool uniform : {false, true}) {
    BCQScheme scheme{3, group, true, uniform};
    BCQLayout layout = computeBCQLayout(rows, k, scheme);
    std::vector<uint8_t> packed(layout.totalBytes, 0);
    if (uniform)
      fitUniformBCQRows(data.data(), layout, scheme, 0, rows, packed.data());
    else
      fitBCQRows(data.data(), layout, scheme, 8, 0, rows, packed.data());
    for (int i = 0; i < scheme.bits; ++i)
      EXPECT_LE(loadBCQAlpha(packed.data(), layout, scheme, 0, 0, i), 65504.0f);
    std::vector<float> out = dequantizeBCQ(packed.data(), rows, k, scheme);
    for (int64_t j = 0; j < group; ++j) {
      ASSERT_TRUE(std::isfinite(out[j])) << uniform << " " << j;
      ASSERT_EQ(out[j] > 0, data[j] > 0) << uniform << " " << j;
      ASSERT_GE(std::fabs(out[j]), 20000.0f) << uniform << " " << j;
    }
    // The Gaussian group fits as well as it does alone.
    std::vector<float> alone(data.begin() + group, data.end());
    BCQLayout one = computeBCQLayout(1, group, scheme);
    std::vector<uint8_t> alonePacked(one.totalBytes, 0);
    if (uniform)
      fitUniformBCQRows(alone.data(), one, scheme, 0, 1, alonePacked.data());
    else
      fitBCQRows(alone.data(), one, scheme, 8, 0, 1, alonePacked.data());
    std::vector<float> aloneOut =
        dequantizeBCQ(alonePacked.data(), 1, group, scheme);
    for (int64_t j = 0; j < group; ++j)
      ASSERT_EQ(out[group + j], aloneOut[j]) << uniform << " " << j;
  }
}

TEST(BCQTest, UniformIgnoresNonFiniteValuesForTheRange) {
  std::vector<float> data = gaussian(64, 6);
  data[3] = NAN;
  data[7] = INFINITY;
  std::vector<uint8_t> codes(64);
  float scale, zero;
  fitUniform(data.data(), 1, 64, 3, 64, codes.data(), &scale, &zero);
  EXPECT_TRUE(std::isfinite(scale));
  EXPECT_GT(scale, 0.0f);
  EXPECT_LT(scale, 2.0f); // the Gaussian values' range, not infinity
  EXPECT_EQ(codes[7], 7);
}

TEST(BCQTest, RowRangesCompose) {
  const BCQScheme scheme{3, 64, true};
  const int64_t rows = 5, k = 192;
  std::vector<float> data = gaussian(rows * k, 13);
  std::vector<uint8_t> all = fitBCQ(data.data(), rows, k, scheme);
  BCQLayout layout = computeBCQLayout(rows, k, scheme);
  std::vector<uint8_t> split(layout.totalBytes, 0);
  fitBCQRows(data.data(), layout, scheme, 8, 3, rows, split.data());
  fitBCQRows(data.data(), layout, scheme, 8, 0, 3, split.data());
  EXPECT_EQ(split, all);

  std::vector<float> out(rows * k, -1.0f);
  dequantizeBCQRows(all.data(), layout, scheme, 1, 2, out.data());
  std::vector<float> full = dequantizeBCQ(all.data(), rows, k, scheme);
  for (int64_t i = 0; i < rows * k; ++i)
    ASSERT_EQ(out[i], i / k == 1 ? full[i] : -1.0f);
}

} // namespace

namespace num = qblock::numerics;

TEST(BCQTest, FitUniformRowsMatchesFitUniformPlusConversion) {
  const int64_t rows = 5, k = 256;
  std::vector<float> w(rows * k);
  for (int64_t i = 0; i < rows * k; ++i)
    w[i] = std::sin(0.37f * float(i)) * (i % 17 == 0 ? 4.0f : 1.0f);
  for (int bits = 1; bits <= 4; ++bits) {
    num::BCQScheme scheme{bits, 64, true, true};
    std::vector<uint8_t> codes(rows * k);
    std::vector<float> scales(rows * k / 64), zeros(rows * k / 64);
    num::fitUniform(w.data(), rows, k, bits, 64, codes.data(), scales.data(),
                    zeros.data());
    std::vector<uint8_t> expected = num::bcqFromUniform(
        codes.data(), scales.data(), zeros.data(), rows, k, scheme);
    num::BCQLayout layout = num::computeBCQLayout(rows, k, scheme);
    std::vector<uint8_t> packed(layout.totalBytes, 0xAB);
    // In two row ranges, as the passes split work across threads.
    num::fitUniformBCQRows(w.data(), layout, scheme, 0, 2, packed.data());
    num::fitUniformBCQRows(w.data(), layout, scheme, 2, rows, packed.data());
    // Padding bytes are not part of the format; compare the arrays.
    EXPECT_TRUE(std::equal(packed.begin(),
                           packed.begin() + layout.planesBytes,
                           expected.begin()))
        << "planes, bits=" << bits;
    EXPECT_TRUE(std::equal(packed.begin() + layout.alphasOffset,
                           packed.begin() + layout.alphasOffset +
                               layout.alphasBytes,
                           expected.begin() + layout.alphasOffset))
        << "alphas, bits=" << bits;
    EXPECT_TRUE(std::equal(packed.begin() + layout.offsetsOffset,
                           packed.begin() + layout.offsetsOffset +
                               layout.offsetsBytes,
                           expected.begin() + layout.offsetsOffset))
        << "offsets, bits=" << bits;
  }
}
