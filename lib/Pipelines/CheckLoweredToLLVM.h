//===- CheckLoweredToLLVM.h - the pipelines' last step ----------*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_CHECKLOWEREDTOLLVM_H
#define QBLOCK_LIB_PIPELINES_CHECKLOWEREDTOLLVM_H

#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace qblock {
/// Fails, with an error at each kind of op left, when the module holds ops
/// that mlir-translate cannot take (anything but the LLVM and OpenMP
/// dialects, gpu.binary and gpu.launch_func). `pipeline` names the pipeline
/// in the message.
std::unique_ptr<mlir::Pass> createCheckLoweredToLLVMPass(std::string pipeline);
/// The same, registered as `qblock-check-lowered-to-llvm{pipeline=NAME}`.
std::unique_ptr<mlir::Pass> createCheckLoweredToLLVMPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_CHECKLOWEREDTOLLVM_H
