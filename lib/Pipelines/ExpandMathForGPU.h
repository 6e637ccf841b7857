//===- ExpandMathForGPU.h - math ops without libdevice ----------*- C++ -*-===//
//
// Internal to the GPU pipeline (not a registered pass).
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_PIPELINES_EXPANDMATHFORGPU_H
#define QBLOCK_LIB_PIPELINES_EXPANDMATHFORGPU_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Rewrites math.absf and math.floor into arith ops so convert-gpu-to-nvvm
/// does not turn them into __nv_* libdevice calls (see the .cpp for why).
std::unique_ptr<mlir::Pass> createExpandMathForGPUPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_EXPANDMATHFORGPU_H
