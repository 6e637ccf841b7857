//===- FormatBook.h - Tables of 4-bit magnitude sets -----------*- C++ -*-===//
//
// A formatbook is a list of "dialects": each dialect is a set of 8 magnitudes
// that a 4-bit code (1 sign bit + 3-bit magnitude index) can select. Values are
// scaled integers in half units: magnitude k encodes the value k / 2 before the
// block scale is applied. Books are data, never per-dialect code paths, so a
// user-supplied table goes through exactly the same code as DialectFP4.
//
// One book is not a table: INT8 (an activation format for the W4A8 integer
// path) has 8-bit two's-complement codes q in [-127, 127], i.e. every even
// half-unit magnitude 0, 2, ..., 254. It has one format and no dialect
// tables; code that walks tables checks isInteger() first.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_FORMATBOOK_H
#define QBLOCK_NUMERICS_FORMATBOOK_H

#include <array>
#include <cassert>
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
/// Largest INT8 code magnitude: codes are symmetric, -128 is never produced.
constexpr int kInt8MaxLevel = 127;

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
  /// Symmetric INT8 levels 0..127 (0, 2, ..., 254 halves), 8-bit codes.
  static FormatBook int8();

  /// Checks a user-supplied book given as rows of arbitrary integers. Returns
  /// an empty string when valid, else a message that says what to change
  /// (e.g. "dialect 2 has 7 magnitudes; each dialect needs exactly 8").
  static std::string validate(const std::vector<std::vector<int64_t>> &tables);
  /// Builds a book from tables that passed validate(); asserts otherwise.
  static FormatBook custom(const std::vector<std::vector<int64_t>> &tables);

  /// Number of formats a block can pick from (1 for INT8).
  int size() const {
    return integer ? 1 : static_cast<int>(tables.size());
  }
  /// True for INT8: 8-bit integer codes, no dialect tables.
  bool isInteger() const { return integer; }
  /// Whether each block stores a 4-bit dialect id. Only a book with a choice
  /// needs one; MXFP4, NVFP4 and INT4 blocks store none. Every packed layout,
  /// decoder and bit count follows this one rule.
  bool storesDialectIds() const { return size() > 1; }
  /// Bits a block spends on its dialect id: 4, or 0 when it stores none.
  int dialectIdBits() const { return storesDialectIds() ? 4 : 0; }
  /// Dialect ids a block can name, and so the rows of a table indexed by id:
  /// all kMaxDialects a 4-bit id can hold (ids past size() read padding rows),
  /// or 1 when blocks store no id.
  int dialectIdCount() const { return storesDialectIds() ? kMaxDialects : 1; }
  /// Bits of one element code: 4, or 8 for INT8.
  int codeBits() const { return integer ? 8 : 4; }
  const DialectTable &dialect(int id) const {
    assert(!integer && "the INT8 book has no dialect tables");
    return tables[id];
  }
  const std::vector<DialectTable> &dialects() const { return tables; }
  /// Largest magnitude over all dialects, in half units.
  int maxMagnitude() const;
  /// The "emax" of the shared-scale rule: floor(log2(maxMagnitude / 2)).
  /// 2 for DialectFP4, E2M1 (max 6) and INT4 (max 7).
  int scaleExponentOffset() const;
  /// "dialectfp4", "e2m1", "int4", "int8" when the tables equal a built-in book,
  /// otherwise "".
  std::string builtinName() const;

  bool operator==(const FormatBook &other) const {
    return integer == other.integer && tables == other.tables;
  }
  bool operator!=(const FormatBook &other) const { return !(*this == other); }

private:
  explicit FormatBook(std::vector<DialectTable> tables, bool integer = false)
      : tables(std::move(tables)), integer(integer) {}
  std::vector<DialectTable> tables;
  bool integer = false;
};

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_FORMATBOOK_H
