//===- QBlockOps.h - qblock operations --------------------------*- C++ -*-===//

#ifndef QBLOCK_IR_QBLOCKOPS_H
#define QBLOCK_IR_QBLOCKOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/RuntimeVerifiableOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qblock/IR/QBlockDialect.h"
#include "qblock/IR/QBlockTypes.h"

#define GET_OP_CLASSES
namespace qblock {
// The generated declarations of RuntimeVerifiableOpInterface's method name
// these unqualified, as ops in namespace mlir see them.
using ::mlir::function_ref;
using ::mlir::Operation;
using ::mlir::StringRef;
} // namespace qblock

#include "qblock/IR/QBlockOps.h.inc"

namespace qblock {
/// Emits, before `op` (a qblock.matmul, qblock.lut_gemm, qblock.quantize or
/// qblock.from_storage), the checks of its generateRuntimeVerification: a
/// cf.assert for each size its types leave dynamic, with a message naming
/// the op and its source location. The lowerings call it, so a mismatch
/// stops the program with that message instead of reading or writing out
/// of bounds, with or without --generate-runtime-verification. The operand
/// of a quantize or from_storage is then cast to the sizes just checked,
/// so that later lowerings see them static and check nothing twice.
void emitRuntimeShapeChecks(mlir::OpBuilder &builder, mlir::Operation *op);

/// emitRuntimeShapeChecks for every qblock.quantize and qblock.from_storage
/// under `root`: what the CPU and GPU lowerings do before reading the bytes
/// these ops give.
void emitQuantizedOperandShapeChecks(mlir::Operation *root);

/// A cf.assert that index `actual` equals `expected`, with `message`: the
/// form of every qblock run-time size check.
void emitSizeAssert(mlir::OpBuilder &builder, mlir::Location loc,
                    mlir::Value actual, mlir::Value expected,
                    const std::string &message);

/// The largest block size whose integer dot products, `lhs` codes times
/// `rhs` codes, stay exact in f32 (below 2^24): the integer path's limit.
int64_t largestExactIntegerBlock(SchemeAttr lhs, SchemeAttr rhs);

/// "NAME at FILE:LINE:COL: what" (without the location where `op` has no
/// file location): the message of qblock's run-time checks, which names
/// the op a user can find in their source.
std::string runtimeCheckMessage(mlir::Operation *op, llvm::StringRef what);
} // namespace qblock

#endif // QBLOCK_IR_QBLOCKOPS_H
