//===- CPUPipeline.cpp - qblock to LLVM for CPUs --------------------------===//

#include "qblock/Pipelines/Pipelines.h"

#include "../Transforms/ConstantGlobalLoads.h"
#include "BufferizedLoops.h"
#include "CheckFlatModule.h"
#include "CheckHostGPUOps.h"
#include "CheckLinalgSizes.h"
#include "CheckLoweredToLLVM.h"
#include "CheckModuleSettings.h"
#include "CheckNoFrees.h"
#include "CopyMutableGlobals.h"
#include "CopyStridedCallOperands.h"
#include "DecomposeAggregatedOps.h"
#include "DropCompileTimes.h"
#include "EmulateGPUOnCPU.h"
#include "ExpandHostBF16.h"
#include "ExpandMathForGPU.h"
#include "GuardCPUFeatures.h"
#include "LowerMathToLibm.h"
#include "LowerMemRefReshape.h"
#include "LowerToLLVMForCPU.h"
#include "LowerVectorMasksForGPU.h"
#include "ReportAssertsOnStderr.h"
#include "ScratchAllocator.h"
#include "SequentialHostLoops.h"
#include "SetCPUTarget.h"
#include "StageBuffersForGPU.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

std::string
qblock::checkCPUPipelineOptions(const CPUPipelineOptions &options) {
  StringRef target = options.target.getValue();
  if (!isCPUTarget(target))
    return "target=" + target.str() +
           " is unknown; use generic, avx2, avx512 or host";
  StringRef tables = options.lutTables.getValue();
  if (!isLutTablePrecision(tables))
    return "lut-tables=" + tables.str() + " is unknown; use f32 or i8";
  return "";
}

void qblock::buildCPUPipeline(OpPassManager &pm,
                              const CPUPipelineOptions &options) {
  pm.addPass(createCheckFlatModulePass("qblock-cpu-pipeline"));
  pm.addPass(createCheckNoFreesPass("qblock-cpu-pipeline"));
  pm.addPass(createCheckModuleSettingsPass("qblock-cpu-pipeline",
                                           options.target,
                                           /*checkAllocator=*/true,
                                           /*checkGPURuntime=*/false));
  pm.addPass(createConstantGlobalLoadsPass("qblock-cpu-pipeline"));
  pm.addPass(createCheckLinalgSizesPass());
  // Quantization of constant weights happens now, not at every call: it is
  // --qblock-select-formats (a no-op on modules that ran it already), and
  // the only way for BCQ, which has no run-time quantizer, after a plain
  // --qblock-quantize-linalg.
  pm.addPass(qblock::createSelectFormats());
  buildBufferizedLoops(pm, options.target, options.lutTables);
  // Before vector-to-llvm: vector math ops become per-element calls
  // through vector.extract/insert.
  addHostMathLowering(pm);
  addLLVMLoweringForCPU(pm);
  pm.addPass(createSetCPUTargetPass(options.target));
  if (options.cpuCheck)
    pm.addPass(createGuardCPUFeaturesPass());
  pm.addPass(createCheckLoweredToLLVMPass("qblock-cpu-pipeline"));
}

void qblock::addLLVMLoweringForCPU(OpPassManager &pm) {
  // Before scf becomes blocks: it rewrites cf.assert into an scf.if.
  pm.addPass(createReportAssertsOnStderrPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  // expand-strided-metadata computes dynamic sizes with affine.apply.
  pm.addPass(createLowerAffinePass());
  // scf-to-openmp wraps loop bodies in memref.alloca_scope, which must keep
  // a single block: lower memrefs before scf turns into blocks.
  // Allocations go through the generic functions, which
  // qblock-define-scratch-allocator defines below: large freed blocks are
  // kept for the next call instead of being returned to the kernel and
  // page-faulted in again (ScratchAllocator.cpp).
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createDefineScratchAllocatorPass());
}

