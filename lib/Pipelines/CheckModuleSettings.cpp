//===- CheckModuleSettings.cpp - settings the pipelines must own ----------===//
//
// A module can carry settings that the pipelines' steps assume otherwise,
// and that made them fail far from the cause or emit code that cannot
// work (found by an adversarial run, 2026-12-07):
//
// - A data layout with 32-bit indices (`dlti.dl_spec` with `index = 32`):
//   the pipelines' memory allocation functions and kernels use 64-bit
//   sizes, and the lowering failed on a type mismatch at an unrelated
//   `tensor.empty` (the GPU pipeline: an unconverted memref struct).
// - A target triple of another architecture than the one the CPU
//   pipeline's `target` picks instructions for (`host`: the compiling
//   machine; `avx2`, `avx512`: x86): the output kept, say, an aarch64
//   triple around AVX-512 intrinsics and cpuid asm, and the backend then
//   crashed. `target=generic` emits portable vector code and takes any
//   triple.
// - A symbol named like the allocation functions the CPU and emulation
//   pipelines define (`_mlir_memref_to_llvm_alloc`, `_mlir_memref_to_llvm_
//   free`) that is not an LLVM function of their type: upstream's memref
//   lowering then declared `..._alloc_0` and the like beside it, which
//   nothing defines, so the module failed when loaded. Definitions of the
//   right type (a user's own allocator, or this pipeline's, when it runs on
//   its own output) are used as they are, but only as a pair: the pipeline
//   would pair a user's alloc with its own free, which frees blocks the
//   user's alloc made. Declarations get the pipeline's definitions. (The
//   GPU pipeline's host code calls malloc and free, not these.)
//
// The pipelines start with this check, so each problem gets one error at
// the module or the symbol that says what to change.
//
//===----------------------------------------------------------------------===//

#include "CheckModuleSettings.h"
#include "ScratchAllocator.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"

#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace {

/// Whether `symbol` is an LLVM function with the type upstream's memref
/// lowering gives `name` (with 64-bit indices).
bool isAllocatorFunction(Operation *symbol, StringRef name) {
  auto func = dyn_cast<LLVM::LLVMFuncOp>(symbol);
  if (!func)
    return false;
  MLIRContext *context = symbol->getContext();
  auto pointer = LLVM::LLVMPointerType::get(context);
  auto expected = name == qblock::kScratchAllocName
                      ? LLVM::LLVMFunctionType::get(
                            pointer, {IntegerType::get(context, 64)})
                      : LLVM::LLVMFunctionType::get(
                            LLVM::LLVMVoidType::get(context), {pointer});
  return func.getFunctionType() == expected;
}

