//===- GPUPipeline.cpp - qblock to LLVM + gpu.binary for NVIDIA GPUs ------===//
//
// A first, correctness-first GPU path: the portable loop nests of the CPU
// lowering (convert-qblock-to-cpu with target=generic: no x86 intrinsics)
// are bufferized, their scf.parallel loops mapped to GPU blocks, the host
// buffers each launch uses staged in device memory (StageBuffersForGPU.cpp;
// constant weights once per process),
// and the kernels outlined and lowered through NVVM to PTX (format=isa,
// needs no CUDA) or cubin (format=bin, uses ptxas). Kernels use one thread
// per parallel task: no shared-memory tables or coalesced loads yet. The
// host code's mgpu* calls are implemented by lib/Runtime.
//
//===----------------------------------------------------------------------===//

#include "BufferizedLoops.h"
#include "ExpandMathForGPU.h"
#include "StageBuffersForGPU.h"

#include "qblock/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void qblock::buildGPUPipeline(OpPassManager &pm,
                              const GPUPipelineOptions &options) {
  // Portable loop nests: no x86 intrinsics in kernels.
  buildBufferizedLoops(pm, "generic");
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  // Keep the kernels free of libdevice calls (see ExpandMathForGPU.cpp).
  pm.addNestedPass<func::FuncOp>(qblock::createExpandMathForGPUPass());
  // Kernels get device copies of the host buffers they use.
  pm.addPass(qblock::createStageBuffersForGPUPass());

  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip.getValue();
  // sm_90a needs PTX 8.0; the upstream default (6.0) is too old for it.
  nvvm.cubinFeatures = "+ptx80";
  nvvm.cubinFormat = options.format.getValue();
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}
