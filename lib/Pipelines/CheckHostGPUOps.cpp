//===- CheckHostGPUOps.cpp - GPU ops the GPU pipelines take ---------------===//
//
// The GPU pipeline runs kernels on host buffers: it copies every buffer a
// gpu.launch body uses to the device and back (StageBuffersForGPU.cpp).
// A module that manages device memory itself does not fit that:
//
// - gpu.alloc, gpu.memcpy, gpu.memset, gpu.wait and the like in host code
//   were left for the last check to report as "not lowered" (gpu-to-llvm
//   lowers only their async forms), or failed in buffer deallocation with
//   "ops with unknown memory side effects are not supported"; a buffer from
//   gpu.alloc used in a gpu.launch would have been staged as if it were
//   host memory;
// - gpu.launch_func (a kernel outlined by hand) got the same deallocation
//   error, and the buffers it takes would not have been staged;
// - the emulation pipeline accepted user gpu.alloc and gpu.memcpy and ran
//   them correctly, so an emulated test passed on a module the GPU pipeline
//   rejects (noticed in the adversarial run over the GPU lowering,
//   2026-12-07).
//
// Both GPU pipelines start with this check, so the same modules fail in
// both, at the op, with what to write instead. What stays allowed: kernels
// as gpu.launch, gpu.module and gpu.binary, gpu.set_default_device, and a
// the gpu.launch_func ops of the pipeline's own output, in LLVM functions
// (it takes its output again).
//
//===----------------------------------------------------------------------===//

#include "CheckHostGPUOps.h"
#include "GPUCollectiveEffects.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace {

struct CheckHostGPUOpsPass
    : PassWrapper<CheckHostGPUOpsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckHostGPUOpsPass)

  CheckHostGPUOpsPass() = default;
  // The option is not copyable; clone() copies its value afterwards.
  CheckHostGPUOpsPass(const CheckHostGPUOpsPass &other) : PassWrapper(other) {}

  StringRef getArgument() const override { return "qblock-check-host-gpu-ops"; }
  StringRef getDescription() const override {
    return "Fail on host code that manages device memory or launches "
           "outlined kernels itself (gpu.alloc, gpu.memcpy, "
           "gpu.launch_func): the GPU pipelines stage the buffers of each "
           "gpu.launch themselves";
  }

  // Both GPU pipelines start with this pass, so it declares for them the
  // memory effects of the kernel ops that buffer deallocation needs to see
  // (GPUCollectiveEffects.cpp).
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect>();
    qblock::registerGPUCollectiveEffects(registry);
  }

  void runOnOperation() override {
    bool fits = true;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      // Kernel bodies are device code.
      if (isa<gpu::LaunchOp, gpu::GPUModuleOp>(op))
        return WalkResult::skip();
      if (!isa_and_nonnull<gpu::GPUDialect>(op->getDialect()) ||
          isa<gpu::BinaryOp, gpu::SetDefaultDeviceOp>(op))
        return WalkResult::advance();
      // The pipeline's own output launches from LLVM functions, and goes
      // through the pipeline again.
      auto launch = dyn_cast<gpu::LaunchFuncOp>(op);
      if (launch && op->getParentOfType<LLVM::LLVMFuncOp>())
        return WalkResult::advance();
      InFlightDiagnostic diag = op->emitError();
      diag << "'" << op->getName()
           << "' in host code is not lowered by --qblock-gpu-pipeline";
      if (pipeline != "qblock-gpu-pipeline")
        diag << ", so --" << pipeline << " does not take it either";
      diag << ": the pipeline copies the host buffers that each gpu.launch "
              "body uses to the device and back itself; ";
      if (launch)
        diag << "write the kernel as a gpu.launch body";
      else
        diag << "remove it and use host buffers (tensors or memref.alloc) "
                "in the gpu.launch";
      fits = false;
      return WalkResult::advance();
    });
    if (!fits)
      signalPassFailure();
  }

  // An option, as in CheckFlatModule.cpp: a printed pipeline parses again.
  Option<std::string> pipeline{*this, "pipeline",
                               llvm::cl::desc("The pipeline the message names"),
                               llvm::cl::init("qblock-gpu-pipeline")};
};

} // namespace

std::unique_ptr<Pass> qblock::createCheckHostGPUOpsPass() {
  return std::make_unique<CheckHostGPUOpsPass>();
}

std::unique_ptr<Pass> qblock::createCheckHostGPUOpsPass(std::string pipeline) {
  auto pass = std::make_unique<CheckHostGPUOpsPass>();
  pass->pipeline = std::move(pipeline);
  return pass;
}
