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
// - A symbol named like a C library function the pipelines' code calls
//   (`malloc`, `free`, `malloc_usable_size`) with another type: the CPU
//   pipeline failed on an `llvm.call` type mismatch with no location the
//   user wrote (found by an adversarial run over the GPU lowering,
//   2026-12-07).
// - In the GPU pipeline, a symbol named like a function of the CUDA
//   runtime its host code calls (`mgpu...`, `qblockCuda...`) that is not
//   an external declaration: `gpu-to-llvm` called a user's
//   `func.func @mgpuLaunchKernel(i32) -> i32` as the launch, and the module
//   translated without a word (undefined behaviour; the kernel would never
//   run), or the lowering failed on a type mismatch that named neither the
//   symbol nor the clash (the same run).
// - A `dense_resource` constant whose data is missing: a module printed
//   with `--mlir-elide-resource-strings-if-larger` (the way large models
//   are often printed) or a key its `dialect_resources` section does not
//   define. Every pipeline succeeded and emitted a global that
//   `mlir-translate` then rejected at a line of the output (the same run).
//
// The pipelines start with this check, so each problem gets one error at
// the module or the symbol that says what to change.
//
//===----------------------------------------------------------------------===//

#include "CheckModuleSettings.h"
#include "ScratchAllocator.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"

#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace {

/// malloc's type, `ptr (i64)`, which upstream's memref lowering (with
/// 64-bit indices) also gives its allocation function.
LLVM::LLVMFunctionType allocType(MLIRContext *context) {
  return LLVM::LLVMFunctionType::get(LLVM::LLVMPointerType::get(context),
                                     {IntegerType::get(context, 64)});
}

/// free's type, `void (ptr)`, also that of the memref lowering's free.
LLVM::LLVMFunctionType freeType(MLIRContext *context) {
  return LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                     {LLVM::LLVMPointerType::get(context)});
}

/// Whether `symbol` is an LLVM function with the type upstream's memref
/// lowering gives `name` (with 64-bit indices).
bool isAllocatorFunction(Operation *symbol, StringRef name) {
  auto func = dyn_cast<LLVM::LLVMFuncOp>(symbol);
  if (!func)
    return false;
  MLIRContext *context = symbol->getContext();
  return func.getFunctionType() == (name == qblock::kScratchAllocName
                                        ? allocType(context)
                                        : freeType(context));
}

/// The C library functions the pipelines' code calls, as the LLVM types
/// they are called with: the scratch allocator (ScratchAllocator.cpp) and
/// the GPU host code's buffers.
struct LibraryFunction {
  StringRef name;
  LLVM::LLVMFunctionType type;
};

SmallVector<LibraryFunction> libraryFunctions(MLIRContext *context) {
  return {{"malloc", allocType(context)},
          {"free", freeType(context)},
          {"malloc_usable_size",
           LLVM::LLVMFunctionType::get(IntegerType::get(context, 64),
                                       {LLVM::LLVMPointerType::get(context)})}};
}

/// The LLVM function type `symbol` has or lowers to (a `func.func` of
/// LLVM-compatible types), or null.
LLVM::LLVMFunctionType llvmFunctionType(Operation *symbol) {
  if (auto func = dyn_cast<LLVM::LLVMFuncOp>(symbol))
    return func.getFunctionType();
  auto func = dyn_cast<func::FuncOp>(symbol);
  if (!func || func.getNumResults() > 1)
    return nullptr;
  FunctionType type = func.getFunctionType();
  auto compatible = [](Type t) { return LLVM::isCompatibleType(t); };
  if (!llvm::all_of(type.getInputs(), compatible) ||
      !llvm::all_of(type.getResults(), compatible))
    return nullptr;
  Type result = type.getNumResults() == 0
                    ? LLVM::LLVMVoidType::get(symbol->getContext())
                    : type.getResult(0);
  return LLVM::LLVMFunctionType::get(result, type.getInputs());
}

