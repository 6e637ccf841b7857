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

#include "../Transforms/ConstantGlobalLoads.h"
#include "BufferizedLoops.h"
#include "CheckFlatModule.h"
#include "CheckHostGPUOps.h"
#include "CheckLinalgSizes.h"
#include "CheckLoweredToLLVM.h"
#include "CheckModuleSettings.h"
#include "CheckNoFrees.h"
#include "DropCompileTimes.h"
#include "EmulateGPUOnCPU.h"
#include "ExpandHostBF16.h"
#include "ExpandMathForGPU.h"
#include "LowerMathToLibm.h"
#include "LowerToLLVMForCPU.h"
#include "LowerVectorMasksForGPU.h"
#include "ReportAssertsOnStderr.h"
#include "SequentialHostLoops.h"
#include "SetCPUTarget.h"
#include "StageBuffersForGPU.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/Pipelines/Pipelines.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Utils.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <cstdlib>

using namespace mlir;

llvm::StringRef qblock::ptxVersionFor(llvm::StringRef chip) {
  // The chips both LLVM 22's NVPTX backend and CUDA 13's ptxas know, each
  // with the oldest PTX ISA that has it (checked with llc and ptxas). CUDA
  // 13 dropped sm_70 and older, and renamed sm_101 to sm_110.
  return llvm::StringSwitch<llvm::StringRef>(chip)
      .Cases({"sm_75", "sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a"},
             "ptx80")
      .Cases({"sm_100", "sm_100a"}, "ptx86")
      .Cases({"sm_120", "sm_120a"}, "ptx87")
      .Cases({"sm_100f", "sm_103", "sm_103a", "sm_103f", "sm_120f", "sm_121",
              "sm_121a", "sm_121f"},
             "ptx88")
      .Cases({"sm_88", "sm_110", "sm_110a", "sm_110f"}, "ptx90")
      .Default("");
}

std::string
qblock::checkGPUPipelineOptions(const GPUPipelineOptions &options) {
  std::string chip = options.chip.getValue();
  if (ptxVersionFor(chip).empty())
    return "chip=" + chip +
           " is not a supported NVIDIA GPU; use sm_90a (H100, H200), sm_80 "
           "(A100), sm_89, sm_100a, sm_120a or another sm_75 or newer chip "
           "that CUDA 13 supports";
  std::string format = options.format.getValue();
  if (format != "isa" && format != "bin")
    return "format=" + format +
           " is unknown; use format=isa (PTX, needs no CUDA) or format=bin "
           "(cubin, runs ptxas)";
  std::string decode = options.weightDecode.getValue();
  if (decode != "permute" && decode != "table")
    return "weight-decode=" + decode +
           " is unknown; use weight-decode=permute (byte permutes in "
           "registers, the default) or weight-decode=table (a workgroup "
           "table lookup per weight)";
  // mma.sync.m16n8k16 with f16/bf16 inputs and m16n8k32 with s8 inputs
  // are sm_80 instructions.
  if (options.tensorCores && chip == "sm_75")
    return "tensor-cores=true needs mma.sync for f16/bf16 (m16n8k16) and s8 "
           "(m16n8k32), which sm_75 does not have; use sm_80 or newer, or "
           "tensor-cores=false";
  return "";
}

/// Where CUDA's own installers put the toolkit, without adding its bin/ to
/// PATH.
static constexpr llvm::StringLiteral kDefaultCUDAToolkit = "/usr/local/cuda";

static std::string inToolkit(llvm::StringRef toolkit,
                             std::initializer_list<llvm::StringRef> parts) {
  llvm::SmallString<128> path(toolkit);
  for (llvm::StringRef part : parts)
    llvm::sys::path::append(path, part);
  return path.str().str();
}

/// Whether `toolkit` has the libdevice gpu-module-to-binary links from a
/// toolkit it is named.
static bool hasLibdevice(llvm::StringRef toolkit) {
  return llvm::sys::fs::is_regular_file(
      inToolkit(toolkit, {"nvvm", "libdevice", "libdevice.10.bc"}));
}

