//===- EmulateGPUOnCPU.h - gpu.launch as CPU thread teams --------*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_EMULATEGPUONCPU_H
#define QBLOCK_LIB_PIPELINES_EMULATEGPUONCPU_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Rewrites every gpu.launch (before outlining) into loops over its blocks,
/// each block an omp.parallel team with one CPU thread per GPU thread, and
/// the host's gpu.alloc/memcpy/dealloc/wait into memref ops; warp and block
/// operations become calls into libqblock_gpu_emulator.so. For testing the
/// GPU kernels' logic where no GPU is (see EmulateGPUOnCPU.cpp). With
/// `bankConflicts`, the workgroup-memory accesses are also reported to the
/// runtime's bank-conflict count (lib/Runtime/GPUEmulatorBanks.cpp).
std::unique_ptr<mlir::Pass>
createEmulateGPUOnCPUPass(bool bankConflicts = false);
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_EMULATEGPUONCPU_H
