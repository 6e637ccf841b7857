//===- ExpandHostBF16.h - bf16 on the host without libgcc -------*- C++ -*-===//
//
// Internal to the CPU and GPU pipelines (registered for tests only).
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_PIPELINES_EXPANDHOSTBF16_H
#define QBLOCK_LIB_PIPELINES_EXPANDHOSTBF16_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Computes host bf16 arithmetic and math in f32 and rewrites host
/// f32 -> bf16 truncations into integer bit operations; see the .cpp for
/// why.
std::unique_ptr<mlir::Pass> createExpandHostBF16Pass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_EXPANDHOSTBF16_H
