//===- parser_fuzzer.cpp - Parse arbitrary text as qblock IR --------------===//
//
// Feeds arbitrary bytes to the MLIR parser with the qblock dialect loaded,
// as a whole module and as a standalone attribute and type, then verifies
// and prints what parsed, and runs the qblock passes and the CPU lowering
// on modules that verify. Malformed input must end in a diagnostic, never
// a crash, a sanitizer report or a hang.
//
//===----------------------------------------------------------------------===//

#include "qblock/IR/QBlockDialect.h"
#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockOps.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MLIRContext *context = [] {
    DialectRegistry registry;
    registry.insert<qblock::QBlockDialect, func::FuncDialect,
                    arith::ArithDialect, tensor::TensorDialect,
                    linalg::LinalgDialect>();
    auto *ctx = new MLIRContext(registry);
    ctx->loadAllAvailableDialects();
    ctx->disableMultithreading();
    return ctx;
  }();
  // Silence diagnostics: the fuzzer only cares about crashes.
  ScopedDiagnosticHandler quiet(context, [](Diagnostic &) { return success(); });
  std::string text(reinterpret_cast<const char *>(data), size);

  ParserConfig config(context);
  if (OwningOpRef<Operation *> op = parseSourceString(text, config)) {
    if (succeeded(verify(*op))) {
      std::string printed;
      llvm::raw_string_ostream os(printed);
      op->print(os);
      // The passes on whatever verifies: quantize, pack, lower.
      if (auto module = dyn_cast<ModuleOp>(*op)) {
        PassManager pm(context);
        pm.addNestedPass<func::FuncOp>(qblock::createQuantizeLinalg());
        pm.addPass(qblock::createSelectFormats());
        qblock::ConvertQBlockToCPUOptions lowering;
        lowering.target = "generic";
        pm.addPass(qblock::createConvertQBlockToCPU(lowering));
        (void)pm.run(module);
      }
    }
  }
  if (Attribute attr = parseAttribute(text, context)) {
    std::string printed;
    llvm::raw_string_ostream(printed) << attr;
  }
  if (Type type = parseType(text, context)) {
    std::string printed;
    llvm::raw_string_ostream(printed) << type;
  }
  return 0;
}
