//===- FormatBook.cpp - Tables of 4-bit magnitude sets --------------------===//
//
// The built-in books are written out as data so that they read exactly like
// the table in DESIGN.md section 2 and docs/formats.md.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/FormatBook.h"

#include <algorithm>
#include <cassert>

namespace qblock::numerics {

namespace {

// DialectFP4, in half units. Pairs (2i, 2i+1) share their largest magnitude
// and differ only in the second-largest one.
constexpr uint8_t kDialectFP4[kMaxDialects][kLevelsPerDialect] = {
    {0, 1, 2, 3, 4, 6, 11, 15}, {0, 1, 2, 3, 4, 6, 9, 15},
    {0, 1, 2, 3, 4, 6, 11, 14}, {0, 1, 2, 3, 4, 6, 9, 14},
    {0, 1, 2, 3, 4, 6, 10, 13}, {0, 1, 2, 3, 4, 6, 8, 13},
    {0, 1, 2, 3, 4, 6, 10, 12}, {0, 1, 2, 3, 4, 6, 8, 12},
    {0, 1, 2, 3, 4, 6, 9, 11},  {0, 1, 2, 3, 4, 6, 7, 11},
    {0, 1, 2, 3, 4, 6, 9, 10},  {0, 1, 2, 3, 4, 6, 7, 10},
    {0, 1, 2, 3, 4, 6, 8, 9},   {0, 1, 2, 3, 4, 6, 7, 9},
    {0, 1, 2, 3, 4, 6, 7, 8},   {0, 1, 2, 3, 4, 5, 6, 8},
};

constexpr DialectTable kE2M1 = {0, 1, 2, 3, 4, 6, 8, 12};
constexpr DialectTable kInt4 = {0, 2, 4, 6, 8, 10, 12, 14};

} // namespace

FormatBook FormatBook::dialectFP4() {
  std::vector<DialectTable> tables(kMaxDialects);
  for (int d = 0; d < kMaxDialects; ++d)
    for (int i = 0; i < kLevelsPerDialect; ++i)
      tables[d][i] = kDialectFP4[d][i];
  return FormatBook(std::move(tables));
}

FormatBook FormatBook::e2m1() { return FormatBook({kE2M1}); }

FormatBook FormatBook::int4() { return FormatBook({kInt4}); }

FormatBook FormatBook::int8() { return FormatBook({}, /*integer=*/true); }

std::string
FormatBook::validate(const std::vector<std::vector<int64_t>> &tables) {
  if (tables.empty() || tables.size() > static_cast<size_t>(kMaxDialects))
    return "a formatbook needs 1 to " + std::to_string(kMaxDialects) +
           " dialects, got " + std::to_string(tables.size());
  for (size_t d = 0; d < tables.size(); ++d) {
    const std::vector<int64_t> &row = tables[d];
    std::string name = "dialect " + std::to_string(d);
    if (row.size() != static_cast<size_t>(kLevelsPerDialect))
      return name + " has " + std::to_string(row.size()) +
             " magnitudes; each dialect needs exactly " +
             std::to_string(kLevelsPerDialect);
    for (size_t i = 0; i < row.size(); ++i)
      if (row[i] < 0 || row[i] > kMaxMagnitude)
        return name + " magnitude " + std::to_string(i) + " is " +
               std::to_string(row[i]) + "; magnitudes must be in [0, " +
               std::to_string(kMaxMagnitude) + "]";
    if (row[0] != 0)
      return name + " must start at 0 so zero is representable";
    for (size_t i = 1; i < row.size(); ++i)
      if (row[i] <= row[i - 1])
        return name + " magnitudes must be strictly increasing (" +
               std::to_string(row[i]) + " follows " +
               std::to_string(row[i - 1]) + ")";
  }
  return "";
}

FormatBook FormatBook::custom(const std::vector<std::vector<int64_t>> &tables) {
  assert(validate(tables).empty() && "custom formatbook failed validation");
  std::vector<DialectTable> result(tables.size());
  for (size_t d = 0; d < tables.size(); ++d)
    for (int i = 0; i < kLevelsPerDialect; ++i)
      result[d][i] = static_cast<uint8_t>(tables[d][i]);
  return FormatBook(std::move(result));
}

int FormatBook::maxMagnitude() const {
  if (integer)
    return 2 * kInt8MaxLevel;
  int result = 0;
  for (const DialectTable &table : tables)
    result = std::max<int>(result, table[kLevelsPerDialect - 1]);
  return result;
}

int FormatBook::scaleExponentOffset() const {
  // floor(log2(m / 2)) == floor(log2(m)) - 1 for an integer m >= 1, and the
  // integer form is exact: no libm rounding can move a power-of-two boundary.
  int m = maxMagnitude();
  assert(m >= 1 && "a valid book has a positive maximum");
  int floorLog2 = -1;
  while (m > 0) {
    m >>= 1;
    ++floorLog2;
  }
  return floorLog2 - 1;
}

std::string FormatBook::builtinName() const {
  if (*this == dialectFP4())
    return "dialectfp4";
  if (*this == e2m1())
    return "e2m1";
  if (*this == int4())
    return "int4";
  if (integer)
    return "int8";
  return "";
}

} // namespace qblock::numerics
