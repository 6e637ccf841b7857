//===- DecomposeAggregatedOps.cpp - linalg.softmax and kin ----------------===//
//
// linalg.softmax (torch-mlir's and IREE's attention) has no lowering to
// loops of its own: convert-linalg-to-loops leaves it, and it would reach
// translation unconverted. Upstream only decomposes it from the transform
// dialect (transform.structured.decompose_interface); this pass does the
// same for every op with AggregatedOpInterface, on tensors, before
// bufferization.
//
//===----------------------------------------------------------------------===//

#include "DecomposeAggregatedOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace {

struct DecomposeAggregatedOpsPass
    : PassWrapper<DecomposeAggregatedOpsPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(DecomposeAggregatedOpsPass)
  StringRef getArgument() const override {
    return "qblock-decompose-aggregated-ops";
  }
  StringRef getDescription() const override {
    return "Decompose linalg ops with AggregatedOpInterface (linalg.softmax) "
           "into the ops they aggregate";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, linalg::LinalgDialect,
                    math::MathDialect, tensor::TensorDialect>();
  }
  void runOnOperation() override {
    SmallVector<linalg::AggregatedOpInterface> aggregated;
    getOperation().walk([&](linalg::AggregatedOpInterface op) {
      // Upstream's decomposition builds tensor.empty intermediates, which
      // mix with buffer operands into invalid IR; an op on buffers is left
      // for the pipeline's final check to report.
      auto dps = dyn_cast<DestinationStyleOpInterface>(op.getOperation());
      if (!dps || dps.hasPureTensorSemantics())
        aggregated.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::AggregatedOpInterface op : aggregated) {
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> replacements =
          op.decomposeOperation(rewriter);
      if (failed(replacements)) {
        op->emitError("cannot decompose this op into ops the pipeline "
                      "lowers; rewrite it with linalg.generic");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, *replacements);
    }
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createDecomposeAggregatedOpsPass() {
  return std::make_unique<DecomposeAggregatedOpsPass>();
}
