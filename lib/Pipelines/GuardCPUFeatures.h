//===- GuardCPUFeatures.h - refuse to run on a CPU that lacks -*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_GUARDCPUFEATURES_H
#define QBLOCK_LIB_PIPELINES_GUARDCPUFEATURES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// On x86 modules (an x86 `llvm.target_triple`), makes every public function
/// that names a CPU or features (`target_cpu`, `target_features`, set by
/// qblock-set-cpu-target) first check, with `cpuid`, that the running CPU
/// and operating system support the vector instructions those promise. One
/// that does not prints which ones are missing and what to compile with
/// instead, then exits with status 1, where the code would otherwise die of
/// SIGILL somewhere inside a kernel. The check runs once per process.
std::unique_ptr<mlir::Pass> createGuardCPUFeaturesPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_GUARDCPUFEATURES_H
