//===- CopyStridedCallOperands.h - contiguous buffers for calls -*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_COPYSTRIDEDCALLOPERANDS_H
#define QBLOCK_LIB_PIPELINES_COPYSTRIDEDCALLOPERANDS_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Replaces each memref.cast that a call gets in place of a strided view
/// (one-shot-bufferize's answer when a callee's identity-layout argument
/// is passed a slice of dynamic size) by a contiguous copy of the view.
std::unique_ptr<mlir::Pass> createCopyStridedCallOperandsPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_COPYSTRIDEDCALLOPERANDS_H
