//===- FormatBook.h - Tables of 4-bit magnitude sets -----------*- C++ -*-===//
//
// A formatbook is a list of "dialects": each dialect is a set of 8 magnitudes
// that a 4-bit code (1 sign bit + 3-bit magnitude index) can select. Values are
// scaled integers in half units: magnitude k encodes the value k / 2 before the
// block scale is applied. Books are data, never per-dialect code paths, so a
// user-supplied table goes through exactly the same code as DialectFP4.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_FORMATBOOK_H
#define QBLOCK_NUMERICS_FORMATBOOK_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace qblock::numerics {

/// Number of magnitudes in one dialect (3-bit magnitude index).
constexpr int kLevelsPerDialect = 8;
/// Largest number of dialects a book may hold (4-bit dialect id).
constexpr int kMaxDialects = 16;
/// Largest magnitude a table may hold, in half units. Keeps products of two
/// magnitudes and their block sums inside the integer path's int8/int32 range.
constexpr int kMaxMagnitude = 127;

/// The 8 magnitudes of one dialect in half units, strictly increasing, first 0.
using DialectTable = std::array<uint8_t, kLevelsPerDialect>;

class FormatBook {
public:
  /// The 16 DialectFP4 dialects of DESIGN.md section 2, in id order.
  static FormatBook dialectFP4();
  /// One dialect: OCP E2M1 (0, .5, 1, 1.5, 2, 3, 4, 6); MXFP4 and NVFP4.
  static FormatBook e2m1();
  /// One dialect: symmetric INT4 levels 0..7 (stored as 0, 2, ..., 14 halves).
  static FormatBook int4();

  /// Checks a user-supplied book given as rows of arbitrary integers. Returns
  /// an empty string when valid, else a message that says what to change
  /// (e.g. "dialect 2 has 7 magnitudes; each dialect needs exactly 8").
  static std::string validate(const std::vector<std::vector<int64_t>> &tables);
  /// Builds a book from tables that passed validate(); asserts otherwise.
  static FormatBook custom(const std::vector<std::vector<int64_t>> &tables);

  int size() const { return static_cast<int>(tables.size()); }
  const DialectTable &dialect(int id) const { return tables[id]; }
  const std::vector<DialectTable> &dialects() const { return tables; }
  /// Largest magnitude over all dialects, in half units.
  int maxMagnitude() const;
  /// The "emax" of the shared-scale rule: floor(log2(maxMagnitude / 2)).
  /// 2 for DialectFP4, E2M1 (max 6) and INT4 (max 7).
  int scaleExponentOffset() const;
  /// "dialectfp4", "e2m1", "int4" when the tables equal a built-in book,
  /// otherwise "".
  std::string builtinName() const;

  bool operator==(const FormatBook &other) const {
    return tables == other.tables;
  }
  bool operator!=(const FormatBook &other) const { return !(*this == other); }

private:
  explicit FormatBook(std::vector<DialectTable> tables)
      : tables(std::move(tables)) {}
  std::vector<DialectTable> tables;
};

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_FORMATBOOK_H
