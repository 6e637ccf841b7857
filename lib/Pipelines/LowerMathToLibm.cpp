//===- LowerMathToLibm.cpp - math ops LLVM has no intrinsic for -----------===//
//
// convert-math-to-llvm maps most math ops to LLVM intrinsics, which the
// backends expand or turn into libm calls themselves. A few have no LLVM
// intrinsic: math.erf and math.erfc (exact GELU, as torch-mlir emits
// nn.GELU()), math.cbrt and the inverse hyperbolic functions. They used to
// survive both pipelines, and the module then failed in mlir-translate
// ("Dialect `math' not found"). math.expm1 and math.log1p (torch's
// expm1/log1p and ELU, StableHLO's exponential_minus_one and
// log_plus_one, the stable softplus) have none either, and math-to-llvm
// computes them as exp(x) - 1 and log(1 + x): 19% off at x = 1e-7, 0 at
// 1e-20, the very inputs these ops exist for. This pass calls the C
// library for them
// (erff, erf, ...; f16/bf16 through f32, vectors element by element):
// exact to libm's accuracy, and mlir-runner and any C link resolve them.
//
// Only host code is rewritten. Ops inside gpu.launch or gpu.module bodies
// stay: a kernel cannot call the host's libm (and the project's kernels
// never use these ops).
//
//===----------------------------------------------------------------------===//

#include "LowerMathToLibm.h"
#include "ExpandHostBF16.h"

#include "mlir/Conversion/MathToFuncs/MathToFuncs.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;

namespace {

bool inGPUCode(Operation *op) {
  return op->getParentOfType<gpu::LaunchOp>() ||
         op->getParentOfType<gpu::GPUModuleOp>();
}

struct LowerMathToLibmPass
    : PassWrapper<LowerMathToLibmPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerMathToLibmPass)
  StringRef getArgument() const override { return "qblock-lower-math-to-libm"; }
  StringRef getDescription() const override {
    return "Call libm for host math.erf/erfc/cbrt/asinh/acosh/atanh/expm1/"
           "log1p, which have no LLVM intrinsic";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, func::FuncDialect,
                    vector::VectorDialect>();
  }
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // Partial conversion rewrites only the illegal ops, so the libm
    // patterns for everything else (exp, floor, ...) stay unused and those
    // ops keep their LLVM intrinsics.
    ConversionTarget target(*context);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addDynamicallyLegalOp<math::ErfOp, math::ErfcOp, math::CbrtOp,
                                 math::AsinhOp, math::AcoshOp, math::AtanhOp,
                                 math::ExpM1Op, math::Log1pOp>(inGPUCode);
    RewritePatternSet patterns(context);
    populateMathToLibmConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createLowerMathToLibmPass() {
  return std::make_unique<LowerMathToLibmPass>();
}

void qblock::addHostMathLowering(OpPassManager &pm) {
  // Math ops with no LLVM intrinsic (user code such as exact GELU's
  // math.erf): libm calls (LowerMathToLibm.cpp), and math.ipowi, which has
  // no libm function either, an outlined loop. math.fpowi keeps llvm.powi.
  // convert-math-to-funcs runs module-wide, kernels included; that is
  // sound there too (outlining copies the called function into the kernel
  // module), and the project's kernels use no math.ipowi.
  pm.addPass(qblock::createLowerMathToLibmPass());
  // bf16 arithmetic in f32, f32 -> bf16 as integer operations: no
  // __truncsfbf2 for an ahead-of-time link to miss (ExpandHostBF16.cpp).
  pm.addPass(qblock::createExpandHostBF16Pass());
  ConvertMathToFuncsOptions funcs;
  funcs.minWidthOfFPowIExponent = std::numeric_limits<unsigned>::max();
  pm.addPass(createConvertMathToFuncs(funcs));
}
