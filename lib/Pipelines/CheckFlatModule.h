//===- CheckFlatModule.h - the pipelines' first step ------------*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_CHECKFLATMODULE_H
#define QBLOCK_LIB_PIPELINES_CHECKFLATMODULE_H

#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace qblock {
/// Fails, with an error at each nested builtin.module, when the module is
/// not flat: the pipelines lower one module to LLVM IR, and mlir-translate
/// drops the contents of nested modules without a word. `pipeline` names
/// the pipeline in the message.
std::unique_ptr<mlir::Pass> createCheckFlatModulePass(std::string pipeline);
/// The same, registered as `qblock-check-flat-module{pipeline=NAME}`.
std::unique_ptr<mlir::Pass> createCheckFlatModulePass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_CHECKFLATMODULE_H
