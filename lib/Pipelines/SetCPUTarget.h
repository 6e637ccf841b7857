//===- SetCPUTarget.h - the CPU pipeline's target machine -------*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_SETCPUTARGET_H
#define QBLOCK_LIB_PIPELINES_SETCPUTARGET_H

#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace qblock {
/// Names the machine the CPU pipeline's output is for, from `target`
/// (qblock-cpu-pipeline's option): the module gets the compiling machine's
/// `llvm.target_triple` (unless it has one, or `target` names x86
/// instructions and that machine is not x86), and every function defined in
/// it the CPU and features the lowering chose instructions for
/// (`target_cpu`, `target_features`; none for `generic`).
std::unique_ptr<mlir::Pass> createSetCPUTargetPass(std::string target);
/// The same, registered as `qblock-set-cpu-target{target=T}`.
std::unique_ptr<mlir::Pass> createSetCPUTargetPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_SETCPUTARGET_H
