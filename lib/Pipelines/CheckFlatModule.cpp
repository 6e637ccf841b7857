//===- CheckFlatModule.cpp - the pipelines' first step --------------------===//
//
// The qblock pipelines lower a whole program to one LLVM module. A nested
// builtin.module does not survive that: the upstream passes work on the
// top-level functions (one-shot bufferization across function boundaries
// fails on a nested module's with "failed to legalize
// bufferization.to_buffer"), and mlir-translate drops whatever a nested
// module holds without a diagnostic, so a function in it would silently
// vanish from the object file. The pipelines start with this check, so
// the user hears at the nested module's own location what to change.
// (convert-qblock-to-cpu alone does lower qblock ops in nested modules.)
//
//===----------------------------------------------------------------------===//

#include "CheckFlatModule.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace {

struct CheckFlatModulePass
    : PassWrapper<CheckFlatModulePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckFlatModulePass)

  CheckFlatModulePass() = default;
  // The option is not copyable; clone() copies its value afterwards.
  CheckFlatModulePass(const CheckFlatModulePass &other) : PassWrapper(other) {}

  StringRef getArgument() const override { return "qblock-check-flat-module"; }
  StringRef getDescription() const override {
    return "Fail on nested builtin.module ops (the pipelines' first step)";
  }

  void runOnOperation() override {
    bool nested = false;
    getOperation()->walk<WalkOrder::PreOrder>([&](ModuleOp inner) {
      if (inner == getOperation())
        return WalkResult::advance();
      InFlightDiagnostic diag = inner.emitError()
                                << "--" << pipeline << " lowers one flat "
                                << "module to LLVM IR, and a nested module ";
      if (std::optional<StringRef> name = inner.getName())
        diag << "(@" << *name << ") ";
      diag << "would not survive it (mlir-translate drops nested modules' "
              "contents); move its operations into the top-level module, "
              "or run the pipeline on the nested module alone";
      nested = true;
      // One error per outermost nested module is enough.
      return WalkResult::skip();
    });
    if (nested)
      signalPassFailure();
  }

  // An option, not a constructor argument, so that a printed pipeline (a
  // crash reproducer, --dump-pass-pipeline) parses again with the same
  // message.
  Option<std::string> pipeline{*this, "pipeline",
                               llvm::cl::desc("The pipeline the message names"),
                               llvm::cl::init("qblock-cpu-pipeline")};
};

} // namespace

std::unique_ptr<Pass> qblock::createCheckFlatModulePass() {
  return std::make_unique<CheckFlatModulePass>();
}

std::unique_ptr<Pass> qblock::createCheckFlatModulePass(std::string pipeline) {
  auto pass = std::make_unique<CheckFlatModulePass>();
  pass->pipeline = std::move(pipeline);
  return pass;
}
