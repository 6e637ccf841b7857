//===- Dialects.cpp - C API for the qblock dialect ------------------------===//

#include "qblock-c/Dialects.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockDialect.h"
#include "qblock/IR/QBlockTypes.h"
#include "qblock/Pipelines/Pipelines.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include <mutex>
#include <optional>

using namespace mlir;
using namespace qblock;
namespace num = qblock::numerics;

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(QBlock, qblock, qblock::QBlockDialect)

void qblockRegisterPasses(void) {
  // Pass registration is global and must not run twice.
  static std::once_flag once;
  std::call_once(once, [] {
    registerQBlockPasses();
    registerQBlockConversionPasses();
    registerQBlockPipelines();
  });
}

void qblockRegisterAllDialects(MlirDialectRegistry registry) {
  DialectRegistry &r = *unwrap(registry);
  registerAllDialects(r);
  registerAllExtensions(r);
  // The GPU pipeline serializes gpu.module to PTX through LLVM IR, which
  // needs the dialects' translations; quant-opt registers them too.
  registerAllToLLVMIRTranslations(r);
  r.insert<QBlockDialect>();
}

/// Diagnostics of the builders go to the context's handlers, as upstream's
/// *GetChecked functions do, but at an unknown location: a C caller has none.
static auto errorAt(MLIRContext *ctx) {
  return [ctx] { return emitError(UnknownLoc::get(ctx)); };
}

/// The context of a builder, with the qblock dialect loaded: its attributes
/// and types cannot be created before, and a registry that only knows the
/// dialect (qblockRegisterAllDialects, mlirDialectHandleInsertDialect) loads
/// it lazily, at the first parse.
static MLIRContext *withQBlock(MlirContext ctx) {
  MLIRContext *context = unwrap(ctx);
  // Loading a dialect is not thread-safe in MLIR: eight threads building
  // attributes on a fresh context crashed in getOrLoadDialect. Builders
  // called at once take turns here (the header says to load the dialect
  // first when other code shares the context too).
  static std::mutex loading;
  std::lock_guard<std::mutex> lock(loading);
  context->getOrLoadDialect<QBlockDialect>();
  return context;
}

static std::optional<num::ScaleKind> scaleKindNamed(StringRef name) {
  for (num::ScaleKind kind :
       {num::ScaleKind::E8M0, num::ScaleKind::E4M3, num::ScaleKind::F16})
    if (name == num::scaleKindName(kind))
      return kind;
  return std::nullopt;
}

static MlirStringRef staticString(StringRef s) {
  return mlirStringRefCreate(s.data(), s.size());
}

//===----------------------------------------------------------------------===//
// #qblock.book
//===----------------------------------------------------------------------===//

bool qblockAttributeIsAFormatBook(MlirAttribute attr) {
  return isa_and_present<FormatBookAttr>(unwrap(attr));
}

MlirAttribute qblockFormatBookAttrGet(MlirContext ctx, intptr_t numDialects,
                                      const int64_t *magnitudes) {
  MLIRContext *context = withQBlock(ctx);
  // Zero dialects must not reach the attribute: its empty table is how
  // the INT8 book is stored.
  // Checked before the size of `magnitudes` is computed from it, which a
  // huge count wrapped around (2^61 dialects read as an INT8 book).
  if (numDialects < 1 || numDialects > num::kMaxDialects) {
    errorAt(context)() << "a formatbook needs 1 to " << num::kMaxDialects
                       << " dialects, got " << numDialects;
    return MlirAttribute{nullptr};
  }
  ArrayRef<int64_t> flat(magnitudes, numDialects * num::kLevelsPerDialect);
  return wrap(FormatBookAttr::getChecked(errorAt(context), context, flat));
}

MlirAttribute qblockFormatBookAttrGetBuiltin(MlirContext ctx,
                                             MlirStringRef name) {
  MLIRContext *context = withQBlock(ctx);
  StringRef n = unwrap(name);
  std::optional<num::FormatBook> book;
  if (n == "dialectfp4")
    book = num::FormatBook::dialectFP4();
  else if (n == "e2m1")
    book = num::FormatBook::e2m1();
  else if (n == "int4")
    book = num::FormatBook::int4();
  else if (n == "int8")
    book = num::FormatBook::int8();
  if (!book) {
    errorAt(context)() << "unknown formatbook '" << n
                       << "'; expected dialectfp4, e2m1, int4 or int8";
    return MlirAttribute{nullptr};
  }
  return wrap(FormatBookAttr::get(context, *book));
}

