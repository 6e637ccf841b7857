//===- LowerMathToLibm.h - math ops LLVM has no intrinsic for ---*- C++ -*-===//
//
// Internal to the CPU and GPU pipelines (registered for tests only).
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_PIPELINES_LOWERMATHTOLIBM_H
#define QBLOCK_LIB_PIPELINES_LOWERMATHTOLIBM_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <memory>

namespace qblock {
/// Turns the math ops that convert-math-to-llvm leaves alone (erf, erfc,
/// cbrt, asinh, acosh, atanh) in host code into calls of the C library's
/// functions; see the .cpp for why these and why only on the host.
std::unique_ptr<mlir::Pass> createLowerMathToLibmPass();

/// The host-code math lowering both pipelines share: the pass above, the
/// host bf16 expansion (ExpandHostBF16.h), then convert-math-to-funcs for
/// math.ipowi (module-wide, see the .cpp).
void addHostMathLowering(mlir::OpPassManager &pm);
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_LOWERMATHTOLIBM_H