struct CheckModuleSettingsPass
    : PassWrapper<CheckModuleSettingsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckModuleSettingsPass)

  CheckModuleSettingsPass() = default;
  // Options are not copyable; clone() copies their values afterwards.
  CheckModuleSettingsPass(const CheckModuleSettingsPass &other)
      : PassWrapper(other) {}

  StringRef getArgument() const override {
    return "qblock-check-module-settings";
  }
  StringRef getDescription() const override {
    return "Fail on module settings the pipelines cannot honour: 32-bit "
           "indices, a triple the CPU target does not emit code for, "
           "symbols named like the pipelines' allocation functions";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool failed = false;

    unsigned indexBits = DataLayout(module).getTypeSizeInBits(
        IndexType::get(module.getContext()));
    if (indexBits != 64) {
      module.emitError() << "--" << pipeline
                         << " lowers with 64-bit indices, but the module's "
                            "data layout (dlti.dl_spec) makes index "
                         << indexBits
                         << " bits wide; remove the index entry from it";
      failed = true;
    }

    if (!checkTriple(module))
      failed = true;

    if (checkAllocator && !checkAllocatorFunctions(module))
      failed = true;
    if (failed)
      signalPassFailure();
  }

  /// False, after an error, when a symbol takes the name of one of the
  /// allocation functions without being one, or the module defines one of
  /// the two and not the other.
  bool checkAllocatorFunctions(ModuleOp module) {
    constexpr StringLiteral kAlloc = qblock::kScratchAllocName,
                            kFree = qblock::kScratchFreeName;
    bool fits = true;
    for (StringRef name : {kAlloc, kFree}) {
      Operation *symbol = module.lookupSymbol(name);
      if (!symbol || isAllocatorFunction(symbol, name))
        continue;
      symbol->emitError() << "@" << name << " is the name of a memory "
                          << "allocation function --" << pipeline
                          << " defines; rename this symbol";
      fits = false;
    }
    if (!fits)
      return false;
    auto defined = [&](StringRef name) {
      auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
      return func && !func.isExternal();
    };
    if (defined(kAlloc) == defined(kFree))
      return true;
    StringRef given = defined(kAlloc) ? kAlloc : kFree;
    StringRef missing = defined(kAlloc) ? kFree : kAlloc;
    module.lookupSymbol(given)->emitError()
        << "the module defines @" << given << " but not @" << missing
        << ", which --" << pipeline
        << " would then define to go with it (its free would release "
           "blocks your alloc made, or the reverse); define both, or "
           "neither";
    return false;
  }

  /// False, after an error, when the module's triple names an architecture
  /// that the CPU target's instructions do not exist on.
  bool checkTriple(ModuleOp module) {
    StringRef target = cpuTarget;
    if (target.empty() || target == "generic")
      return true;
    auto tripleName = module->getAttrOfType<StringAttr>(
        LLVM::LLVMDialect::getTargetTripleAttrName());
    if (!tripleName)
      return true;
    llvm::Triple triple(tripleName.getValue());
    llvm::Triple host(llvm::sys::getProcessTriple());
    // avx2 and avx512 are x86-64 levels (v3, v4).
    bool fits = target == "host" ? triple.getArch() == host.getArch()
                                 : triple.getArch() == llvm::Triple::x86_64;
    if (fits)
      return true;
    InFlightDiagnostic diag = module.emitError()
                              << "--" << pipeline << " with target=" << target
                              << " emits instructions for ";
    if (target == "host")
      diag << "this machine (" << host.getArchName() << ")";
    else
      diag << "x86-64";
    diag << ", but the module's target triple is '" << tripleName.getValue()
         << "'; use target=generic for portable code, or drop the triple";
    return false;
  }

  // Options, not constructor arguments, so that a printed pipeline (a
  // crash reproducer, --dump-pass-pipeline) parses again with the same
  // messages.
  Option<std::string> pipeline{*this, "pipeline",
                               llvm::cl::desc("The pipeline the message names"),
                               llvm::cl::init("qblock-cpu-pipeline")};
  Option<bool> checkAllocator{
      *this, "check-allocator",
      llvm::cl::desc("Check the symbols named like the allocation functions "
                     "the pipeline defines (not the GPU pipeline's: its host "
                     "code calls malloc and free)"),
      llvm::cl::init(true)};
  Option<std::string> cpuTarget{
      *this, "cpu-target",
      llvm::cl::desc("The CPU pipeline's target option, which the module's "
                     "triple must fit (empty: not checked)"),
      llvm::cl::init("")};
};

} // namespace

std::unique_ptr<Pass> qblock::createCheckModuleSettingsPass() {
  return std::make_unique<CheckModuleSettingsPass>();
}

std::unique_ptr<Pass> qblock::createCheckModuleSettingsPass(
    std::string pipeline, std::string cpuTarget, bool checkAllocator) {
  auto pass = std::make_unique<CheckModuleSettingsPass>();
  pass->pipeline = std::move(pipeline);
  pass->cpuTarget = std::move(cpuTarget);
  pass->checkAllocator = checkAllocator;
  return pass;
}