intptr_t qblockFormatBookAttrGetNumDialects(MlirAttribute attr) {
  return cast<FormatBookAttr>(unwrap(attr)).getNumDialects();
}

int64_t qblockFormatBookAttrGetMagnitude(MlirAttribute attr, intptr_t dialect,
                                         intptr_t level) {
  auto book = cast<FormatBookAttr>(unwrap(attr));
  // Indices come from C; the int8 book has no dialects at all.
  if (dialect < 0 || dialect >= static_cast<intptr_t>(book.getNumDialects()) ||
      level < 0 || level >= num::kLevelsPerDialect)
    return -1;
  return book.getMagnitudes()[dialect * num::kLevelsPerDialect + level];
}

//===----------------------------------------------------------------------===//
// #qblock.scheme
//===----------------------------------------------------------------------===//

bool qblockAttributeIsAScheme(MlirAttribute attr) {
  return isa_and_present<SchemeAttr>(unwrap(attr));
}

MlirAttribute qblockSchemeAttrGet(MlirContext ctx, MlirStringRef preset,
                                  int64_t block, bool twoStage) {
  MLIRContext *context = withQBlock(ctx);
  StringRef name = unwrap(preset);
  std::optional<num::Scheme> scheme;
  if (name == "blockdialect")
    scheme = num::Scheme::blockDialect();
  else if (name == "mxfp4")
    scheme = num::Scheme::mxfp4();
  else if (name == "nvfp4")
    scheme = num::Scheme::nvfp4();
  else if (name == "int4")
    scheme = num::Scheme::int4();
  else if (name == "int8")
    scheme = num::Scheme::int8();
  if (!scheme) {
    errorAt(context)() << "unknown scheme '" << name
                       << "'; expected blockdialect, mxfp4, nvfp4, int4 or "
                          "int8";
    return MlirAttribute{nullptr};
  }
  if (block != 0)
    scheme->blockSize = block;
  scheme->select = twoStage ? num::SelectRule::TwoStage : num::SelectRule::MSE;
  return wrap(SchemeAttr::getChecked(
      errorAt(context), context, FormatBookAttr::get(context, scheme->book),
      scheme->scale, scheme->blockSize, scheme->select));
}

MlirAttribute qblockSchemeAttrGetCustom(MlirAttribute book, MlirStringRef scale,
                                        int64_t block, bool twoStage) {
  Attribute attr = unwrap(book);
  // Without an attribute there is no context to report to.
  if (!attr)
    return MlirAttribute{nullptr};
  MLIRContext *context = attr.getContext();
  auto bookAttr = dyn_cast<FormatBookAttr>(attr);
  if (!bookAttr) {
    errorAt(context)() << "a custom scheme needs a #qblock.book, got " << attr;
    return MlirAttribute{nullptr};
  }
  std::optional<num::ScaleKind> kind = scaleKindNamed(unwrap(scale));
  if (!kind) {
    errorAt(context)() << "unknown scale kind '" << unwrap(scale)
                       << "'; expected e8m0, e4m3 or f16";
    return MlirAttribute{nullptr};
  }
  return wrap(SchemeAttr::getChecked(
      errorAt(context), context, bookAttr, *kind, block,
      twoStage ? num::SelectRule::TwoStage : num::SelectRule::MSE));
}

MlirStringRef qblockSchemeAttrGetPresetName(MlirAttribute attr) {
  // getPresetName() returns a literal with static storage.
  return staticString(cast<SchemeAttr>(unwrap(attr)).getPresetName());
}

MlirAttribute qblockSchemeAttrGetBook(MlirAttribute attr) {
  return wrap(Attribute(cast<SchemeAttr>(unwrap(attr)).getBook()));
}

MlirStringRef qblockSchemeAttrGetScaleKind(MlirAttribute attr) {
  switch (cast<SchemeAttr>(unwrap(attr)).getScale()) {
  case num::ScaleKind::E8M0:
    return staticString("e8m0");
  case num::ScaleKind::E4M3:
    return staticString("e4m3");
  case num::ScaleKind::F16:
    return staticString("f16");
  }
  return staticString("");
}

