//===- PackedLayout.h - Packed storage offsets as IR values -----*- C++ -*-===//
//
// The byte offsets of docs/formats.md computed in IR, so kernels work for
// static shapes (everything folds to constants) and for activations whose
// row count is only known at run time. Mirrors numerics::computeLayout.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_PACKEDLAYOUT_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_PACKEDLAYOUT_H

#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/BlockQuant.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace qblock::cpu {

struct PackedLayout {
  int64_t k, blockSize, blocksPerRow, scaleBytes;
  /// Bits of one element code (4, or 8 for INT8) and bytes of a row's codes.
  int64_t codeBits, codeBytesPerRow;
  bool hasDialects;
  mlir::Value rows;
  mlir::Value dialectsOffset, dialectBytesPerRow, scalesOffset, totalBytes;

  static PackedLayout build(mlir::ImplicitLocOpBuilder &b, mlir::Value rows,
                            int64_t k, const numerics::Scheme &scheme);

  /// Byte offset of the dialect nibble pair holding block `block` of row
  /// `row` (two blocks per byte; only when hasDialects).
  mlir::Value dialectOffset(mlir::ImplicitLocOpBuilder &b, mlir::Value row,
                            mlir::Value block) const;
  /// Byte offset of the scale of block `block` in row `row`.
  ///
  /// Decode reads through both offsets, run-time quantize writes through
  /// them.
  mlir::Value scaleOffset(mlir::ImplicitLocOpBuilder &b, mlir::Value row,
                          mlir::Value block) const;
};

/// BCQ storage (docs/formats.md): all rows' bit planes, then all alphas,
/// then all offsets, each array 64-byte aligned. Mirrors
/// numerics::computeBCQLayout.
struct BCQPackedLayout {
  int64_t k, bits, group, groupsPerRow;
  mlir::Value alphasOffset, offsetsOffset;

  static BCQPackedLayout build(mlir::ImplicitLocOpBuilder &b, mlir::Value rows,
                               int64_t k, const numerics::BCQScheme &scheme);

  /// Byte offset of byte `byteInRow` of bit plane `plane` of row `row`.
  mlir::Value planeByteOffset(mlir::ImplicitLocOpBuilder &b, mlir::Value row,
                              int64_t plane, mlir::Value byteInRow) const;
  /// Byte offset of alpha `plane` of group `group` of row `row` (an f16).
  mlir::Value alphaOffset(mlir::ImplicitLocOpBuilder &b, mlir::Value row,
                          mlir::Value group, int64_t plane) const;
  /// Byte offset of the offset term z of group `group` of row `row` (f16).
  mlir::Value offsetOffset(mlir::ImplicitLocOpBuilder &b, mlir::Value row,
                           mlir::Value group) const;
};

} // namespace qblock::cpu

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_PACKEDLAYOUT_H
