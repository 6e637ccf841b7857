//===- VectorTranspose.h - 16x16 transposes in registers -------*- C++ -*-===//
//
// Kernels whose lanes are 16 output rows read row-major data (bit planes,
// per-group factors) one row at a time with plain vector loads and turn
// the 16 row vectors into 16 column vectors here, instead of gathering.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_VECTORTRANSPOSE_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_VECTORTRANSPOSE_H

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/SmallVector.h"

namespace qblock::cpu {

/// Given 16 values of type vector<16xT> (row r = rows[r]), returns 16
/// vectors where result[j][r] == rows[r][j].
///
/// Built from four rounds of two-source vector.shuffle ops whose masks are
/// the ones x86 shuffles implement in one instruction each (32-bit and
/// 64-bit unpacks within 128-bit lanes, then 128-bit lane selects), so the
/// whole transpose is 64 shuffle instructions on AVX-512.
llvm::SmallVector<mlir::Value, 16>
transpose16x16(mlir::ImplicitLocOpBuilder &b, llvm::ArrayRef<mlir::Value> rows);

/// Given 16 values of type vector<16xi32> where lane l of rows[r] is a
/// partial sum of quantity (r, g) with g = (l / 4) % 2 (lanes 0-3 and 8-11
/// belong to group 0, 4-7 and 12-15 to group 1), returns two vectors with
/// result[g][r] = the sum of rows[r]'s group-g lanes.
///
/// Integer sums, so the order of additions does not matter. A tree of
/// pairwise shuffle-and-add steps (three rounds: 256-bit halves, 64-bit
/// pairs, 32-bit pairs, each one instruction per shuffle on AVX-512) and
/// two final permutes: 44 instructions, where a transpose and per-row sums
/// take 78.
llvm::SmallVector<mlir::Value, 2>
sumLaneGroups16x16(mlir::ImplicitLocOpBuilder &b,
                   llvm::ArrayRef<mlir::Value> rows);

} // namespace qblock::cpu

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_VECTORTRANSPOSE_H