std::optional<std::string> qblock::findPtxasToolkit() {
  // gpu-module-to-binary's own search (NVVM's findTool, after a toolkit
  // option this pipeline does not set otherwise): PATH, then the toolkit
  // $CUDA_ROOT, $CUDA_HOME or $CUDA_PATH names (Debian's MLIR has no
  // build-time default).
  llvm::StringRef named = NVVM::getCUDAToolkitPath();
  if (llvm::sys::Process::FindInEnvPath("PATH", "ptxas") ||
      (!named.empty() &&
       llvm::sys::fs::can_execute(inToolkit(named, {"bin", "ptxas"}))))
    return std::string();
  // A toolkit named to gpu-module-to-binary also links its libdevice into
  // every kernel (only what a kernel calls, which is nothing) and is an
  // error without it, so only a whole toolkit will do.
  if (llvm::sys::fs::can_execute(
          inToolkit(kDefaultCUDAToolkit, {"bin", "ptxas"})) &&
      hasLibdevice(kDefaultCUDAToolkit))
    return kDefaultCUDAToolkit.str();
  return std::nullopt;
}

/// The environment variable gpu-module-to-binary takes its toolkit from
/// (NVVM::getCUDAToolkitPath's order), or "" when none is set.
static llvm::StringRef toolkitVariable() {
  for (llvm::StringRef name : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (std::getenv(name.data()))
      return name;
  return "";
}

std::string
qblock::checkGPUCompilePipelineOptions(const GPUPipelineOptions &options) {
  std::string problem = checkGPUPipelineOptions(options);
  // A toolkit the environment names is linked from for every kernel
  // module, in either format: without its libdevice, gpu-module-to-binary
  // reports an error with a dump of the whole module and goes on, so the
  // tool printed "error:" and exited 0 (an adversarial run, 2026-12-07).
  // With format=bin and ptxas only in the default toolkit, the pipeline
  // names that toolkit to gpu-module-to-binary, which then reads no
  // variable.
  bool bin = options.format.getValue() == "bin";
  std::optional<std::string> ptxasToolkit =
      bin ? findPtxasToolkit() : std::nullopt;
  bool namesToolkit = ptxasToolkit && !ptxasToolkit->empty();
  llvm::StringRef variable = toolkitVariable();
  if (problem.empty() && !variable.empty() && !namesToolkit) {
    llvm::StringRef named = NVVM::getCUDAToolkitPath();
    if (!named.empty() && !hasLibdevice(named))
      problem = ("$" + variable + " names '" + named +
                 "', which is not a whole CUDA toolkit (it has no "
                 "nvvm/libdevice/libdevice.10.bc, which gpu-module-to-binary "
                 "links from the toolkit it names); point $" +
                 variable +
                 " at a CUDA toolkit, or unset it (format=isa "
                 "needs no CUDA)")
                    .str();
  }
  if (problem.empty() && bin && !ptxasToolkit)
    problem = "format=bin runs CUDA's ptxas, which is neither on PATH nor "
              "in the toolkit that $CUDA_ROOT, $CUDA_HOME or $CUDA_PATH "
              "names, nor in a whole CUDA toolkit in " +
              kDefaultCUDAToolkit.str() +
              "; install the CUDA toolkit (or add the bin directory of "
              "yours to PATH), or use format=isa (PTX, needs no CUDA)";
  return problem;
}

/// Everything before the kernels are outlined: kernels built inside
/// gpu.launch ops, host buffers staged, host math lowered.
static void buildLaunches(OpPassManager &pm,
                          const qblock::GPUPipelineOptions &options) {
  // Only the loops of this pipeline's own lowering become kernels; the
  // user's parallel loops run on the host (SequentialHostLoops.cpp).
  pm.addPass(qblock::createSequentialHostLoopsPass());
  // Constant weights are quantized now, as in the CPU pipeline; the GPU
  // kernels take only weights whose packed bytes are known.
  pm.addPass(qblock::createSelectFormats());
  // Matmuls the GPU kernels handle become stub calls that bufferization
  // passes through; the rest go to the portable loop nests (no x86
  // intrinsics in kernels).
  pm.addPass(qblock::createConvertMatmulToGPU());
  // The ops left to these loop nests are reported (qblock-gpu remark
  // generic-loop-nests); CPU kernel remarks about them would mislead.
  qblock::buildBufferizedLoops(pm, "generic", "f32", /*kernelRemarks=*/false);
  qblock::GPUMatmulKernelsOptions kernels;
  kernels.tensorCores = options.tensorCores;
  kernels.weightDecode = options.weightDecode;
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
  // Host code keeps the user's elementwise ops (as in the CPU pipeline).
  qblock::addHostMathLowering(pm);
}

void qblock::buildGPUPipeline(OpPassManager &pm,
                              const GPUPipelineOptions &options) {
  pm.addPass(createCheckFlatModulePass("qblock-gpu-pipeline"));
  pm.addPass(createCheckNoFreesPass("qblock-gpu-pipeline"));
  pm.addPass(createCheckHostGPUOpsPass("qblock-gpu-pipeline"));
  pm.addPass(createCheckModuleSettingsPass("qblock-gpu-pipeline", "",
                                           /*checkAllocator=*/false,
                                           /*checkGPURuntime=*/true));
  pm.addPass(createConstantGlobalLoadsPass("qblock-gpu-pipeline"));
  pm.addPass(createCheckLinalgSizesPass());
  buildLaunches(pm, options);
  // Host asserts (the matmuls' shape checks) report on stderr; see
  // ReportAssertsOnStderr.cpp.
  pm.addPass(createReportAssertsOnStderrPass());
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip.getValue();
  // The upstream default (PTX 6.0) is too old for sm_75 and newer.
  nvvm.cubinFeatures = ("+" + ptxVersionFor(options.chip.getValue())).str();
  nvvm.cubinFormat = options.format.getValue();
  size_t before = pm.size();
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
  // Upstream's pipeline has no option for the toolkit; where only the
  // default installation has ptxas, name it to the gpu-module-to-binary
  // this pipeline added (not to one of the user's before it). Where the
  // environment names no toolkit, name the default one in either format
  // when it has libdevice: math functions in a hand-written kernel call
  // libdevice, which is linked only from a named toolkit, and the PTX kept
  // them as externs ptxas rejects (CheckLoweredToLLVM.cpp). The pipeline's
  // own kernels call none of it, so their PTX is the same either way.
  std::string toolkit;
  if (nvvm.cubinFormat == "bin")
    toolkit = findPtxasToolkit().value_or("");
  if (toolkit.empty() && toolkitVariable().empty() &&
      hasLibdevice(kDefaultCUDAToolkit))
    toolkit = kDefaultCUDAToolkit.str();
  if (!toolkit.empty())
    for (Pass &pass : llvm::drop_begin(pm.getPasses(), before))
      if (pass.getArgument() == "gpu-module-to-binary")
        (void)pass.initializeOptions(
            "toolkit=" + toolkit,
            [](const llvm::Twine &) { return failure(); });
  pm.addPass(qblock::createDropCompileTimesPass());
  // The host code names the compiling machine's triple, as the CPU
  // pipeline's does (SetCPUTarget.cpp): the ahead-of-time path's clang
  // warned "overriding the module target triple" without it. Its loop
  // nests are the portable ones, so no CPU or features are named.
  pm.addPass(qblock::createSetCPUTargetPass("generic"));
  pm.addPass(createCheckLoweredToLLVMPass("qblock-gpu-pipeline"));
}

void qblock::buildGPUEmulationPipeline(
    OpPassManager &pm, const GPUEmulationPipelineOptions &options) {
  pm.addPass(createCheckFlatModulePass("qblock-gpu-emulation-pipeline"));
  pm.addPass(createCheckNoFreesPass("qblock-gpu-emulation-pipeline"));
  pm.addPass(createCheckHostGPUOpsPass("qblock-gpu-emulation-pipeline"));
  // The CUDA runtime's names too, though the emulator does not call them:
  // a module that passes its emulated tests must compile for a GPU.
  pm.addPass(createCheckModuleSettingsPass("qblock-gpu-emulation-pipeline", "",
                                           /*checkAllocator=*/true,
                                           /*checkGPURuntime=*/true));
  pm.addPass(createConstantGlobalLoadsPass("qblock-gpu-emulation-pipeline"));
  pm.addPass(createCheckLinalgSizesPass());
  buildLaunches(pm, options);
  pm.addPass(qblock::createEmulateGPUOnCPUPass(options.bankConflicts));
  // The kernels are host code now: their math ops without an LLVM
  // intrinsic (math.erf, which the GPU build expands) become libm calls,
  // and their bf16 conversions integer code, as the host's did
  // (LowerMathToLibm.cpp, ExpandHostBF16.cpp). math.erf in a kernel was
  // refused before (found by an adversarial run, 2026-12-08).
  qblock::addHostMathLowering(pm);
  qblock::addLLVMLoweringForCPU(pm);
  pm.addPass(createCheckLoweredToLLVMPass("qblock-gpu-emulation-pipeline"));
}
