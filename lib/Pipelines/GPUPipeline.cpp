//===- GPUPipeline.cpp - qblock to LLVM + gpu.binary for NVIDIA GPUs ------===//
//
// W4A16 and W4A4 qblock.matmul ops get real GPU kernels
// (lib/Conversion/QBlockToGPU: coalesced 16-byte loads of packed codes,
// decode in registers through a workgroup-memory table, warp shuffles;
// W4A4 activations quantized first by the run-time quantizer's loops), and
// so do BCQ qblock.lut_gemm ops (mu = 8 tables built in workgroup memory,
// split K with atomic adds); both are taken before the generic lowering
// sees them and built after bufferization. Everything else takes the first, correctness-first path:
// the portable loop nests of the CPU lowering (convert-qblock-to-cpu with
// target=generic: no x86 intrinsics) are bufferized and their scf.parallel
// loops mapped to GPU blocks, one thread per parallel task. Then the host
// buffers each launch uses are staged in device memory
// (StageBuffersForGPU.cpp; constant weights once per process) and the
// kernels outlined and lowered through NVVM to PTX (format=isa, needs no
// CUDA) or cubin (format=bin, uses ptxas). The host code's mgpu* calls are
// implemented by lib/Runtime.
//
//===----------------------------------------------------------------------===//

#include "BufferizedLoops.h"
#include "ExpandMathForGPU.h"
#include "LowerVectorMasksForGPU.h"
#include "StageBuffersForGPU.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/Pipelines/Pipelines.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void qblock::buildGPUPipeline(OpPassManager &pm,
                              const GPUPipelineOptions &options) {
  // Constant weights are quantized now, as in the CPU pipeline; the GPU
  // kernels take only weights whose packed bytes are known.
  pm.addPass(qblock::createSelectFormats());
  // Matmuls the GPU kernels handle become stub calls that bufferization
  // passes through; the rest go to the portable loop nests (no x86
  // intrinsics in kernels).
  pm.addPass(qblock::createConvertMatmulToGPU());
  buildBufferizedLoops(pm, "generic");
  qblock::GPUMatmulKernelsOptions kernels;
  kernels.tensorCores = options.tensorCores;
  pm.addPass(qblock::createGPUMatmulKernels(kernels));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  // Keep the kernels free of libdevice calls (see ExpandMathForGPU.cpp).
  pm.addNestedPass<func::FuncOp>(qblock::createExpandMathForGPUPass());
  // Mask constants become plain constants (LowerVectorMasksForGPU.cpp).
  pm.addNestedPass<func::FuncOp>(qblock::createLowerVectorMasksForGPUPass());
  // Kernels get device copies of the host buffers they use.
  pm.addPass(qblock::createStageBuffersForGPUPass());
  // Greedy rewrites (ExpandMathForGPU) hoist constants out of gpu.launch
  // bodies, which are not isolated from above; outlining would then pass
  // every one as a kernel parameter, hiding masks and shift amounts from
  // the NVPTX backend. Move them back in first.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());

  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip.getValue();
  // sm_90a needs PTX 8.0; the upstream default (6.0) is too old for it.
  nvvm.cubinFeatures = "+ptx80";
  nvvm.cubinFormat = options.format.getValue();
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}
