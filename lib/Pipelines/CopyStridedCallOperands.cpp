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
// the view (memref.alloc + memref.copy; buffer deallocation frees it). A
// function that returns such a slice returns a copy too (its callers, C
// ones included, are promised plain identity-layout memrefs). Nothing is
// copied back: after one-shot-bufferize the caller reads what a callee
// wrote only through the call's results, and a slice the caller reads again
// was already copied if the callee may write it. That holds for the casts
// bufferization makes, so the pipelines run this pass once before it too,
// to mark the casts the user wrote (their types are the user's promise, and
// a callee may write through them); those stay. Views whose layout is
// contiguous from offset 0 anyway are passed as they are.
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

/// Marks the casts that existed before bufferization: those are the
/// user's, whose identity types the user's code promises.
constexpr llvm::StringLiteral kUserCast = "qblock.user_cast";

struct CopyStridedCallOperandsPass
    : PassWrapper<CopyStridedCallOperandsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CopyStridedCallOperandsPass)

  CopyStridedCallOperandsPass() = default;
  CopyStridedCallOperandsPass(const CopyStridedCallOperandsPass &other)
      : PassWrapper(other) {}

  StringRef getArgument() const override {
    return "qblock-copy-strided-call-operands";
  }
  StringRef getDescription() const override {
    return "Pass contiguous copies, not casts, of strided views to calls and "
           "returns of identity-layout memrefs (run once with "
           "mark-user-casts before bufferization, once after)";
  }

  void runOnOperation() override {
    if (markUserCasts) {
      getOperation().walk([&](memref::CastOp cast) {
        cast->setAttr(kUserCast, UnitAttr::get(&getContext()));
      });
      return;
    }
    SmallVector<OpOperand *> operands;
    getOperation().walk([&](Operation *op) {
      if (!isa<func::CallOp, func::ReturnOp>(op))
        return;
      for (OpOperand &operand : op->getOpOperands())
        if (auto cast = operand.get().getDefiningOp<memref::CastOp>())
          if (!cast->hasAttr(kUserCast) && castsAwayStrides(cast))
            operands.push_back(&operand);
    });
    // One copy per view and call: a view passed twice stays one buffer.
    DenseMap<std::pair<Operation *, Operation *>, Value> copies;
    for (OpOperand *operand : operands) {
      auto view = operand->get().getDefiningOp<memref::CastOp>();
      auto type = cast<MemRefType>(view.getType());
      Operation *user = operand->getOwner();
      Value &copy = copies[{view, user}];
      if (!copy) {
        OpBuilder b(user);
        Location loc = user->getLoc();
        SmallVector<Value> sizes;
        for (int64_t dim = 0; dim < type.getRank(); ++dim)
          if (type.isDynamicDim(dim))
            sizes.push_back(
                memref::DimOp::create(b, loc, view.getSource(), dim));
        copy = memref::AllocOp::create(b, loc, type, sizes,
                                       b.getI64IntegerAttr(64));
        memref::CopyOp::create(b, loc, view.getSource(), copy);
      }
      operand->set(copy);
      if (view->use_empty())
        view->erase();
    }
    getOperation().walk(
        [&](memref::CastOp cast) { cast->removeAttr(kUserCast); });
  }

  Option<bool> markUserCasts{
      *this, "mark-user-casts",
      llvm::cl::desc("Only mark the module's memref.casts as the user's "
                     "(before bufferization), so that the run after it "
                     "leaves them"),
      llvm::cl::init(false)};
};

} // namespace

std::unique_ptr<Pass> qblock::createCopyStridedCallOperandsPass() {
  return std::make_unique<CopyStridedCallOperandsPass>();
}

std::unique_ptr<Pass>
qblock::createCopyStridedCallOperandsPass(bool markUserCasts) {
  auto pass = std::make_unique<CopyStridedCallOperandsPass>();
  pass->markUserCasts = markUserCasts;
  return pass;
}
