//===- FormatBookTest.cpp - Tests for formatbooks -------------------------===//

#include "qblock/Numerics/FormatBook.h"
#include "qblock/Numerics/BlockQuant.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>

using namespace qblock::numerics;

namespace {

// DESIGN.md section 2, written out independently as values (k / 2) so that a
// typo in the library's half-unit table cannot hide in both places.
const double kDialectFP4Values[16][8] = {
    {0, 0.5, 1, 1.5, 2, 3, 5.5, 7.5}, {0, 0.5, 1, 1.5, 2, 3, 4.5, 7.5},
    {0, 0.5, 1, 1.5, 2, 3, 5.5, 7},   {0, 0.5, 1, 1.5, 2, 3, 4.5, 7},
    {0, 0.5, 1, 1.5, 2, 3, 5, 6.5},   {0, 0.5, 1, 1.5, 2, 3, 4, 6.5},
    {0, 0.5, 1, 1.5, 2, 3, 5, 6},     {0, 0.5, 1, 1.5, 2, 3, 4, 6},
    {0, 0.5, 1, 1.5, 2, 3, 4.5, 5.5}, {0, 0.5, 1, 1.5, 2, 3, 3.5, 5.5},
    {0, 0.5, 1, 1.5, 2, 3, 4.5, 5},   {0, 0.5, 1, 1.5, 2, 3, 3.5, 5},
    {0, 0.5, 1, 1.5, 2, 3, 4, 4.5},   {0, 0.5, 1, 1.5, 2, 3, 3.5, 4.5},
    {0, 0.5, 1, 1.5, 2, 3, 3.5, 4},   {0, 0.5, 1, 1.5, 2, 2.5, 3, 4},
};

TEST(FormatBookTest, DialectFP4MatchesDesignTable) {
  FormatBook book = FormatBook::dialectFP4();
  ASSERT_EQ(book.size(), 16);
  for (int d = 0; d < 16; ++d)
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(book.dialect(d)[i] / 2.0, kDialectFP4Values[d][i])
          << "dialect " << d << " level " << i;
}

TEST(FormatBookTest, DialectFP4DecodesToDesignValues) {
  // E8M0 code 127 is scale 1, so a decoded element is exactly k / 2.
  FormatBook book = FormatBook::dialectFP4();
  for (int d = 0; d < 16; ++d)
    for (int code = 0; code < 16; ++code) {
      double expected = kDialectFP4Values[d][code & 7];
      float decoded =
          decodeElement(code, book.dialect(d), ScaleKind::E8M0, 127);
      EXPECT_EQ(decoded, (code & 8) ? -expected : expected)
          << "dialect " << d << " code " << code;
      EXPECT_EQ(std::signbit(decoded), (code & 8) != 0);
    }
}

TEST(FormatBookTest, DialectFP4PairsShareTheirMaximum) {
  FormatBook book = FormatBook::dialectFP4();
  for (int pair = 0; pair < 8; ++pair) {
    const DialectTable &a = book.dialect(2 * pair);
    const DialectTable &b = book.dialect(2 * pair + 1);
    EXPECT_EQ(a[7], 15 - pair);
    EXPECT_EQ(b[7], 15 - pair);
    // As sets the two differ in one value: the second-largest, except in the
    // last pair (4 = {.., 3, 3.5, 4} vs {.., 2.5, 3, 4}), which trades 3.5
    // for 2.5.
    int onlyInA = 0;
    for (int i = 0; i < 8; ++i)
      onlyInA += std::count(b.begin(), b.end(), a[i]) == 0;
    EXPECT_EQ(onlyInA, 1) << "pair " << pair;
    EXPECT_NE(a[6], b[6]);
    if (pair < 7) {
      EXPECT_TRUE(std::equal(a.begin(), a.begin() + 6, b.begin()));
    }
  }
  // Dialect 7 is OCP E2M1.
  EXPECT_EQ(book.dialect(7), FormatBook::e2m1().dialect(0));
}

TEST(FormatBookTest, SingleDialectBooks) {
  DialectTable e2m1 = {0, 1, 2, 3, 4, 6, 8, 12};
  DialectTable int4 = {0, 2, 4, 6, 8, 10, 12, 14};
  ASSERT_EQ(FormatBook::e2m1().size(), 1);
  ASSERT_EQ(FormatBook::int4().size(), 1);
  EXPECT_EQ(FormatBook::e2m1().dialect(0), e2m1);
  EXPECT_EQ(FormatBook::int4().dialect(0), int4);
}

// Only a book with a choice stores a dialect id per block; every layout and
// decoder sizes its id field and id-indexed tables from these three.
TEST(FormatBookTest, DialectIdsOnlyWhereThereIsAChoice) {
  FormatBook two = FormatBook::custom(
      {{0, 1, 2, 3, 4, 6, 8, 12}, {0, 2, 4, 6, 8, 10, 12, 20}});
  for (const FormatBook &book : {FormatBook::dialectFP4(), two}) {
    EXPECT_TRUE(book.storesDialectIds());
    EXPECT_EQ(book.dialectIdBits(), 4);
    EXPECT_EQ(book.dialectIdCount(), kMaxDialects);
  }
  for (const FormatBook &book :
       {FormatBook::e2m1(), FormatBook::int4(), FormatBook::int8(),
        FormatBook::custom({{0, 1, 2, 3, 4, 5, 6, 7}})}) {
    EXPECT_FALSE(book.storesDialectIds());
    EXPECT_EQ(book.dialectIdBits(), 0);
    EXPECT_EQ(book.dialectIdCount(), 1);
  }
}

TEST(FormatBookTest, MaxMagnitudeAndScaleOffset) {
  EXPECT_EQ(FormatBook::dialectFP4().maxMagnitude(), 15);
  EXPECT_EQ(FormatBook::e2m1().maxMagnitude(), 12);
  EXPECT_EQ(FormatBook::int4().maxMagnitude(), 14);
  EXPECT_EQ(FormatBook::dialectFP4().scaleExponentOffset(), 2);
  EXPECT_EQ(FormatBook::e2m1().scaleExponentOffset(), 2);
  EXPECT_EQ(FormatBook::int4().scaleExponentOffset(), 2);

  // floor(log2(max / 2)) at and around powers of two.
  auto offsetFor = [](int64_t max) {
    return FormatBook::custom({{0, 1, 2, 3, 4, 5, 6, max}})
        .scaleExponentOffset();
  };
  EXPECT_EQ(offsetFor(7), 1);   // 3.5
  EXPECT_EQ(offsetFor(8), 2);   // 4
  EXPECT_EQ(offsetFor(15), 2);  // 7.5
  EXPECT_EQ(offsetFor(16), 3);  // 8
  EXPECT_EQ(offsetFor(31), 3);  // 15.5
  EXPECT_EQ(offsetFor(32), 4);  // 16
  EXPECT_EQ(offsetFor(127), 5); // 63.5
}

TEST(FormatBookTest, ValidateAcceptsGoodBooks) {
  EXPECT_EQ(FormatBook::validate({{0, 1, 2, 3, 4, 6, 8, 12}}), "");
  std::vector<std::vector<int64_t>> sixteen(16, {0, 1, 2, 3, 4, 5, 6, 127});
  EXPECT_EQ(FormatBook::validate(sixteen), "");
}

TEST(FormatBookTest, ValidateSaysWhatToChange) {
  std::vector<int64_t> good = {0, 1, 2, 3, 4, 6, 8, 12};
  EXPECT_EQ(FormatBook::validate({}),
            "a formatbook needs 1 to 16 dialects, got 0");
  EXPECT_EQ(FormatBook::validate(std::vector<std::vector<int64_t>>(17, good)),
            "a formatbook needs 1 to 16 dialects, got 17");
  EXPECT_EQ(FormatBook::validate({good, good, {0, 1, 2, 3, 4, 6, 8}}),
            "dialect 2 has 7 magnitudes; each dialect needs exactly 8");
  EXPECT_EQ(FormatBook::validate({{0, 1, 2, 3, 4, 6, 8, 12, 14}}),
            "dialect 0 has 9 magnitudes; each dialect needs exactly 8");
  EXPECT_EQ(FormatBook::validate({{0, 1, 2, 200, 4, 6, 8, 12}}),
            "dialect 0 magnitude 3 is 200; magnitudes must be in [0, 127]");
  EXPECT_EQ(FormatBook::validate({{0, 1, 2, 3, 4, 6, 8, -1}}),
            "dialect 0 magnitude 7 is -1; magnitudes must be in [0, 127]");
  EXPECT_EQ(FormatBook::validate({good, {1, 2, 3, 4, 5, 6, 7, 8}}),
            "dialect 1 must start at 0 so zero is representable");
  EXPECT_EQ(FormatBook::validate({good, {0, 1, 2, 3, 6, 6, 8, 12}}),
            "dialect 1 magnitudes must be strictly increasing (6 follows 6)");
  EXPECT_EQ(FormatBook::validate({good, {0, 1, 2, 5, 4, 6, 8, 12}}),
            "dialect 1 magnitudes must be strictly increasing (4 follows 5)");
}

TEST(FormatBookTest, CustomBooksAndBuiltinNames) {
  EXPECT_EQ(FormatBook::dialectFP4().builtinName(), "dialectfp4");
  EXPECT_EQ(FormatBook::e2m1().builtinName(), "e2m1");
  EXPECT_EQ(FormatBook::int4().builtinName(), "int4");

  FormatBook sameAsE2M1 = FormatBook::custom({{0, 1, 2, 3, 4, 6, 8, 12}});
  EXPECT_EQ(sameAsE2M1, FormatBook::e2m1());
  EXPECT_EQ(sameAsE2M1.builtinName(), "e2m1");

  FormatBook other = FormatBook::custom(
      {{0, 1, 2, 3, 4, 6, 8, 12}, {0, 2, 4, 6, 8, 10, 12, 20}});
  EXPECT_EQ(other.size(), 2);
  EXPECT_EQ(other.dialect(1)[7], 20);
  EXPECT_EQ(other.maxMagnitude(), 20);
  EXPECT_EQ(other.builtinName(), "");
  EXPECT_NE(other, FormatBook::e2m1());

  // Two DialectFP4 rows swapped are a different book.
  std::vector<std::vector<int64_t>> rows;
  FormatBook dialectFP4 = FormatBook::dialectFP4();
  for (const DialectTable &t : dialectFP4.dialects())
    rows.emplace_back(t.begin(), t.end());
  EXPECT_EQ(FormatBook::custom(rows).builtinName(), "dialectfp4");
  std::swap(rows[0], rows[1]);
  EXPECT_EQ(FormatBook::custom(rows).builtinName(), "");
}

} // namespace
