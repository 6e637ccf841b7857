//===- ExpandMathForGPU.cpp - math ops without libdevice ------------------===//
//
// convert-gpu-to-nvvm lowers math.absf, math.floor and math.ceil to calls
// of the libdevice functions __nv_fabsf / __nv_floorf / __nv_ceilf, and it
// marks the LLVM intrinsics (llvm.intr.fabs, ...) illegal, so they cannot
// be used instead. Those calls only resolve when the NVVM target finds a CUDA
// toolkit through CUDA_HOME/CUDA_ROOT/CUDA_PATH while compiling; otherwise
// the PTX keeps unresolved externs that ptxas and the driver reject.
// The quantization kernels need only these three functions (ceil: the INT8
// activation quantizer), and all have exact expansions in integer/float
// arith ops, so the GPU pipeline expands them before outlining and never
// depends on libdevice.
//
//===----------------------------------------------------------------------===//

#include "ExpandMathForGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace {

/// A constant of `type` (scalar or vector) with every element `value`.
Value splat(PatternRewriter &rewriter, Location loc, Type type,
            TypedAttr element) {
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(vector, element));
  return arith::ConstantOp::create(rewriter, loc, element);
}

/// Same shape as `type`, with element type `element`.
Type withElement(Type type, Type element) {
  if (auto vector = dyn_cast<VectorType>(type))
    return vector.clone(element);
  return element;
}

/// The bits of float (or vector of float) `x` ANDed with `mask(width)`, as
/// an integer of the same width and shape: the shared step of |x| (clear
/// the sign) and of restoring a sign (keep only the sign).
Value maskedBits(PatternRewriter &rewriter, Location loc, Value x,
                 APInt (*mask)(unsigned width)) {
  unsigned width = getElementTypeOrSelf(x.getType()).getIntOrFloatBitWidth();
  auto intElement = rewriter.getIntegerType(width);
  Type intType = withElement(x.getType(), intElement);
  Value bits = arith::BitcastOp::create(rewriter, loc, intType, x);
  Value maskValue = splat(rewriter, loc, intType,
                          rewriter.getIntegerAttr(intElement, mask(width)));
  return arith::AndIOp::create(rewriter, loc, bits, maskValue);
}

/// |x| by clearing the sign bit: exact for every value including -0, inf
/// and NaN.
Value absBySignClear(PatternRewriter &rewriter, Location loc, Value x) {
  return arith::BitcastOp::create(
      rewriter, loc, x.getType(),
      maskedBits(rewriter, loc, x, APInt::getSignedMaxValue));
}

/// math.absf -> absBySignClear.
struct ExpandAbsF : OpRewritePattern<math::AbsFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::AbsFOp op,
                                PatternRewriter &rewriter) const override {
    if (!isa<FloatType>(getElementTypeOrSelf(op.getType())))
      return failure();
    rewriter.replaceOp(op, absBySignClear(rewriter, op.getLoc(), op.getOperand()));
    return success();
  }
};

/// floor(x) for f32/f64: truncate through a wide integer and step down when
/// truncation rounded up (negative non-integers). Values with |x| at or above
/// 2^mantissa are already integers (as are inf), and NaN fails the range
/// compare, so those pass through unchanged. The integer round trip loses
/// the sign of -0.0; floor never changes the sign of its operand, so OR-ing
/// the operand's sign bit back in restores it and is a no-op otherwise.
struct ExpandFloor : OpRewritePattern<math::FloorOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FloorOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    auto floatType = dyn_cast<FloatType>(getElementTypeOrSelf(type));
    if (!floatType || (!floatType.isF32() && !floatType.isF64()))
      return failure();
    Location loc = op.getLoc();
    Value x = op.getOperand();
    Type intType = withElement(type, rewriter.getI64Type());
    Value truncated = arith::SIToFPOp::create(
        rewriter, loc, type, arith::FPToSIOp::create(rewriter, loc, intType, x));
    Value roundedUp = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OGT, truncated, x);
    Value one = splat(rewriter, loc, type, rewriter.getFloatAttr(floatType, 1.0));
    Value stepped = arith::SelectOp::create(
        rewriter, loc, roundedUp,
        arith::SubFOp::create(rewriter, loc, truncated, one), truncated);
    double limit = floatType.isF32() ? 8388608.0 : 4503599627370496.0;
    Value small = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OLT,
        absBySignClear(rewriter, loc, x),
        splat(rewriter, loc, type, rewriter.getFloatAttr(floatType, limit)));
    Value floored = arith::SelectOp::create(rewriter, loc, small, stepped, x);
    Value sign = maskedBits(rewriter, loc, x, APInt::getSignMask);
    Value withSign = arith::OrIOp::create(
        rewriter, loc,
        arith::BitcastOp::create(rewriter, loc, sign.getType(), floored), sign);
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, type, withSign);
    return success();
  }
};

/// ceil(x) = -floor(-x), which the floor pattern then expands. Exact, and
/// signs come out right: ceil(-0.3) = -floor(0.3) = -0.0, ceil(-0.0) =
/// -floor(0.0) = -0.0; NaN and inf pass through both negations.
struct ExpandCeil : OpRewritePattern<math::CeilOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::CeilOp op,
                                PatternRewriter &rewriter) const override {
    auto floatType = dyn_cast<FloatType>(getElementTypeOrSelf(op.getType()));
    if (!floatType || (!floatType.isF32() && !floatType.isF64()))
      return failure();
    Location loc = op.getLoc();
    Value negated = arith::NegFOp::create(rewriter, loc, op.getOperand());
    Value floored = math::FloorOp::create(rewriter, loc, negated);
    rewriter.replaceOpWithNewOp<arith::NegFOp>(op, floored);
    return success();
  }
};

struct ExpandMathForGPUPass
    : PassWrapper<ExpandMathForGPUPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandMathForGPUPass)
  StringRef getArgument() const override { return "qblock-expand-math-for-gpu"; }
  StringRef getDescription() const override {
    return "Expand math.absf/floor/ceil into arith ops (no libdevice)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandAbsF, ExpandFloor, ExpandCeil>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createExpandMathForGPUPass() {
  return std::make_unique<ExpandMathForGPUPass>();
}
