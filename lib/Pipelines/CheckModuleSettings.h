//===- CheckModuleSettings.h - settings the pipelines must own --*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_CHECKMODULESETTINGS_H
#define QBLOCK_LIB_PIPELINES_CHECKMODULESETTINGS_H

#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace qblock {
/// Fails, with an error at the module or symbol, when the module sets what
/// the pipelines cannot honour: indices other than 64 bits wide in its data
/// layout, a target triple of an architecture that `cpuTarget` (the CPU
/// pipeline's target option; empty for the GPU pipelines) emits no code
/// for, or (with `checkAllocator`) a symbol named like the allocation
/// functions the pipeline defines that is not one of their type, or a
/// definition of one of them without the other; a symbol named like a C
/// library function the pipelines' code calls (malloc, free,
/// malloc_usable_size) of another type; or (with `checkGPURuntime`) one
/// named like a CUDA runtime function the GPU host code calls that is not
/// an external LLVM declaration; or a `dense_resource` attribute whose data
/// is missing (elided). `pipeline` names the pipeline in the
/// messages.
std::unique_ptr<mlir::Pass> createCheckModuleSettingsPass(std::string pipeline,
                                                          std::string cpuTarget,
                                                          bool checkAllocator,
                                                          bool checkGPURuntime);
/// The same, registered as `qblock-check-module-settings{pipeline=NAME
/// cpu-target=TARGET check-allocator=BOOL check-gpu-runtime=BOOL}`.
std::unique_ptr<mlir::Pass> createCheckModuleSettingsPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_CHECKMODULESETTINGS_H
