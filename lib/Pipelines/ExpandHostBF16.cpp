//===- ExpandHostBF16.cpp - bf16 on the host without libgcc ---------------===//
//
// An f32 -> bf16 conversion becomes LLVM's fptrunc to bfloat, which x86
// without AVX512-BF16 (target=avx2, generic, or a host without it) turns
// into a call of __truncsfbf2; so does arithmetic in bf16 (add, mul, math
// functions, sitofp), which the backend computes in f32 and rounds back.
// The JIT finds that function in libmlir_c_runner_utils, but Debian 12's
// libgcc (GCC 12) has none, so an ahead-of-time object of a bf16 module
// failed to link with the README's commands ("undefined reference to
// `__truncsfbf2'"). This pass does in the IR what the backend would:
//
//  1. arithmetic and math ops on bf16 compute in f32 between an extf and a
//     truncf (upstream's arith-emulate-unsupported-floats and
//     math-extend-to-supported-types patterns): the same results, since
//     the backend promotes them the same way;
//  2. every f32 -> bf16 truncation becomes integer operations (upstream's
//     bf16 expansion, what arith-expand{include-bf16} applies): round to
//     nearest even, NaN kept as a quiet NaN. (bf16 -> f32 needs no library
//     function: LLVM widens with a shift.)
//
// Applied on every target: on AVX512-BF16 a truncation is then about 8
// integer operations instead of one vcvtneps2bf16 (results, and the
// elements a dequantize to bf16 writes; no matmul's inner loop converts to
// bf16), and subnormal results are kept, which that instruction flushes to
// zero, so every target rounds alike. An f64 -> bf16 truncf is left alone
// (it would need __truncdfbf2; rounding through f32 would round twice).
//
// Only host code is rewritten: GPU kernels have their own conversion
// instructions. The GPU emulation pipeline runs it again once its kernels
// have become CPU code.
//
//===----------------------------------------------------------------------===//

#include "ExpandHostBF16.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace {

bool isElementType(Type type, bool (Type::*is)() const) {
  return (getElementTypeOrSelf(type).*is)();
}

/// Whether `op` rounds f32 to bf16, what needs __truncsfbf2. (Widening
/// bf16 to f32 is a shift in LLVM's own lowering, with no library call.)
bool expands(arith::TruncFOp op) {
  return isElementType(op.getIn().getType(), &Type::isF32) &&
         isElementType(op.getType(), &Type::isBF16);
}

struct ExpandHostBF16Pass
    : PassWrapper<ExpandHostBF16Pass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandHostBF16Pass)

  /// Applies one upstream rewrite to host code only: ops inside GPU
  /// kernels stay legal whatever `target` says of them.
  LogicalResult applyToHostCode(ConversionTarget &target,
                                RewritePatternSet &&patterns) {
    // (Each caller sets what unknown ops are: the math rewrite's legality
    // is itself an unknown-op callback, which must stay.)
    // Recursive legality applies only to ops marked legal first.
    target.addLegalOp<gpu::LaunchOp, gpu::GPUModuleOp>();
    target.markOpRecursivelyLegal<gpu::LaunchOp, gpu::GPUModuleOp>();
    return applyPartialConversion(getOperation(), target, std::move(patterns));
  }

  /// Step 1 of the file comment: bf16 arith and math ops compute in f32.
  LogicalResult computeInF32() {
    MLIRContext *context = &getContext();
    Type bf16 = BFloat16Type::get(context), f32 = Float32Type::get(context);
    // The converters keep a reference to their source types: these must
    // outlive the conversions.
    Type sourceType[] = {bf16};
    {
      TypeConverter converter;
      arith::populateEmulateUnsupportedFloatsConversions(converter, sourceType,
                                                         f32);
      ConversionTarget target(*context);
      arith::populateEmulateUnsupportedFloatsLegality(target, converter);
      RewritePatternSet patterns(context);
      arith::populateEmulateUnsupportedFloatsPatterns(patterns, converter);
      if (failed(applyToHostCode(target, std::move(patterns))))
        return failure();
    }
    // Here the set names the types math ops may keep besides f32 and f64:
    // f16 (LLVM's promotion of f16 needs no function libgcc lacks), so
    // bf16 and the 8-bit floats compute in f32.
    TypeConverter converter;
    SetVector<Type> keptTypes;
    keptTypes.insert(Float16Type::get(context));
    math::populateExtendToSupportedTypesTypeConverter(converter, keptTypes,
                                                      f32);
    ConversionTarget target(*context);
    math::populateExtendToSupportedTypesConversionTarget(target, converter);
    RewritePatternSet patterns(context);
    math::populateExtendToSupportedTypesPatterns(patterns, converter);
    return applyToHostCode(target, std::move(patterns));
  }

  StringRef getArgument() const override { return "qblock-expand-host-bf16"; }
  StringRef getDescription() const override {
    return "Compute host bf16 arithmetic in f32 and expand f32->bf16 "
           "truncations into integer operations, so that no target calls "
           "__truncsfbf2 (absent from Debian 12's libgcc)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, math::MathDialect,
                    vector::VectorDialect>();
  }
  void runOnOperation() override {
    if (failed(computeInF32()))
      return signalPassFailure();
    // Step 1 marks the conversions it adds `contract`, which means nothing
    // for a single rounding and breaks two things downstream: upstream's
    // bf16 truncation pattern (LLVM 22) does not match a truncf that
    // carries fast-math flags, and arith-to-llvm copies an extf's flags
    // onto llvm.fpext as an arith attribute that mlir-translate cannot
    // read. Rebuild them without.
    SmallVector<Operation *> flagged;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp, gpu::GPUModuleOp>(op))
        return WalkResult::skip();
      auto truncf = dyn_cast<arith::TruncFOp>(op);
      auto extf = dyn_cast<arith::ExtFOp>(op);
      if ((truncf && expands(truncf) && truncf.getFastmathAttr()) ||
          (extf && extf.getFastmathAttr() &&
           isElementType(extf.getIn().getType(), &Type::isBF16)))
        flagged.push_back(op);
      return WalkResult::advance();
    });
    for (Operation *op : flagged) {
      OpBuilder builder(op);
      OperationState state(op->getLoc(), op->getName(), op->getOperands(),
                           op->getResultTypes());
      Operation *plain = builder.create(state);
      op->replaceAllUsesWith(plain);
      op->erase();
    }
    // Step 2: the truncations, as integer operations.
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    // The integer operations the pattern builds must count as legal.
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addDynamicallyLegalOp<arith::TruncFOp>(
        [](arith::TruncFOp op) { return !expands(op); });
    RewritePatternSet patterns(context);
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyToHostCode(target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createExpandHostBF16Pass() {
  return std::make_unique<ExpandHostBF16Pass>();
}
