//===- CopyStridedCallOperands.cpp - contiguous buffers for calls ---------===//
//
// The pipelines bufferize function boundaries with identity layouts, so a
// callee's memref arguments are contiguous: qblock's lowerings copy and
// reshape them as flat arrays, and upstream's expand-strided-metadata
// derives an identity-layout memref's strides from its sizes. A caller that
// passes a slice of a bigger tensor (columns 0..31 of 64, say) breaks that:
// MLIR 22's one-shot-bufferize copies such a view into a fresh buffer when
// its shape is static, but when the slice's sizes are dynamic it emits a
// memref.cast from the strided view to the identity type instead (legal,
// since the identity type's strides are unknown too) and the callee then
// reads the rows at the wrong stride: silently wrong outputs, in float code
// as well as in qblock's kernels (found by an adversarial run, 2026-12-07).
//
// This pass, run right after bufferization, does for dynamic slices what
// bufferization does for static ones: the call gets a contiguous copy of
// the view (memref.alloc + memref.copy; buffer deallocation frees it).
// Nothing is copied back: after one-shot-bufferize the caller reads what a
// callee wrote only through the call's results, and a slice the caller
// reads again was already copied if the callee may write it. Views whose
// layout is contiguous from offset 0 anyway are passed as they are.
//
//===----------------------------------------------------------------------===//

#include "CopyStridedCallOperands.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace {

/// Whether `cast` turns a view that may not be contiguous or may start past
/// its buffer's beginning into an identity-layout memref, which claims both
/// (its offset is a static 0 to every lowering after this).
bool castsAwayStrides(memref::CastOp cast) {
  auto source = dyn_cast<MemRefType>(cast.getSource().getType());
  auto result = dyn_cast<MemRefType>(cast.getType());
  if (!source || !result || !result.getLayout().isIdentity() ||
      source.getLayout().isIdentity())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(source.getStridesAndOffset(strides, offset)))
    return true;
  return offset != 0 || !source.areTrailingDimsContiguous(source.getRank());
}

struct CopyStridedCallOperandsPass
    : PassWrapper<CopyStridedCallOperandsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CopyStridedCallOperandsPass)

  StringRef getArgument() const override {
    return "qblock-copy-strided-call-operands";
  }
  StringRef getDescription() const override {
    return "Pass contiguous copies, not casts, of strided views to calls "
           "whose callee takes identity-layout memrefs";
  }

  void runOnOperation() override {
    SmallVector<OpOperand *> operands;
    getOperation().walk([&](func::CallOp call) {
      for (OpOperand &operand : call->getOpOperands())
        if (auto cast = operand.get().getDefiningOp<memref::CastOp>())
          if (castsAwayStrides(cast))
            operands.push_back(&operand);
    });
    // One copy per view and call: a view passed twice stays one buffer.
    DenseMap<std::pair<Operation *, Operation *>, Value> copies;
    for (OpOperand *operand : operands) {
      auto view = operand->get().getDefiningOp<memref::CastOp>();
      auto type = cast<MemRefType>(view.getType());
      Operation *call = operand->getOwner();
      if (Value copy = copies.lookup({view, call})) {
        operand->set(copy);
        if (view->use_empty())
          view->erase();
        continue;
      }
      OpBuilder b(call);
      Location loc = call->getLoc();
      SmallVector<Value> sizes;
      for (int64_t dim = 0; dim < type.getRank(); ++dim)
        if (type.isDynamicDim(dim))
          sizes.push_back(memref::DimOp::create(b, loc, view.getSource(), dim));
      Value copy =
          memref::AllocOp::create(b, loc, type, sizes, b.getI64IntegerAttr(64));
      memref::CopyOp::create(b, loc, view.getSource(), copy);
      copies[{view, call}] = copy;
      operand->set(copy);
      if (view->use_empty())
        view->erase();
    }
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createCopyStridedCallOperandsPass() {
  return std::make_unique<CopyStridedCallOperandsPass>();
}
