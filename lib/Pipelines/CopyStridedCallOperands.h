//===- CopyStridedCallOperands.h - contiguous buffers for calls -*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_COPYSTRIDEDCALLOPERANDS_H
#define QBLOCK_LIB_PIPELINES_COPYSTRIDEDCALLOPERANDS_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Replaces each memref.cast that a call or return gets in place of a
/// strided view (one-shot-bufferize's answer when an identity-layout
/// argument or result is a slice of dynamic size) by a contiguous copy of
/// the view. With `markUserCasts`, run before bufferization, it only marks
/// the module's own casts, which the run after it leaves.
std::unique_ptr<mlir::Pass>
createCopyStridedCallOperandsPass(bool markUserCasts);
/// The same, registered as `qblock-copy-strided-call-operands`.
std::unique_ptr<mlir::Pass> createCopyStridedCallOperandsPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_COPYSTRIDEDCALLOPERANDS_H
