//===- ReferenceTest.cpp - Tests for the reference products ---------------===//

#include "qblock/Numerics/Reference.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace qblock::numerics;

namespace {

TEST(ReferenceTest, MatchesNaiveProduct) {
  // Small integers: every product and partial sum is exact, so a naive float
  // loop over the logical W[K][N] must agree bit for bit.
  const int64_t m = 3, n = 4, k = 5;
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> small(-8, 8);
  std::vector<float> a(m * k), w(k * n), init(m * n);
  for (float &x : a)
    x = static_cast<float>(small(rng));
  for (float &x : w)
    x = static_cast<float>(small(rng));
  for (float &x : init)
    x = static_cast<float>(small(rng));
  // The reference takes W as rows: wRows[j][p] = W[p][j].
  std::vector<float> wRows(n * k);
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j)
      wRows[j * k + p] = w[p * n + j];

  std::vector<float> c(m * n), cInit(m * n);
  referenceGemm(a.data(), wRows.data(), nullptr, c.data(), m, n, k);
  referenceGemm(a.data(), wRows.data(), init.data(), cInit.data(), m, n, k);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float expected = 0.0f;
      for (int64_t p = 0; p < k; ++p)
        expected += a[i * k + p] * w[p * n + j];
      EXPECT_EQ(c[i * n + j], expected);
      EXPECT_EQ(cInit[i * n + j], expected + init[i * n + j]);
    }

  // GEMV is M = 1: the first row of the product.
  std::vector<float> gemv(n);
  referenceGemm(a.data(), wRows.data(), nullptr, gemv.data(), 1, n, k);
  for (int64_t j = 0; j < n; ++j)
    EXPECT_EQ(gemv[j], c[j]);
}

TEST(ReferenceTest, AccumulatesInDouble) {
  // In float, 1e8 + 1 rounds back to 1e8 and the 1 is lost.
  std::vector<float> a = {1e8f, 1.0f, -1e8f};
  std::vector<float> w = {1.0f, 1.0f, 1.0f};
  float c = 0.0f;
  referenceGemm(a.data(), w.data(), nullptr, &c, 1, 1, 3);
  EXPECT_EQ(c, 1.0f);
}

TEST(ReferenceTest, IntegerGemmKnownBlocks) {
  // One block of 32 per operand. Activations: INT8 with amax 127, so the
  // scale is exactly 1 and the codes are the values. Weights: MXFP4 with a
  // block maximum of 6 (E8M0 scale 1, half scale 0.5): codes are twice the
  // values in half units.
  std::vector<float> a(64, 0.0f), w(32, 0.0f);
  a[0] = 127.0f;
  a[1] = -3.0f;
  a[2] = 2.0f;
  a[32 + 0] = 127.0f; // second activation row
  a[32 + 31] = 5.0f;
  w[0] = 6.0f;  // 12 half units
  w[1] = 1.5f;  // 3
  w[2] = -0.5f; // -1
  w[31] = 4.0f; // 8
  Scheme acts = Scheme::int8(), weights = Scheme::mxfp4();
  std::vector<uint8_t> qa = quantizeMatrix(a.data(), 2, 32, acts);
  std::vector<uint8_t> qw = quantizeMatrix(w.data(), 1, 32, weights);
  float c[2];
  float init[2] = {0.25f, -1.0f};
  referenceIntegerGemm(qa.data(), computeLayout(2, 32, acts), acts, qw.data(),
                       computeLayout(1, 32, weights), weights, init, c);
  // dot (q times half units) x (1 x 0.5), plus init.
  EXPECT_EQ(c[0], 0.25f + (127 * 12 - 3 * 3 + 2 * -1) * 0.5f);
  EXPECT_EQ(c[1], -1.0f + (127 * 12 + 5 * 8) * 0.5f);
}

TEST(ReferenceTest, IntegerGemmMatchesTheDequantizedProduct) {
  // Up to f32 summation, the integer path multiplies the decoded values;
  // a NaN activation block turns its row (only) into NaN.
  const int64_t m = 3, n = 5, k = 128;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  std::vector<float> a(m * k), w(n * k);
  for (float &v : a)
    v = uniform(rng);
  for (float &v : w)
    v = uniform(rng);
  a[2 * k + 70] = std::numeric_limits<float>::quiet_NaN();
  for (Scheme acts : {Scheme::int8(), Scheme::blockDialect(32, SelectRule::TwoStage)}) {
    Scheme weights = Scheme::blockDialect();
    std::vector<uint8_t> qa = quantizeMatrix(a.data(), m, k, acts);
    std::vector<uint8_t> qw = quantizeMatrix(w.data(), n, k, weights);
    std::vector<float> c(m * n), da = dequantizeMatrix(qa.data(), m, k, acts),
                                 dw = dequantizeMatrix(qw.data(), n, k, weights),
                                 expected(m * n);
    referenceIntegerGemm(qa.data(), computeLayout(m, k, acts), acts,
                         qw.data(), computeLayout(n, k, weights), weights,
                         nullptr, c.data());
    referenceGemm(da.data(), dw.data(), nullptr, expected.data(), m, n, k);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        if (i == 2) {
          EXPECT_TRUE(std::isnan(c[i * n + j]));
          continue;
        }
        EXPECT_NEAR(c[i * n + j], expected[i * n + j],
                    1e-5f * (1.0f + std::fabs(expected[i * n + j])));
      }
  }
}

} // namespace
