//===- LowerMemRefReshape.cpp - memref.reshape as a reinterpret_cast ------===//
//
// tensor.reshape (which quantize-linalg emits to expand a collapsed batch
// and M when both are dynamic: MLIR 22's expand-strided-metadata crashes on
// a memref.expand_shape with two dynamic sizes in one group) bufferizes to
// memref.reshape. The CPU pipeline's finalize-memref-to-llvm lowers it, but
// the host half of the GPU pipeline leaves it, and the module then fails
// in translation. Both pipelines now take this path instead: the source has
// an identity layout (the op's verifier demands it), so the result is the
// same buffer with the loaded sizes and row-major strides.
//
// The same crash (llvm/llvm-project#186830, fixed after LLVM 22) hits a
// user's own tensor.expand_shape with two dynamic sizes in one group, which
// is how torch-mlir writes nn.Linear on a [batch, sequence, hidden] input
// after collapsing batch and sequence. Such a memref.expand_shape becomes a
// reinterpret_cast too: the source's offset, and per group the source
// dimension's stride times the sizes after it in the group. Expand shapes
// with at most one dynamic size per group keep the upstream lowering.
//
//===----------------------------------------------------------------------===//

#include "LowerMemRefReshape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace {

/// a * b for index sizes and strides, folded while both are static.
OpFoldResult multiply(PatternRewriter &rewriter, Location loc, OpFoldResult a,
                      OpFoldResult b) {
  std::optional<int64_t> staticA = getConstantIntValue(a);
  std::optional<int64_t> staticB = getConstantIntValue(b);
  if (staticA && staticB)
    return rewriter.getIndexAttr(*staticA * *staticB);
  // Zero times anything is a static zero, as the expanded type has it
  // (upstream's layout inference); a dynamic value there would not verify.
  if (staticA == 0 || staticB == 0)
    return rewriter.getIndexAttr(0);
  return arith::MulIOp::create(rewriter, loc,
                               getValueOrCreateConstantIndexOp(rewriter, loc, a),
                               getValueOrCreateConstantIndexOp(rewriter, loc, b))
      .getResult();
}

/// Strides of dimensions `dims` (outer to inner) laid out one after the
/// other, the innermost with stride `innermost`: each is the next inner
/// one times that one's size.
void rowMajorStrides(PatternRewriter &rewriter, Location loc,
                     OpFoldResult innermost, ArrayRef<int64_t> dims,
                     ArrayRef<OpFoldResult> sizes,
                     MutableArrayRef<OpFoldResult> strides) {
  OpFoldResult stride = innermost;
  for (int64_t dim : llvm::reverse(dims)) {
    strides[dim] = stride;
    stride = multiply(rewriter, loc, stride, sizes[dim]);
  }
}

struct ReshapeToReinterpretCast : OpRewritePattern<memref::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<MemRefType>(op.getResult().getType());
    auto shapeType = cast<MemRefType>(op.getShape().getType());
    if (!resultType || !shapeType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unranked result");
    Location loc = op.getLoc();
    int64_t rank = resultType.getRank();
    SmallVector<OpFoldResult> sizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (!resultType.isDynamicDim(dim)) {
        sizes.push_back(rewriter.getIndexAttr(resultType.getDimSize(dim)));
        continue;
      }
      Value index = arith::ConstantIndexOp::create(rewriter, loc, dim);
      Value size = memref::LoadOp::create(rewriter, loc, op.getShape(), index);
      if (!size.getType().isIndex())
        size = arith::IndexCastOp::create(rewriter, loc,
                                          rewriter.getIndexType(), size);
      sizes.push_back(size);
    }
    // Row-major strides, static as far as the trailing sizes are.
    SmallVector<OpFoldResult> strides(rank);
    rowMajorStrides(rewriter, loc, rewriter.getIndexAttr(1),
                    llvm::to_vector(llvm::seq<int64_t>(0, rank)), sizes,
                    strides);
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, resultType, op.getSource(), rewriter.getIndexAttr(0), sizes,
        strides);
    return success();
  }
};

struct ExpandShapeToReinterpretCast
    : OpRewritePattern<memref::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::ExpandShapeOp op,
                                PatternRewriter &rewriter) const override {
    MemRefType resultType = op.getResultType();
    SmallVector<ReassociationIndices> groups = op.getReassociationIndices();
    bool crashes = llvm::any_of(groups, [&](const ReassociationIndices &group) {
      return llvm::count_if(group, [&](int64_t dim) {
               return resultType.isDynamicDim(dim);
             }) > 1;
    });
    if (!crashes)
      return rewriter.notifyMatchFailure(op, "upstream lowers it");
    Location loc = op.getLoc();
    auto source = memref::ExtractStridedMetadataOp::create(rewriter, loc,
                                                           op.getSrc());
    SmallVector<OpFoldResult> sourceStrides = source.getConstifiedMixedStrides();
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    SmallVector<OpFoldResult> strides(resultType.getRank());
    for (auto [sourceDim, group] : llvm::enumerate(groups))
      rowMajorStrides(rewriter, loc, sourceStrides[sourceDim], group, sizes,
                      strides);
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, resultType, op.getSrc(), source.getConstifiedMixedOffset(), sizes,
        strides);
    return success();
  }
};

struct LowerMemRefReshapePass
    : PassWrapper<LowerMemRefReshapePass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerMemRefReshapePass)
  StringRef getArgument() const override {
    return "qblock-lower-memref-reshape";
  }
  StringRef getDescription() const override {
    return "Rewrite memref.reshape (shape of static length), and "
           "memref.expand_shape with two dynamic sizes in one group, into "
           "memref.reinterpret_cast";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, memref::MemRefDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ReshapeToReinterpretCast, ExpandShapeToReinterpretCast>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createLowerMemRefReshapePass() {
  return std::make_unique<LowerMemRefReshapePass>();
}
