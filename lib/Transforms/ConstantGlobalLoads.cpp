//===- ConstantGlobalLoads.cpp - reads of constant ml_program globals -----===//
//
// Exporters that keep parameters out of the function body (IREE's and
// TOSA's variable handling, hand-written ml_program modules) read a weight
// as `ml_program.global_load_const @w` of an immutable `ml_program.global`
// that holds it. The value is as constant as an `arith.constant`, but
// --qblock-quantize-linalg saw "not a constant", and the pipelines failed
// in upstream's bufferization ("op was not bufferized": it bufferizes
// ml_program.global_load, not global_load_const). Both now read such loads
// as the constants they are.
//
//===----------------------------------------------------------------------===//

#include "ConstantGlobalLoads.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

TypedAttr qblock::constantGlobalValue(Operation *op) {
  SymbolRefAttr name;
  if (auto load = dyn_cast<ml_program::GlobalLoadConstOp>(op))
    name = load.getGlobal();
  else if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op))
    name = load.getGlobal();
  else
    return {};
  auto global = dyn_cast_or_null<ml_program::GlobalOp>(
      SymbolTable::lookupNearestSymbolFrom(op, name));
  if (!global || global.getIsMutable())
    return {};
  // Not #ml_program.extern, which is typed too but holds nothing.
  Attribute held = global.getValueAttr();
  if (!isa_and_nonnull<ElementsAttr, IntegerAttr, FloatAttr>(held))
    return {};
  auto value = cast<TypedAttr>(held);
  if (value.getType() != op->getResult(0).getType())
    return {};
  return value;
}

void qblock::replaceConstantGlobalLoads(
    Operation *root, llvm::function_ref<bool(Operation *)> select) {
  SmallVector<Operation *> loads;
  root->walk([&](Operation *op) {
    if (isa<ml_program::GlobalLoadConstOp, ml_program::GlobalLoadOp>(op))
      loads.push_back(op);
  });
  for (Operation *load : loads) {
    TypedAttr value = constantGlobalValue(load);
    if (!value || (select && !select(load)))
      continue;
    OpBuilder builder(load);
    auto constant = arith::ConstantOp::create(builder, load->getLoc(), value);
    load->getResult(0).replaceAllUsesWith(constant.getResult());
    load->erase();
  }
}

namespace {

struct ConstantGlobalLoadsPass
    : PassWrapper<ConstantGlobalLoadsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ConstantGlobalLoadsPass)

  ConstantGlobalLoadsPass() = default;
  // The option is not copyable; clone() copies its value afterwards.
  ConstantGlobalLoadsPass(const ConstantGlobalLoadsPass &other)
      : PassWrapper(other) {}

  StringRef getArgument() const override {
    return "qblock-constant-global-loads";
  }
  StringRef getDescription() const override {
    return "Read loads of immutable ml_program globals as constants, and "
           "fail on constant loads of globals without a value";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    qblock::replaceConstantGlobalLoads(module);
    for (auto global :
         llvm::make_early_inc_range(module.getOps<ml_program::GlobalOp>()))
      if (global.isPrivate() && !global.getIsMutable() &&
          SymbolTable::symbolKnownUseEmpty(global, module))
        global.erase();
    bool failed = false;
    getOperation().walk([&](ml_program::GlobalLoadConstOp load) {
      load.emitError() << "--" << pipeline
                       << " cannot lower this load: " << load.getGlobal()
                       << " holds no value of the load's type in this module "
                          "(an external global, or a value of another type); "
                          "give the global its value";
      failed = true;
    });
    if (failed)
      signalPassFailure();
  }

  // An option, not a constructor argument, so that a printed pipeline
  // parses again with the same message.
  Option<std::string> pipeline{*this, "pipeline",
                               llvm::cl::desc("The pipeline the message names"),
                               llvm::cl::init("qblock-cpu-pipeline")};
};

} // namespace

std::unique_ptr<Pass> qblock::createConstantGlobalLoadsPass() {
  return std::make_unique<ConstantGlobalLoadsPass>();
}

std::unique_ptr<Pass>
qblock::createConstantGlobalLoadsPass(std::string pipeline) {
  auto pass = std::make_unique<ConstantGlobalLoadsPass>();
  pass->pipeline = std::move(pipeline);
  return pass;
}
