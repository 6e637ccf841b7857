//===- ExpandHostBF16.cpp - bf16 conversions without libgcc ---------------===//
//
// An f32 -> bf16 arith.truncf becomes LLVM's fptrunc to bfloat, which x86
// without AVX512-BF16 (target=avx2, generic, or a host without it) turns
// into a call of __truncsfbf2. The JIT finds that function in
// libmlir_c_runner_utils, but Debian 12's libgcc (GCC 12) has none, so an
// ahead-of-time object of a bf16 module failed to link with the README's
// commands ("undefined reference to `__truncsfbf2'"). Upstream's bf16
// expansion (what arith-expand{include-bf16} applies) computes the same
// round-to-nearest-even with integer operations, so no target needs the
// library. Applied on every target: on AVX512-BF16 it replaces one
// vcvtneps2bf16 per converted vector (results only, never in a kernel's
// inner loop), and it keeps subnormal results, which that instruction
// flushes to zero, so every target now rounds alike.
//
// Only host code is rewritten: GPU kernels have their own conversion
// instructions.
//
//===----------------------------------------------------------------------===//

#include "ExpandHostBF16.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace {

bool inGPUCode(Operation *op) {
  return op->getParentOfType<gpu::LaunchOp>() ||
         op->getParentOfType<gpu::GPUModuleOp>();
}

bool isElementType(Type type, bool (Type::*is)() const) {
  return (getElementTypeOrSelf(type).*is)();
}

/// Whether `op` converts between f32 and bf16 in host code, what the
/// upstream patterns rewrite.
template <typename ConversionOp> bool expands(ConversionOp op) {
  Type in = op.getIn().getType(), out = op.getType();
  if (inGPUCode(op))
    return false;
  if constexpr (std::is_same_v<ConversionOp, arith::TruncFOp>)
    return isElementType(in, &Type::isF32) && isElementType(out, &Type::isBF16);
  else
    return isElementType(in, &Type::isBF16) && isElementType(out, &Type::isF32);
}

struct ExpandHostBF16Pass
    : PassWrapper<ExpandHostBF16Pass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandHostBF16Pass)
  StringRef getArgument() const override { return "qblock-expand-host-bf16"; }
  StringRef getDescription() const override {
    return "Expand host f32<->bf16 conversions into integer operations, so "
           "that no target calls __truncsfbf2 (absent from Debian 12's "
           "libgcc)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, vector::VectorDialect>();
  }
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addDynamicallyLegalOp<arith::TruncFOp>(
        [](arith::TruncFOp op) { return !expands(op); });
    target.addDynamicallyLegalOp<arith::ExtFOp>(
        [](arith::ExtFOp op) { return !expands(op); });
    RewritePatternSet patterns(context);
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createExpandHostBF16Pass() {
  return std::make_unique<ExpandHostBF16Pass>();
}