/// The name prefixes of the CUDA runtime functions the GPU pipeline's host
/// code calls: upstream's `gpu-to-llvm` wrappers and this project's.
constexpr StringLiteral kGPURuntimePrefixes[] = {"mgpu", "qblockCuda"};

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
      emitError(module.getLoc())
          << "--" << pipeline
          << " lowers with 64-bit indices, but the module's "
             "data layout (dlti.dl_spec) makes index "
          << indexBits << " bits wide; remove the index entry from it";
      failed = true;
    }

    if (!checkTriple(module))
      failed = true;

    if (checkAllocator && !checkAllocatorFunctions(module))
      failed = true;
    if (!checkLibraryFunctions(module))
      failed = true;
    if (checkGPURuntime && !checkGPURuntimeFunctions(module))
      failed = true;
    if (!checkResourceData(module))
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

  /// False, after an error at each op, when a `dense_resource` attribute
  /// has no data.
  bool checkResourceData(ModuleOp module) {
    bool fits = true;
    module.walk([&](Operation *op) {
      op->getAttrDictionary().walk([&](DenseResourceElementsAttr resource) {
        if (resource.getRawHandle().getBlob())
          return;
        op->emitError() << "the data of dense_resource '"
                        << resource.getRawHandle().getKey()
                        << "' is missing (elided when the module was "
                           "printed, or not in its dialect_resources); --"
                        << pipeline
                        << " needs it: print the module without "
                           "--mlir-elide-resource-strings-if-larger";
        fits = false;
      });
    });
    return fits;
  }

  /// False, after an error, when a symbol takes the name of a C library
  /// function the pipeline's code calls with another type.
  bool checkLibraryFunctions(ModuleOp module) {
    bool fits = true;
    for (const LibraryFunction &function :
         libraryFunctions(module.getContext())) {
      Operation *symbol = module.lookupSymbol(function.name);
      if (!symbol || llvmFunctionType(symbol) == function.type)
        continue;
      symbol->emitError() << "@" << function.name
                          << " is the C library function the code --"
                          << pipeline << " emits calls, as " << function.type
                          << "; rename this symbol";
      fits = false;
    }
    return fits;
  }

  /// False, after an error, when a symbol that is not an external LLVM
  /// declaration (as `gpu-to-llvm` makes them) takes the name of a CUDA
  /// runtime function.
  bool checkGPURuntimeFunctions(ModuleOp module) {
    bool fits = true;
    for (Operation &op : module.getBody()->getOperations()) {
      auto symbol = dyn_cast<SymbolOpInterface>(op);
      if (!symbol)
        continue;
      StringRef name = symbol.getName();
      if (!llvm::any_of(kGPURuntimePrefixes, [&](StringRef prefix) {
            return name.starts_with(prefix);
          }))
        continue;
      auto declaration = dyn_cast<LLVM::LLVMFuncOp>(op);
      if (declaration && declaration.isExternal())
        continue;
      // The emulation pipeline names the GPU pipeline: it checks these
      // so that what it emulates also compiles for a GPU.
      op.emitError() << "@" << name << " is named like the CUDA runtime "
                     << "functions (names starting with 'mgpu' or "
                        "'qblockCuda') that the host code of "
                        "--qblock-gpu-pipeline calls; rename this symbol";
      fits = false;
    }
    return fits;
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
    InFlightDiagnostic diag = emitError(module.getLoc())
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
  Option<bool> checkGPURuntime{
      *this, "check-gpu-runtime",
      llvm::cl::desc("Check the symbols named like the CUDA runtime "
                     "functions the GPU pipeline's host code calls"),
      llvm::cl::init(false)};
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
    std::string pipeline, std::string cpuTarget, bool checkAllocator,
    bool checkGPURuntime) {
  auto pass = std::make_unique<CheckModuleSettingsPass>();
  pass->pipeline = std::move(pipeline);
  pass->cpuTarget = std::move(cpuTarget);
  pass->checkAllocator = checkAllocator;
  pass->checkGPURuntime = checkGPURuntime;
  return pass;
}