int64_t qblockSchemeAttrGetBlockSize(MlirAttribute attr) {
  return cast<SchemeAttr>(unwrap(attr)).getBlockSize();
}

bool qblockSchemeAttrIsTwoStage(MlirAttribute attr) {
  return cast<SchemeAttr>(unwrap(attr)).getSelect() ==
         num::SelectRule::TwoStage;
}

double qblockSchemeAttrGetBitsPerElement(MlirAttribute attr) {
  return cast<SchemeAttr>(unwrap(attr)).toNumerics().bitsPerElement();
}

//===----------------------------------------------------------------------===//
// #qblock.bcq
//===----------------------------------------------------------------------===//

bool qblockAttributeIsABCQScheme(MlirAttribute attr) {
  return isa_and_present<BCQSchemeAttr>(unwrap(attr));
}

MlirAttribute qblockBCQSchemeAttrGet(MlirContext ctx, int64_t bits,
                                     int64_t group, bool offset) {
  MLIRContext *context = withQBlock(ctx);
  return wrap(
      BCQSchemeAttr::getChecked(errorAt(context), context, bits, group,
                                offset, /*fromUniform=*/false));
}

int64_t qblockBCQSchemeAttrGetBits(MlirAttribute attr) {
  return cast<BCQSchemeAttr>(unwrap(attr)).getBits();
}

int64_t qblockBCQSchemeAttrGetGroup(MlirAttribute attr) {
  return cast<BCQSchemeAttr>(unwrap(attr)).getGroup();
}

bool qblockBCQSchemeAttrHasOffset(MlirAttribute attr) {
  return cast<BCQSchemeAttr>(unwrap(attr)).getOffset();
}

double qblockBCQSchemeAttrGetBitsPerElement(MlirAttribute attr) {
  return cast<BCQSchemeAttr>(unwrap(attr)).toNumerics().bitsPerElement();
}

//===----------------------------------------------------------------------===//
// !qblock.qtensor
//===----------------------------------------------------------------------===//

bool qblockTypeIsAQuantizedTensor(MlirType type) {
  return isa_and_present<QuantizedTensorType>(unwrap(type));
}

MlirType qblockQuantizedTensorTypeGet(intptr_t rank, const int64_t *shape,
                                      MlirType elementType,
                                      MlirAttribute scheme, int64_t axis) {
  Type element = unwrap(elementType);
  // Without an element type there is no context to report to.
  if (!element)
    return MlirType{nullptr};
  MLIRContext *context = element.getContext();
  if (!unwrap(scheme)) {
    errorAt(context)() << "a quantized tensor type needs a scheme "
                          "(#qblock.scheme or #qblock.bcq), got a null "
                          "attribute";
    return MlirType{nullptr};
  }
  // A type holds its scheme by pointer: one from another context would
  // dangle once that context is destroyed.
  if (unwrap(scheme).getContext() != context) {
    errorAt(context)() << "the scheme belongs to another MlirContext than "
                          "the element type; build both in one context";
    return MlirType{nullptr};
  }
  context->getOrLoadDialect<QBlockDialect>();
  if (rank < 1) {
    errorAt(context)() << "a quantized tensor type needs rank 1 or more, got "
                       << rank;
    return MlirType{nullptr};
  }
  return wrap(QuantizedTensorType::getChecked(
      errorAt(context), context, ArrayRef<int64_t>(shape, rank), element,
      unwrap(scheme), axis));
}

MlirAttribute qblockQuantizedTensorTypeGetScheme(MlirType type) {
  return wrap(cast<QuantizedTensorType>(unwrap(type)).getScheme());
}

int64_t qblockQuantizedTensorTypeGetAxis(MlirType type) {
  return cast<QuantizedTensorType>(unwrap(type)).getAxis();
}

int64_t qblockQuantizedTensorTypeGetBlockSize(MlirType type) {
  return cast<QuantizedTensorType>(unwrap(type)).getBlockSize();
}

MlirType qblockQuantizedTensorTypeGetExpressedType(MlirType type) {
  return wrap(
      Type(cast<QuantizedTensorType>(unwrap(type)).getExpressedType()));
}

int64_t qblockQuantizedTensorTypeGetStorageBytes(MlirType type) {
  auto qtype = cast<QuantizedTensorType>(unwrap(type));
  if (!qtype.hasStaticShape())
    return -1;
  return qtype.getStorageBytes();
}
