//===- SetHostTriple.cpp - the CPU pipeline's target triple ---------------===//
//
// The CPU pipeline compiles for the machine running it (target=host, the
// default, detects its instructions), but its output named no target: the
// ahead-of-time path (mlir-translate, then clang or llc) then warned
// "overriding the module target triple" on every compile, and llc fell
// back to its default triple. The module now carries the host's triple.
// JIT users (mlir-runner, the Python package) are unaffected: the
// ExecutionEngine sets the triple of the machine it runs on anyway. With
// target=avx2 or avx512 on a machine that is not x86 the output is for
// another machine, so no triple is guessed.
//
//===----------------------------------------------------------------------===//

#include "SetHostTriple.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace {

struct SetHostTriplePass
    : PassWrapper<SetHostTriplePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SetHostTriplePass)

  explicit SetHostTriplePass(std::string target) : target(std::move(target)) {}

  StringRef getArgument() const override { return "qblock-set-host-triple"; }
  StringRef getDescription() const override {
    return "Set llvm.target_triple to the compiling machine's triple (the "
           "CPU pipeline's output is for that machine)";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    StringRef name = LLVM::LLVMDialect::getTargetTripleAttrName();
    if (module->hasAttr(name))
      return;
    llvm::Triple host(llvm::sys::getProcessTriple());
    bool x86Only = target == "avx2" || target == "avx512";
    if (x86Only && !host.isX86())
      return;
    module->setAttr(name, StringAttr::get(module.getContext(), host.str()));
  }

  std::string target;
};

} // namespace

std::unique_ptr<Pass> qblock::createSetHostTriplePass(std::string target) {
  return std::make_unique<SetHostTriplePass>(std::move(target));
}
