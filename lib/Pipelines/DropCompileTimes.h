//===- DropCompileTimes.h - reproducible gpu.binary objects -----*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_DROPCOMPILETIMES_H
#define QBLOCK_LIB_PIPELINES_DROPCOMPILETIMES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Removes the compile-duration properties (names ending in "TimeInMs")
/// that gpu-module-to-binary records on each gpu.binary object, so that
/// the GPU pipeline prints the same module on every run.
std::unique_ptr<mlir::Pass> createDropCompileTimesPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_DROPCOMPILETIMES_H
