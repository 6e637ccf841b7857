//===- CopyMutableGlobals.h - copies around mutable globals -----*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_COPYMUTABLEGLOBALS_H
#define QBLOCK_LIB_PIPELINES_COPYMUTABLEGLOBALS_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Gives every ml_program.global_store, and every load of a global some
/// store writes, a tensor copy of its own, so that upstream's bufferization
/// of ml_program neither stores an uninitialized buffer nor lets a store
/// change a value loaded before it (see the .cpp).
std::unique_ptr<mlir::Pass> createCopyMutableGlobalsPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_COPYMUTABLEGLOBALS_H
