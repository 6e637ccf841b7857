//===- CopyMutableGlobals.cpp - copies around mutable globals -------------===//
//
// MLIR 22's bufferization of ml_program models neither side of a mutable
// global right:
//
// - global_store declares that it writes its operand and does not read it.
//   When the stored value is also read afterwards (a KV cache returned and
//   stored), one-shot-bufferize gives the store a fresh buffer to "write",
//   copies nothing into it, since nothing is read, and the store then
//   copies that uninitialized buffer into the global.
// - global_load is the global's memory itself (a memref.get_global), so a
//   value loaded before a store to the same global changes under the
//   store.
//
// Both gave silently wrong outputs, in float code as well (found by an
// adversarial run over the pipelines' host code, 2026-12-07). Before
// bufferization this pass gives the value of every store, and every load of
// a global that some store in the module writes, a copy of its own
// (bufferization.alloc_tensor copy(...)): the store's operand is then used
// by nothing else, and a load is a snapshot. Globals no store writes cost
// nothing. Each store or load of a written global copies the global once
// more than before, the price of values that stay what they were.
//
//===----------------------------------------------------------------------===//

#include "CopyMutableGlobals.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace {

/// A copy of `value` at `b`'s insertion point, or null where the type is
/// not a statically shaped tensor (ml_program's bufferization takes no
/// other).
Value copyOf(OpBuilder &b, Location loc, Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return Value();
  return bufferization::AllocTensorOp::create(b, loc, type, ValueRange{},
                                              value);
}

struct CopyMutableGlobalsPass
    : PassWrapper<CopyMutableGlobalsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CopyMutableGlobalsPass)

  StringRef getArgument() const override {
    return "qblock-copy-mutable-globals";
  }
  StringRef getDescription() const override {
    return "Copy the values ml_program stores, and loads of globals that are "
           "stored to, so that bufferization keeps them intact";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<bufferization::BufferizationDialect>();
  }

  void runOnOperation() override {
    SmallVector<ml_program::GlobalStoreOp> stores;
    llvm::StringSet<> written;
    getOperation().walk([&](ml_program::GlobalStoreOp store) {
      stores.push_back(store);
      written.insert(store.getGlobal().getLeafReference().getValue());
    });
    if (stores.empty())
      return;
    for (ml_program::GlobalStoreOp store : stores) {
      OpBuilder b(store);
      if (Value copy = copyOf(b, store.getLoc(), store.getValue()))
        store.getValueMutable().set(copy);
    }
    getOperation().walk([&](ml_program::GlobalLoadOp load) {
      if (!written.contains(load.getGlobal().getLeafReference().getValue()))
        return;
      OpBuilder b(load->getContext());
      b.setInsertionPointAfter(load);
      Value copy = copyOf(b, load.getLoc(), load.getResult());
      if (copy)
        load.getResult().replaceAllUsesExcept(copy, copy.getDefiningOp());
    });
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createCopyMutableGlobalsPass() {
  return std::make_unique<CopyMutableGlobalsPass>();
}
