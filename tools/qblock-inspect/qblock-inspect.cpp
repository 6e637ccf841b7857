//===- qblock-inspect.cpp - Decode packed qblock constants ----------------===//
//
// Prints what the packed qblock.constant ops of a module hold: per block the
// dialect id, the scale code and the decoded values, using the numerics core
// (the same code the compiler uses). For reading packed weights and for
// tests that check packed bytes against hand-computed values.
//
//   qblock-inspect model.mlir --blocks=4
//
//===----------------------------------------------------------------------===//

#include "qblock/IR/QBlockDialect.h"
#include "qblock/IR/QBlockOps.h"
#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/Layout.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace qblock;
namespace num = ::qblock::numerics;

/// The tool's own options; --help hides the hundreds of LLVM and MLIR
/// options that linking libMLIR registers and this tool never reads.
static llvm::cl::OptionCategory inspectCategory("qblock-inspect options");

static llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                            llvm::cl::desc("<input .mlir>"),
                                            llvm::cl::init("-"),
                                            llvm::cl::cat(inspectCategory));
static llvm::cl::opt<bool> printAllValues(
    "values",
    llvm::cl::desc("Also print every decoded value in logical row-major "
                   "order, after a line 'values <name> <axis> <dims...>' "
                   "(for scripts)"),
    llvm::cl::init(false), llvm::cl::cat(inspectCategory));
static llvm::cl::opt<int64_t>
    maxBlocks("blocks",
              llvm::cl::desc("Blocks (or BCQ groups) to print per constant"),
              llvm::cl::init(4), llvm::cl::cat(inspectCategory));

/// The packed bytes of a constant, whether a dense_resource blob or an
/// inline (possibly splat) dense attribute.
static std::vector<uint8_t> packedBytes(ConstantOp op) {
  Attribute data = op.getData();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(data)) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob()) {
      ArrayRef<char> bytes = blob->getData();
      return std::vector<uint8_t>(bytes.begin(), bytes.end());
    }
    return {};
  }
  std::vector<uint8_t> bytes;
  for (APInt value : cast<DenseElementsAttr>(data).getValues<APInt>())
    bytes.push_back(static_cast<uint8_t>(value.getZExtValue()));
  return bytes;
}

static void printValues(llvm::raw_ostream &os, const float *values,
                        int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    os << (i ? " " : "") << llvm::format("%g", values[i]);
}

static void inspectBlockScheme(llvm::raw_ostream &os, QuantizedTensorType type,
                               ArrayRef<uint8_t> packed, int64_t rows) {
  num::Scheme scheme = type.getBlockScheme().toNumerics();
  num::BlockLayout layout = num::computeLayout(rows, type.getAxisSize(), scheme);
  os << "  " << layout.totalBytes << " bytes, "
     << llvm::format("%g", scheme.bitsPerElement()) << " bits/element, "
     << rows * layout.blocksPerRow << " blocks of "
     << scheme.blockSize << "\n";
  std::vector<float> values(scheme.blockSize);
  num::QuantizedBlock block;
  int64_t printed = 0;
  for (int64_t row = 0; row < rows && printed < maxBlocks; ++row) {
    for (int64_t b = 0; b < layout.blocksPerRow && printed < maxBlocks;
         ++b, ++printed) {
      num::unpackBlock(packed.data(), layout, row, b, block);
      num::dequantizeBlock(block, scheme, values.data());
      os << "  row " << row << " block " << b << ": dialect "
         << int(block.dialect) << ", scale " << num::scaleKindName(scheme.scale)
         << " 0x" << llvm::format_hex_no_prefix(block.scaleCode,
                                                num::scaleBytes(scheme.scale) * 2)
         << " = " << llvm::format("%g", num::decodeScale(scheme.scale,
                                                          block.scaleCode))
         << "\n    values: ";
      printValues(os, values.data(), scheme.blockSize);
      os << "\n";
    }
  }
}

