//===- ExpandHostBF16.h - bf16 conversions without libgcc -------*- C++ -*-===//
//
// Internal to the CPU and GPU pipelines (registered for tests only).
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_PIPELINES_EXPANDHOSTBF16_H
#define QBLOCK_LIB_PIPELINES_EXPANDHOSTBF16_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Rewrites host f32 <-> bf16 conversions (arith.truncf, arith.extf) into
/// integer bit operations; see the .cpp for why.
std::unique_ptr<mlir::Pass> createExpandHostBF16Pass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_EXPANDHOSTBF16_H
