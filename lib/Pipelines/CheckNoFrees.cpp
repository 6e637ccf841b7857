//===- CheckNoFrees.cpp - the pipelines' input frees no buffers -----------===//
//
// The pipelines bufferize and then free every buffer with upstream's
// ownership-based buffer deallocation, which cannot take a module that
// already frees buffers of its own: it fails with "memory free side-effect
// on MemRef value not supported!", which says neither which pipeline step
// nor what to change. A module written at the memref level (memref.alloc,
// linalg on buffers, memref.dealloc) otherwise runs as is, since the
// deallocation frees what memref.alloc allocated. So the pipelines check
// for frees first and say so at each one.
//
//===----------------------------------------------------------------------===//

#include "CheckNoFrees.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {

/// Whether `op` frees a buffer in a way the deallocation rejects: a Free
/// effect on a memref operand, or bufferization.dealloc_tensor (a tensor,
/// until bufferization makes it a memref.dealloc). Not memref.realloc,
/// which the deallocation pipeline expands into alloc and copy first, nor
/// ops the user marked bufferization.manual_deallocation, which it skips.
bool freesBuffer(Operation *op) {
  if (isa<memref::ReallocOp>(op) ||
      op->hasAttr(bufferization::BufferizationDialect::kManualDeallocation))
    return false;
  if (isa<bufferization::DeallocTensorOp>(op))
    return true;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return false;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::any_of(instances, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Free>(e.getEffect()) && e.getValue() &&
           isa<BaseMemRefType>(e.getValue().getType());
  });
}

struct CheckNoFreesPass
    : PassWrapper<CheckNoFreesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckNoFreesPass)

  CheckNoFreesPass() = default;
  // The option is not copyable; clone() copies its value afterwards.
  CheckNoFreesPass(const CheckNoFreesPass &other) : PassWrapper(other) {}

  StringRef getArgument() const override { return "qblock-check-no-frees"; }
  StringRef getDescription() const override {
    return "Fail on ops that free buffers, such as memref.dealloc (the "
           "pipelines free buffers themselves)";
  }

  void runOnOperation() override {
    bool frees = false;
    getOperation()->walk([&](Operation *op) {
      if (!freesBuffer(op))
        return;
      op->emitError()
          << "--" << pipeline << " frees every buffer itself "
          << "(ownership-based buffer deallocation), which "
          << "cannot take a module that frees its own; remove "
          << "this '" << op->getName()
          << "' (the pipeline frees the buffers memref.alloc "
          << "allocates), or mark it "
          << bufferization::BufferizationDialect::kManualDeallocation
          << " with the allocation it frees";
      frees = true;
    });
    if (frees)
      signalPassFailure();
  }

  // An option, as in CheckFlatModule.cpp: a printed pipeline parses again.
  Option<std::string> pipeline{*this, "pipeline",
                               llvm::cl::desc("The pipeline the message names"),
                               llvm::cl::init("qblock-cpu-pipeline")};
};

} // namespace

std::unique_ptr<Pass> qblock::createCheckNoFreesPass() {
  return std::make_unique<CheckNoFreesPass>();
}

std::unique_ptr<Pass> qblock::createCheckNoFreesPass(std::string pipeline) {
  auto pass = std::make_unique<CheckNoFreesPass>();
  pass->pipeline = std::move(pipeline);
  return pass;
}
