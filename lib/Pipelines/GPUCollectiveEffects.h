//===- GPUCollectiveEffects.h - effects of kernel collectives -*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_GPUCOLLECTIVEEFFECTS_H
#define QBLOCK_LIB_PIPELINES_GPUCOLLECTIVEEFFECTS_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace qblock {
/// Declares that gpu.barrier, gpu.all_reduce and gpu.subgroup_reduce read
/// and write memory (GPUCollectiveEffects.cpp), so that buffer
/// deallocation takes hand-written gpu.launch kernels that use them.
void registerGPUCollectiveEffects(mlir::DialectRegistry &registry);
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_GPUCOLLECTIVEEFFECTS_H
