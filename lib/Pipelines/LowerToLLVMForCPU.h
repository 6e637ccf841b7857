//===- LowerToLLVMForCPU.h - bufferized loops to LLVM on CPUs ----*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_LOWERTOLLVMFORCPU_H
#define QBLOCK_LIB_PIPELINES_LOWERTOLLVMFORCPU_H

#include "mlir/Pass/PassManager.h"

namespace qblock {
/// The CPU pipeline's last stage, from bufferized loops (scf.parallel,
/// omp teams, vector, memref) down to the LLVM dialect; the GPU emulation
/// pipeline ends with it too.
void addLLVMLoweringForCPU(mlir::OpPassManager &pm);
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_LOWERTOLLVMFORCPU_H