static void inspectBCQ(llvm::raw_ostream &os, QuantizedTensorType type,
                       ArrayRef<uint8_t> packed, int64_t rows) {
  num::BCQScheme scheme = type.getBCQScheme().toNumerics();
  int64_t k = type.getAxisSize();
  num::BCQLayout layout = num::computeBCQLayout(rows, k, scheme);
  os << "  " << layout.totalBytes << " bytes, "
     << llvm::format("%g", scheme.bitsPerElement()) << " bits/element, "
     << rows * layout.groupsPerRow << " groups of "
     << scheme.group << "\n";
  std::vector<float> decoded(k);
  int64_t printed = 0;
  for (int64_t row = 0; row < rows && printed < maxBlocks; ++row) {
    num::dequantizeBCQRows(packed.data(), layout, scheme, row, row + 1,
                           decoded.data() - row * k);
    for (int64_t g = 0; g < layout.groupsPerRow && printed < maxBlocks;
         ++g, ++printed) {
      os << "  row " << row << " group " << g << ": alphas";
      for (int i = 0; i < scheme.bits; ++i)
        os << ' '
           << llvm::format("%g", num::loadBCQAlpha(packed.data(), layout,
                                                   scheme, row, g, i));
      if (scheme.offset)
        os << ", offset "
           << llvm::format("%g", num::loadBCQOffset(packed.data(), layout,
                                                    scheme, row, g));
      os << "\n    values: ";
      printValues(os, decoded.data() + g * scheme.group, scheme.group);
      os << "\n";
    }
  }
}

/// Every decoded value in the logical layout, full float precision.
static void printLogicalValues(llvm::raw_ostream &os, StringRef name,
                               QuantizedTensorType type,
                               ArrayRef<uint8_t> packed, int64_t rows) {
  int64_t k = type.getAxisSize();
  std::vector<float> decoded =
      type.getBlockScheme()
          ? num::dequantizeMatrix(packed.data(), rows, k,
                                  type.getBlockScheme().toNumerics())
          : num::dequantizeBCQ(packed.data(), rows, k,
                               type.getBCQScheme().toNumerics());
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  std::vector<float> logical(decoded.size());
  num::scatterRows(decoded.data(), shape, type.getAxis(), logical.data());
  os << "values " << name << ' ' << type.getAxis();
  for (int64_t dim : shape)
    os << ' ' << dim;
  os << '\n';
  for (size_t i = 0; i < logical.size(); ++i)
    os << (i ? " " : "") << llvm::format("%.9g", logical[i]);
  os << '\n';
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::HideUnrelatedOptions(inspectCategory);
  llvm::cl::ParseCommandLineOptions(
      argc, argv, "qblock-inspect: decode the packed qblock constants of a "
                  "module\n");
  if (maxBlocks < 0) {
    llvm::errs() << "qblock-inspect: error: --blocks=" << maxBlocks
                 << " is negative; give a count of blocks to print (0 for "
                    "none)\n";
    return 1;
  }
  DialectRegistry registry;
  registerAllDialects(registry);
  registry.insert<QBlockDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  std::string error;
  auto file = openInputFile(inputFile, &error);
  if (!file) {
    llvm::errs() << "qblock-inspect: " << error << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  // Diagnostics as file:line:col with the source line, as quant-opt's.
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  context.printOpOnDiagnostic(false);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  llvm::raw_ostream &os = llvm::outs();
  int64_t constants = 0, unreadable = 0;
  module->walk([&](ConstantOp op) {
    QuantizedTensorType type = op.getType();
    // A blob's key, or inline#N (N counting constants in order), so that
    // every constant, and every --values header, has a name of its own.
    std::string name = "inline#" + std::to_string(constants);
    auto resource = dyn_cast<DenseResourceElementsAttr>(op.getData());
    if (resource)
      name = resource.getRawHandle().getKey().str();
    ++constants;
    os << "qblock.constant " << name << " : " << type << "\n";
    std::vector<uint8_t> packed = packedBytes(op);
    if (static_cast<int64_t>(packed.size()) != type.getStorageBytes()) {
      // Said on stderr too, with an exit status, so that a script does not
      // take the missing listing for an empty one.
      std::string why =
          resource && !resource.getRawHandle().getBlob()
              ? "its dense_resource blob has no data (elided when printed, "
                "or missing from the file's resources)"
              : "it holds " + std::to_string(packed.size()) +
                    " bytes, the type needs " +
                    std::to_string(type.getStorageBytes());
      os << "  (packed data unavailable: " << why << ")\n";
      op.emitError() << "cannot decode qblock.constant " << name << ": " << why;
      ++unreadable;
      return;
    }
    int64_t rows = type.getPackedRows();
    if (type.getBlockScheme())
      inspectBlockScheme(os, type, packed, rows);
    else
      inspectBCQ(os, type, packed, rows);
    if (printAllValues)
      printLogicalValues(os, name, type, packed, rows);
  });
  if (constants == 0)
    os << "no qblock.constant in " << inputFile << "\n";
  return unreadable ? 1 : 0;
}
