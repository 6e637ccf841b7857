// Uses the installed qblock dialect, its numerics and a pass.
#include "qblock/IR/QBlockDialect.h"
#include "qblock/IR/QBlockTypes.h"
#include "qblock/Numerics/BlockQuant.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static const char *kModule = R"mlir(
func.func @mm(%a: tensor<2x64xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<0.75> : tensor<64x8xf32>
  %r = linalg.matmul ins(%a, %w : tensor<2x64xf32>, tensor<64x8xf32>)
         outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}
)mlir";

int main() {
  DialectRegistry registry;
  registry.insert<qblock::QBlockDialect, func::FuncDialect, arith::ArithDialect,
                  linalg::LinalgDialect, tensor::TensorDialect>();
  MLIRContext context(registry);
  context.loadDialect<qblock::QBlockDialect>();

  Type type = parseType(
      "!qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect>, axis = 0>",
      &context);
  auto qtype = dyn_cast_or_null<qblock::QuantizedTensorType>(type);
  if (!qtype)
    return 1;
  llvm::outs() << "type: " << qtype << " bytes=" << qtype.getStorageBytes()
               << " bits/elem="
               << llvm::format(
                      "%.3f",
                      qtype.getBlockScheme().toNumerics().bitsPerElement())
               << "\n";

  // Remarks (e.g. why a matmul was left alone) to stderr.
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diag) {
    llvm::errs() << diag.getLocation() << ": " << diag << "\n";
    return success();
  });
  qblock::registerQBlockPasses();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kModule, &context);
  // Anchored on the module: parsing "builtin.module(...)" into a pass
  // manager anchored on "any" would nest it one module level too deep.
  PassManager pm(&context, ModuleOp::getOperationName());
  if (!module ||
      failed(parsePassPipeline(
          "func.func(qblock-quantize-linalg{scheme=nvfp4}),qblock-select-formats",
          pm)) ||
      failed(pm.run(*module)))
    return 2;
  module->print(llvm::outs());
  return 0;
}
