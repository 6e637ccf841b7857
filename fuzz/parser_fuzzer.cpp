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
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

using namespace mlir;

namespace {

/// Whether `rest` (what follows a `[`) does not start with a well-formed
/// list of i64 literals and its `]`: `]`, or `-`? digits, then `,` and
/// another or `]`, with spaces anywhere between.
bool malformedI64List(llvm::StringRef rest) {
  rest = rest.ltrim();
  if (rest.consume_front("]"))
    return false;
  while (true) {
    rest.consume_front("-");
    size_t digits = 0;
    while (digits < rest.size() && llvm::isDigit(rest[digits]))
      ++digits;
    // 18 digits always fit an i64.
    if (digits == 0 || digits > 18)
      return true;
    rest = rest.drop_front(digits).ltrim();
    if (rest.consume_front("]"))
      return false;
    if (!rest.consume_front(","))
      return true;
    rest = rest.ltrim();
  }
}

/// Whether the text would crash MLIR 22's own parser in one of the two ways
/// known (docs/reliability.md; stock mlir-opt crashes the same way). Such
/// inputs are skipped so that the fuzzer keeps looking for crashes of its
/// own instead of stopping at these.
bool hitsKnownUpstreamCrash(llvm::StringRef text) {
  // A hex resource blob whose 4-byte alignment header is 0: MLIR 22
  // rejects alignments that are not powers of two but lets 0 through to
  // the allocator, which aborts ("Buffer allocation failed").
  if (text.contains("\"0x00000000"))
    return true;
  // `permutation =` or `dimensions =` followed by anything but a list of
  // i64 literals: the linalg parsers for transpose, broadcast and reduce
  // (parseDenseI64ArrayAttr in LinalgOps.cpp) store what
  // DenseI64ArrayAttr::parse returns without checking it, so a malformed
  // list is a null attribute, and its first use segfaults.
  for (llvm::StringRef key : {"permutation", "dimensions"}) {
    for (size_t at = text.find(key); at != llvm::StringRef::npos;
         at = text.find(key, at + 1)) {
      llvm::StringRef rest = text.drop_front(at + key.size()).ltrim();
      if (!rest.consume_front("="))
        continue;
      rest = rest.ltrim();
      if (!rest.consume_front("[") || malformedI64List(rest))
        return true;
    }
  }
  return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One context serves many inputs (a new one per input would dominate the
  // run time) but is renewed every kInputsPerContext inputs: it keeps every
  // attribute and type it has uniqued, and one context grew past
  // libFuzzer's 2 GiB RSS limit after about 2 million inputs.
  constexpr unsigned kInputsPerContext = 100000;
  static std::unique_ptr<MLIRContext> owned;
  static unsigned inputs = 0;
  if (!owned || ++inputs % kInputsPerContext == 0) {
    DialectRegistry registry;
    registry.insert<qblock::QBlockDialect, func::FuncDialect,
                    arith::ArithDialect, tensor::TensorDialect,
                    linalg::LinalgDialect>();
    owned.reset(); // the old context goes first: never two at once
    owned = std::make_unique<MLIRContext>(registry);
    owned->loadAllAvailableDialects();
    owned->disableMultithreading();
  }
  MLIRContext *context = owned.get();
  // Silence diagnostics: the fuzzer only cares about crashes.
  ScopedDiagnosticHandler quiet(context, [](Diagnostic &) { return success(); });
  std::string text(reinterpret_cast<const char *>(data), size);
  if (hitsKnownUpstreamCrash(text))
    return 0;

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
