//===- CheckLoweredToLLVM.cpp - the pipelines' last step ------------------===//
//
// A conversion pass that finds no pattern for an op leaves it in place, and
// the pipeline still succeeds: the op surfaces only in mlir-translate, as
// "Dialect `linalg' not found for custom op", far from its cause. The
// pipelines end with this check, so an op they do not lower is an error
// at its own location, under the pipeline's name, with exit status 1.
//
//===----------------------------------------------------------------------===//

#include "CheckLoweredToLLVM.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace {

struct CheckLoweredToLLVMPass
    : PassWrapper<CheckLoweredToLLVMPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckLoweredToLLVMPass)

  CheckLoweredToLLVMPass() = default;
  // The option is not copyable; clone() copies its value afterwards.
  CheckLoweredToLLVMPass(const CheckLoweredToLLVMPass &other)
      : PassWrapper(other) {}

  StringRef getArgument() const override {
    return "qblock-check-lowered-to-llvm";
  }
  StringRef getDescription() const override {
    return "Fail on ops that mlir-translate cannot take (the pipelines' "
           "last step)";
  }

  static bool translates(Operation *op) {
    if (isa<ModuleOp, gpu::BinaryOp, gpu::LaunchFuncOp>(op))
      return true;
    Dialect *dialect = op->getDialect();
    return isa_and_nonnull<LLVM::LLVMDialect, omp::OpenMPDialect>(dialect);
  }

  void runOnOperation() override {
    // One error per kind of op: a loop nest of a hundred unlowered ops says
    // nothing more than its first. Casts left by a type conversion are a
    // consequence of an op that was not lowered; they are reported only
    // when nothing else is.
    llvm::StringSet<> reported;
    SmallVector<Operation *> casts;
    getOperation()->walk([&](Operation *op) {
      if (translates(op))
        return;
      if (isa<UnrealizedConversionCastOp>(op)) {
        casts.push_back(op);
        return;
      }
      if (!reported.insert(op->getName().getStringRef()).second)
        return;
      op->emitError() << "'" << op->getName() << "' is not lowered to the "
                      << "LLVM dialect by --" << pipeline
                      << ", so the module would not translate; express it "
                         "with ops the pipeline lowers (linalg, tensor, "
                         "arith, math, scf, memref, func, qblock) or lower "
                         "it before the pipeline";
    });
    if (reported.empty() && !casts.empty())
      casts.front()->emitError()
          << "--" << pipeline << " left a value of type "
          << casts.front()->getOperand(0).getType()
          << " unconverted, so the module would not translate";
    if (!reported.empty() || !casts.empty())
      signalPassFailure();
  }

  // An option, not a constructor argument, so that a printed pipeline (a
  // crash reproducer, --dump-pass-pipeline) parses again with the same
  // message.
  Option<std::string> pipeline{*this, "pipeline",
                               llvm::cl::desc("The pipeline the messages name"),
                               llvm::cl::init("qblock-cpu-pipeline")};
};

} // namespace

std::unique_ptr<Pass> qblock::createCheckLoweredToLLVMPass() {
  return std::make_unique<CheckLoweredToLLVMPass>();
}

std::unique_ptr<Pass>
qblock::createCheckLoweredToLLVMPass(std::string pipeline) {
  auto pass = std::make_unique<CheckLoweredToLLVMPass>();
  pass->pipeline = std::move(pipeline);
  return pass;
}
