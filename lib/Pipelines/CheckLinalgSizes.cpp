//===- CheckLinalgSizes.cpp - run-time checks of linalg sizes -------------===//
//
// qblock's own ops check at run time the sizes their types leave dynamic
// (QBlockOps.cpp, emitRuntimeShapeChecks), so a wrong K is an error naming
// the op. A linalg op the pipelines take as it is (a matmul left in float:
// its K is not a multiple of the block size, or it was not quantized)
// checked nothing: called with activations of another K than its weight's,
// it read past the weight, giving garbage or, for a large K, a crash
// (found by an adversarial run over the Python package, 2026-12-07).
//
// The pipelines now start with this pass: before each linalg op with a
// dynamic operand size, upstream's run-time verification of linalg (every
// operand's sizes against the loop ranges) with the message qblock's checks
// use: the op, its file location, what differs. Ops with static shapes
// need none (the verifier checked them), and kernels' bodies are left
// alone.
//
//===----------------------------------------------------------------------===//

#include "CheckLinalgSizes.h"

#include "qblock/IR/QBlockOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/RuntimeVerifiableOpInterface.h"

using namespace mlir;

namespace {

/// Whether some operand of `op` has a dynamic size.
bool hasDynamicSize(linalg::LinalgOp op) {
  return llvm::any_of(op->getOperandTypes(), [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return shaped && shaped.hasRank() && !shaped.hasStaticShape();
  });
}

struct CheckLinalgSizesPass
    : PassWrapper<CheckLinalgSizesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckLinalgSizesPass)

  StringRef getArgument() const override { return "qblock-check-linalg-sizes"; }
  StringRef getDescription() const override {
    return "Check at run time that the dynamic sizes of each linalg op's "
           "operands agree (the pipelines' first step)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    // What upstream's checks are built from.
    registry.insert<arith::ArithDialect, cf::ControlFlowDialect,
                    index::IndexDialect, scf::SCFDialect, tensor::TensorDialect,
                    memref::MemRefDialect>();
  }

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> checked;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp, gpu::GPUModuleOp>(op))
        return WalkResult::skip();
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
          linalgOp && hasDynamicSize(linalgOp) &&
          isa<RuntimeVerifiableOpInterface>(op))
        checked.push_back(linalgOp);
      return WalkResult::advance();
    });
    for (linalg::LinalgOp op : checked) {
      OpBuilder builder(op);
      cast<RuntimeVerifiableOpInterface>(op.getOperation())
          .generateRuntimeVerification(builder, op.getLoc(),
                                       qblock::runtimeCheckMessage);
    }
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createCheckLinalgSizesPass() {
  return std::make_unique<CheckLinalgSizesPass>();
}
