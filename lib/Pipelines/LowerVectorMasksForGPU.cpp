//===- LowerVectorMasksForGPU.cpp - mask constants before NVVM ------------===//
//
// The generic loop nests use vector.constant_mask for partial rows (e.g.
// LUT-GEMM's chunked path when a tile's rows run past N). On the CPU,
// convert-vector-to-llvm turns it into a constant; convert-gpu-to-nvvm
// has no pattern for it, so the op survived into the kernel and LLVM
// translation failed ("missing LLVMTranslationDialectInterface ...
// vector.constant_mask"). The GPU pipeline replaces each one by the
// arith.constant of its i1 values before the loop nests become kernels.
//
//===----------------------------------------------------------------------===//

#include "LowerVectorMasksForGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace {

/// vector.constant_mask [d0, d1, ...] -> arith.constant: element (i0, i1,
/// ...) is true iff i_j < d_j for every j.
struct ConstantMaskToConstant : OpRewritePattern<vector::ConstantMaskOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::ConstantMaskOp op,
                                PatternRewriter &rewriter) const override {
    VectorType type = op.getVectorType();
    if (type.isScalable())
      return rewriter.notifyMatchFailure(op, "scalable masks stay");
    ArrayRef<int64_t> shape = type.getShape();
    ArrayRef<int64_t> sizes = op.getMaskDimSizes();
    SmallVector<bool> values;
    for (int64_t linear = 0; linear < type.getNumElements(); ++linear) {
      bool inside = true;
      int64_t rest = linear;
      for (int64_t dim = type.getRank() - 1; dim >= 0; --dim) {
        inside = inside && rest % shape[dim] < sizes[dim];
        rest /= shape[dim];
      }
      values.push_back(inside);
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, DenseElementsAttr::get(type, ArrayRef<bool>(values)));
    return success();
  }
};

struct LowerVectorMasksForGPUPass
    : PassWrapper<LowerVectorMasksForGPUPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerVectorMasksForGPUPass)
  StringRef getArgument() const override {
    return "qblock-lower-vector-masks-for-gpu";
  }
  StringRef getDescription() const override {
    return "Replace vector.constant_mask by arith.constant "
           "(convert-gpu-to-nvvm has no pattern for it)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, vector::VectorDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConstantMaskToConstant>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createLowerVectorMasksForGPUPass() {
  return std::make_unique<LowerVectorMasksForGPUPass>();
}
