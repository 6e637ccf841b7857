//===- quant-opt.cpp - mlir-opt with qblock -------------------------------===//
//
// Every upstream dialect, extension and pass, plus the qblock dialect and its
// passes, so that users can run qblock passes inside their existing
// pipelines.
//
//===----------------------------------------------------------------------===//

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockDialect.h"
#include "qblock/Pipelines/Pipelines.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates device code to LLVM IR in-process.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllPasses();
  registry.insert<qblock::QBlockDialect>();
  qblock::registerQBlockPasses();
  qblock::registerQBlockConversionPasses();
  qblock::registerQBlockPipelines();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "qblock optimizer driver: mlir-opt plus the qblock dialect\n",
      registry));
}
