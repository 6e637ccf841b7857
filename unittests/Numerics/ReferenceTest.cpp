//===- ReferenceTest.cpp - Tests for the reference products ---------------===//

#include "qblock/Numerics/Reference.h"

#include "gtest/gtest.h"

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

} // namespace