/// Registers a pipeline whose options `check` validates when the pipeline
/// is parsed, reporting a problem as "--NAME: problem".
template <typename Options>
static void registerCheckedPipeline(
    StringRef name, StringRef description,
    std::string (*check)(const Options &),
    void (*build)(OpPassManager &, const Options &)) {
  std::string prefix = ("--" + name + ": ").str();
  registerPassPipeline(
      name, description,
      [=](OpPassManager &pm, StringRef text,
          function_ref<LogicalResult(const Twine &)> errorHandler) {
        // The pipelines' passes run on modules. Adding them to a pass
        // manager nested on another op (func.func(qblock-cpu-pipeline))
        // aborted inside OpPassManager::addPass; one on any op
        // (builtin.module(any(...))) skipped them all silently on the ops
        // inside the module. Say so instead.
        StringRef anchor = pm.getOpAnchorName();
        if (anchor != ModuleOp::getOperationName())
          return errorHandler(Twine(prefix) +
                              "runs on builtin.module, not nested in '" +
                              anchor + "'; use builtin.module(" + name + ")");
        Options options;
        if (failed(options.parseFromString(text)))
          return failure();
        std::string problem = check(options);
        if (!problem.empty())
          return errorHandler(prefix + problem);
        build(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optionHandler) {
        optionHandler(Options());
      });
}

/// The emulation pipeline takes the GPU pipeline's options as they are.
static std::string checkGPUEmulationPipelineOptions(
    const qblock::GPUEmulationPipelineOptions &options) {
  return qblock::checkGPUPipelineOptions(options);
}

void qblock::registerQBlockPipelines() {
  // All three registered by hand, not with PassPipelineRegistration, so
  // that a bad option is an error when the pipeline is parsed (a failed parse,
  // non-zero exit) under the pipeline's own name: not later, from the
  // convert-qblock-to-cpu pass the user never named, nor as a crash or an
  // LLVM fatal error deep in the NVPTX backend.
  registerCheckedPipeline<CPUPipelineOptions>(
      "qblock-cpu-pipeline",
      "Lower qblock and upstream tensor code to the LLVM dialect for CPUs: "
      "qblock-select-formats (constant weights), "
      "convert-qblock-to-cpu, one-shot bufferization across function "
      "boundaries, buffer deallocation, qblock-lower-lookups, loops, "
      "scf.parallel to OpenMP, LLVM",
      checkCPUPipelineOptions, buildCPUPipeline);
  registerCheckedPipeline<GPUPipelineOptions>(
      "qblock-gpu-pipeline",
      "Lower qblock and upstream tensor code to the LLVM dialect plus "
      "gpu.binary for NVIDIA GPUs (PTX with format=isa, cubin with "
      "format=bin), constant weights quantized first; W4A16, W4A4 and "
      "LUT-GEMM matmuls get coalesced-load kernels, other qblock ops "
      "one-thread-per-task kernels; upstream ops (float matmuls, "
      "elementwise ops) run as host loops",
      checkGPUCompilePipelineOptions, buildGPUPipeline);
  registerCheckedPipeline<GPUEmulationPipelineOptions>(
      "qblock-gpu-emulation-pipeline",
      "For testing without a GPU: the kernels of qblock-gpu-pipeline, each "
      "thread block run as an OpenMP team of CPU threads (one per GPU "
      "thread) through libqblock_gpu_emulator.so, lowered to the LLVM "
      "dialect for the CPU; says nothing about speed, but bank-conflicts=true "
      "counts the workgroup-memory bank conflicts of the kernels' warps",
      checkGPUEmulationPipelineOptions, buildGPUEmulationPipeline);
  // Internal step of the GPU pipeline, registered so its numerics can be
  // tested on the CPU (test/Integration/CPU/expand-math-for-gpu.mlir).
  registerPass([] { return createExpandMathForGPUPass(); });
  registerPass([] { return createLowerVectorMasksForGPUPass(); });
  registerPass([] { return createLowerMathToLibmPass(); });
  registerPass([] { return createExpandHostBF16Pass(); });
  registerPass([] { return createStageBuffersForGPUPass(); });
  registerPass([] { return createDefineScratchAllocatorPass(); });
  registerPass([] { return createDecomposeAggregatedOpsPass(); });
  registerPass([] { return createLowerMemRefReshapePass(); });
  registerPass([] { return createCopyStridedCallOperandsPass(); });
  registerPass([] { return createCopyMutableGlobalsPass(); });
  registerPass([] { return createSequentialHostLoopsPass(); });
  registerPass([] { return createEmulateGPUOnCPUPass(); });
  registerPass([] { return createDropCompileTimesPass(); });
  // The pipelines' own steps, so that a printed pipeline (a crash
  // reproducer, --dump-pass-pipeline, --mlir-print-ir-after-all's headers)
  // names only passes --pass-pipeline can parse again.
  registerPass([] { return createCheckFlatModulePass(); });
  registerPass([] { return createCheckNoFreesPass(); });
  registerPass([] { return createCheckHostGPUOpsPass(); });
  registerPass([] { return createCheckLinalgSizesPass(); });
  registerPass([] { return createCheckModuleSettingsPass(); });
  registerPass([] { return createConstantGlobalLoadsPass(); });
  registerPass([] { return createSetCPUTargetPass(); });
  registerPass([] { return createGuardCPUFeaturesPass(); });
  registerPass([] { return createCheckLoweredToLLVMPass(); });
  registerPass([] { return createReportAssertsOnStderrPass(); });
}
