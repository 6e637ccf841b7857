//===- CheckHostGPUOps.h - GPU ops the GPU pipelines take -------*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_CHECKHOSTGPUOPS_H
#define QBLOCK_LIB_PIPELINES_CHECKHOSTGPUOPS_H

#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace qblock {
/// Fails, with an error at each op, when host code uses GPU ops the GPU
/// pipeline does not lower: its own device buffers and copies (gpu.alloc,
/// gpu.memcpy, ...), and kernels outlined by hand (gpu.launch_func).
/// `pipeline` names the pipeline in the message.
std::unique_ptr<mlir::Pass> createCheckHostGPUOpsPass(std::string pipeline);
/// The same, registered as `qblock-check-host-gpu-ops{pipeline=NAME}`.
std::unique_ptr<mlir::Pass> createCheckHostGPUOpsPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_CHECKHOSTGPUOPS_H
