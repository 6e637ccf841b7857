//===- ReportAssertsOnStderr.cpp - failed asserts say why -----------------===//
//
// The matmuls' run-time shape checks (generateRuntimeVerification, which the
// lowerings emit) are cf.asserts. Upstream lowers a cf.assert to puts() and
// abort(): puts writes to stdout, which is fully buffered when it is a pipe
// or a file, and abort does not flush it, so under `mlir-runner ... | tee
// log` (or in CI) the program died with no message at all. This pass, run by
// the pipelines before control flow is lowered, rewrites each host
// cf.assert into an scf.if that writes the message and a newline to file
// descriptor 2 with write() (unbuffered) and then aborts. An scf.if, not a
// block split, so that asserts inside any region are handled alike.
//
// Asserts in GPU code (gpu.launch bodies, gpu.module) are left alone: the
// device has no write(). So are those of nested modules (the pipelines
// reject those first), and every assert of a module that already has a
// `write` or `abort` other than the C library's declaration: they stay
// cf.asserts, as they were before this pass.
//
//===----------------------------------------------------------------------===//

#include "ReportAssertsOnStderr.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace {

struct ReportAssertsOnStderrPass
    : PassWrapper<ReportAssertsOnStderrPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ReportAssertsOnStderrPass)

  StringRef getArgument() const override {
    return "qblock-report-asserts-on-stderr";
  }
  StringRef getDescription() const override {
    return "Make host cf.asserts write their message to stderr (unbuffered) "
           "before aborting, instead of to stdout, which abort() does not "
           "flush";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, LLVM::LLVMDialect, scf::SCFDialect>();
  }

  /// Whether `name` is free, or already the LLVM declaration of `type`.
  static bool usable(ModuleOp module, StringRef name,
                     LLVM::LLVMFunctionType type) {
    Operation *symbol = SymbolTable::lookupSymbolIn(module, name);
    auto func = dyn_cast_or_null<LLVM::LLVMFuncOp>(symbol);
    return !symbol || (func && func.getFunctionType() == type);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<cf::AssertOp> asserts;
    module.walk([&](cf::AssertOp op) {
      if (op->getParentOfType<ModuleOp>() == module &&
          !op->getParentOfType<gpu::LaunchOp>() &&
          !op->getParentOfType<gpu::GPUModuleOp>())
        asserts.push_back(op);
    });
    if (asserts.empty())
      return;

    MLIRContext *ctx = module.getContext();
    OpBuilder b(ctx);
    auto i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto writeType = LLVM::LLVMFunctionType::get(i64, {i32, ptr, i64});
    auto abortType =
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {});
    // Both or neither: nothing is declared for nothing.
    if (!usable(module, "write", writeType) ||
        !usable(module, "abort", abortType))
      return;
    // As qblock-guard-cpu-features declares them (usable made sure).
    auto declare = [&](StringRef name, LLVM::LLVMFunctionType type) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      FailureOr<LLVM::LLVMFuncOp> fn = LLVM::lookupOrCreateFn(
          b, module, name, type.getParams(), type.getReturnType());
      assert(succeeded(fn) && "usable checked the symbol");
      return *fn;
    };
    LLVM::LLVMFuncOp write = declare("write", writeType);
    LLVM::LLVMFuncOp abort = declare("abort", abortType);

    SymbolTable symbols(module);
    // One global per distinct message.
    llvm::StringMap<LLVM::GlobalOp> messages;
    for (cf::AssertOp op : asserts) {
      std::string text = (op.getMsg() + "\n").str();
      LLVM::GlobalOp &global = messages[text];
      if (!global) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(module.getBody());
        auto type =
            LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), text.size());
        global = LLVM::GlobalOp::create(
            b, op.getLoc(), type, /*isConstant=*/true, LLVM::Linkage::Private,
            "__qblock_assert_message", b.getStringAttr(text));
        symbols.insert(global); // renamed if the name is taken
      }
      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      Value failed = arith::XOrIOp::create(
          b, loc, op.getArg(),
          arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
      scf::IfOp::create(b, loc, failed, [&](OpBuilder &tb, Location tl) {
        Value address = LLVM::AddressOfOp::create(tb, tl, global);
        Value stderrFd =
            LLVM::ConstantOp::create(tb, tl, i32, tb.getI32IntegerAttr(2));
        Value length = LLVM::ConstantOp::create(
            tb, tl, i64, tb.getI64IntegerAttr(text.size()));
        LLVM::CallOp::create(tb, tl, write,
                             ValueRange{stderrFd, address, length});
        LLVM::CallOp::create(tb, tl, abort, ValueRange{});
        scf::YieldOp::create(tb, tl);
      });
      op.erase();
    }
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createReportAssertsOnStderrPass() {
  return std::make_unique<ReportAssertsOnStderrPass>();
}
