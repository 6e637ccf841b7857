//===- CheckLoweredToLLVM.cpp - the pipelines' last step ------------------===//
//
// A conversion pass that finds no pattern for an op leaves it in place, and
// the pipeline still succeeds: the op surfaces only in mlir-translate, as
// "Dialect `linalg' not found for custom op", far from its cause. The
// pipelines end with this check, so an op they do not lower is an error
// at its own location, under the pipeline's name, with exit status 1.
//
// The same goes for PTX that calls functions it does not define: math
// functions in a hand-written kernel (math.erf, math.sin, ...) become calls
// of CUDA's libdevice (__nv_erff, ...), which gpu-module-to-binary links
// only from a CUDA toolkit. Without one the PTX kept them as externs that
// ptxas and the driver reject, and the pipeline exited 0 (found by an
// adversarial run, 2026-12-08).
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
    return "Fail on ops that mlir-translate cannot take, and on kernel PTX "
           "that calls functions it does not define (the pipelines' last "
           "step)";
  }

  static bool translates(Operation *op) {
    if (isa<ModuleOp, gpu::BinaryOp, gpu::LaunchFuncOp>(op))
      return true;
    Dialect *dialect = op->getDialect();
    return isa_and_nonnull<LLVM::LLVMDialect, omp::OpenMPDialect>(dialect);
  }

  /// The functions the PTX in `binary` declares but does not define.
  static SmallVector<StringRef> undefinedPTXFunctions(gpu::BinaryOp binary) {
    SmallVector<StringRef> names;
    for (Attribute attr : binary.getObjects()) {
      auto object = dyn_cast<gpu::ObjectAttr>(attr);
      if (!object || object.getFormat() != gpu::CompilationTarget::Assembly)
        continue;
      StringRef ptx = object.getObject().getValue();
      // NVPTX declares one per line, the name last: `.extern .func
      // (.param .b32 func_retval0) __nv_erff`, parameters on the next
      // lines.
      for (size_t at = ptx.find(".extern .func"); at != StringRef::npos;
           at = ptx.find(".extern .func", at + 1)) {
        StringRef line =
            ptx.substr(at).take_until([](char c) { return c == '\n'; });
        StringRef name = line.rtrim().rtrim('(').rtrim();
        name = name.substr(name.find_last_of(" \t)") + 1);
        if (!name.empty() && !llvm::is_contained(names, name))
          names.push_back(name);
      }
    }
    return names;
  }

  void runOnOperation() override {
    bool undefinedCalls = false;
    getOperation()->walk([&](gpu::BinaryOp binary) {
      SmallVector<StringRef> names = undefinedPTXFunctions(binary);
      if (names.empty())
        return;
      undefinedCalls = true;
      InFlightDiagnostic diag = binary.emitError();
      diag << "the PTX of kernel module @" << binary.getSymName() << " calls ";
      llvm::interleaveComma(
          names, diag, [&](StringRef name) { diag << "'" << name << "'"; });
      diag << ", which it does not define";
      if (llvm::any_of(
              names, [](StringRef name) { return name.starts_with("__nv_"); }))
        diag << ": these are CUDA's libdevice functions (math functions in a "
                "kernel), which gpu-module-to-binary links only from a CUDA "
                "toolkit, and none was found (neither $CUDA_ROOT, "
                "$CUDA_HOME nor $CUDA_PATH names one, and /usr/local/cuda "
                "has no nvvm/libdevice/libdevice.10.bc); install the CUDA "
                "toolkit or point $CUDA_HOME at it, or keep such math out "
                "of the kernel";
    });
    if (undefinedCalls)
      signalPassFailure();
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
