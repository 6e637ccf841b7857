//===- QBlockOps.cpp - qblock operations ----------------------------------===//

#include "qblock/IR/QBlockOps.h"
#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/Layout.h"
#include "qblock/Numerics/StoredRange.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Support/DebugStringHelper.h"

using namespace mlir;
using namespace qblock;
namespace num = ::qblock::numerics;

#define GET_OP_CLASSES
#include "qblock/IR/QBlockOps.cpp.inc"

/// Prints a shape as [a, ?, b] for diagnostics.
static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string str = "[";
  llvm::raw_string_ostream os(str);
  llvm::interleaveComma(shape, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << '?';
    else
      os << dim;
  });
  os << ']';
  return str;
}

static bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Checks that a float tensor and a quantized tensor describe the same
/// logical values (quantize / dequantize).
static LogicalResult verifySameLogicalTensor(Operation *op,
                                             RankedTensorType floatType,
                                             QuantizedTensorType quantType) {
  if (floatType.getRank() != quantType.getRank() ||
      !llvm::all_of(llvm::zip(floatType.getShape(), quantType.getShape()),
                    [](auto dims) {
                      return dimsCompatible(std::get<0>(dims),
                                            std::get<1>(dims));
                    }))
    return op->emitOpError("float shape ")
           << shapeString(floatType.getShape())
           << " does not match the quantized shape "
           << shapeString(quantType.getShape());
  if (floatType.getElementType() != quantType.getElementType())
    return op->emitOpError("float element type ")
           << floatType.getElementType()
           << " must equal the quantized tensor's element type "
           << quantType.getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  return verifySameLogicalTensor(*this, getInput().getType(), getType());
}

OpFoldResult QuantizeOp::fold(FoldAdaptor) { return {}; }

LogicalResult DequantizeOp::verify() {
  return verifySameLogicalTensor(*this, getType(), getInput().getType());
}

/// Reads a float elements attribute as f32 values; nullopt for other types.
static std::optional<std::vector<float>> readFloats(DenseElementsAttr attr) {
  if (!isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  std::vector<float> values;
  values.reserve(attr.getNumElements());
  for (APFloat value : attr.getValues<APFloat>()) {
    bool losesInfo = false;
    value.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    if (losesInfo)
      return std::nullopt;
    values.push_back(value.convertToFloat());
  }
  return values;
}

/// Builds an elements attribute of `type` from f32 values, or null when a
/// value is not exactly representable in the element type.
static DenseElementsAttr writeFloats(RankedTensorType type,
                                     ArrayRef<float> values) {
  auto floatType = cast<FloatType>(type.getElementType());
  SmallVector<APFloat> converted;
  converted.reserve(values.size());
  for (float value : values) {
    APFloat apValue(value);
    bool losesInfo = false;
    apValue.convert(floatType.getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &losesInfo);
    if (losesInfo)
      return {};
    converted.push_back(apValue);
  }
  return DenseElementsAttr::get(type, converted);
}

/// The values of a tensor of `type`'s shape as rows along its blocked axis
/// (the packed layout's order).
static std::vector<float> gatherAlongAxis(ArrayRef<float> values,
                                          QuantizedTensorType type) {
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  std::vector<float> rowMajor(values.size());
  num::gatherRows(values.data(), shape, type.getAxis(), rowMajor.data());
  return rowMajor;
}

/// Whether --qblock-select-formats would warn that `type`'s scheme stores
/// these values imprecisely: clipped blocks or groups above its scale's
/// range, or many below it.
static bool losesPrecision(ArrayRef<float> rowMajor, QuantizedTensorType type) {
  std::optional<num::StoredRange> range = type.getStoredRange();
  if (!range)
    return false;
  num::MaximaCounts counts;
  num::countMaxima(rowMajor.data(), rowMajor.size(), type.getBlockSize(),
                   *range, counts);
  return counts.losesPrecision();
}

/// Quantizes and decodes float values, given as rows along the blocked
/// axis, with the scheme of `type`: the exact values a qblock.quantize of
/// them denotes, in the tensor's order.
static std::vector<float> roundTrip(ArrayRef<float> rowMajor,
                                    QuantizedTensorType type) {
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  int64_t k = type.getAxisSize();
  int64_t rows = k == 0 ? 0 : static_cast<int64_t>(rowMajor.size()) / k;
  std::vector<float> decoded;
  if (SchemeAttr scheme = type.getBlockScheme()) {
    num::Scheme numScheme = scheme.toNumerics();
    std::vector<uint8_t> packed =
        num::quantizeMatrix(rowMajor.data(), rows, k, numScheme);
    decoded = num::dequantizeMatrix(packed.data(), rows, k, numScheme);
  } else {
    num::BCQScheme bcq = type.getBCQScheme().toNumerics();
    num::BCQLayout layout = num::computeBCQLayout(rows, k, bcq);
    std::vector<uint8_t> packed(layout.totalBytes, 0);
    if (bcq.fromUniform)
      num::fitUniformBCQRows(rowMajor.data(), layout, bcq, 0, rows,
                             packed.data());
    else
      num::fitBCQRows(rowMajor.data(), layout, bcq, /*iterations=*/8, 0, rows,
                      packed.data());
    decoded = num::dequantizeBCQ(packed.data(), rows, k, bcq);
  }
  std::vector<float> result(rowMajor.size());
  num::scatterRows(decoded.data(), shape, type.getAxis(), result.data());
  return result;
}

OpFoldResult DequantizeOp::fold(FoldAdaptor) {
  // Only dequantize(quantize(constant)) folds: the decoded values are exactly
  // what the pair denotes. dequantize(qblock.constant) is deliberately left
  // alone so that packed weights are never expanded to floats in memory.
  auto quantize = getInput().getDefiningOp<QuantizeOp>();
  if (!quantize)
    return {};
  DenseElementsAttr constant;
  if (!matchPattern(quantize.getInput(), m_Constant(&constant)))
    return {};
  QuantizedTensorType quantType = quantize.getType();
  if (!quantType.hasStaticShape() || !getType().hasStaticShape())
    return {};
  std::optional<std::vector<float>> values = readFloats(constant);
  // Non-finite weights are a user error the quantization passes report;
  // folding would hide it behind NaN outputs.
  if (!values || num::findNonFinite(values->data(), values->size()) >= 0)
    return {};
  // Nor is a scheme's loss of precision hidden in a constant: clipped
  // blocks (NVFP4 without its tensor scale, one outlier in a BCQ group)
  // stay quantized, so that --qblock-select-formats warns with the error
  // they cost.
  std::vector<float> rowMajor = gatherAlongAxis(*values, quantType);
  if (losesPrecision(rowMajor, quantType))
    return {};
  return writeFloats(getType(), roundTrip(rowMajor, quantType));
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

/// What a storage-size error adds when `bytes` is the size BCQ data of
/// `type` had while its alphas and offsets were f32 (until 2026-12-05):
/// such data is most likely of that format, which reads as garbage in the
/// f16 one, and quantizing again is the fix.
static std::string oldBCQFormatHint(QuantizedTensorType type, int64_t bytes) {
  BCQSchemeAttr scheme = type.getBCQScheme();
  if (!scheme || !type.hasStaticShape())
    return "";
  if (bytes != num::bcqBytesWithF32Params(type.getPackedRows(),
                                          type.getAxisSize(),
                                          scheme.toNumerics()))
    return "";
  return "; " + std::to_string(bytes) +
         " bytes is the size of BCQ data with f32 alphas and offsets, the "
         "format before 2026-12-05: quantize the weights again (alphas and "
         "offsets are f16 now)";
}

LogicalResult ConstantOp::verify() {
  QuantizedTensorType type = getType();
  if (!type.hasStaticShape())
    return emitOpError("a quantized constant needs a static shape, got ")
           << shapeString(type.getShape());
  auto dataType = dyn_cast<ShapedType>(getData().getType());
  if (!dataType || dataType.getRank() != 1 ||
      !dataType.getElementType().isInteger(8))
    return emitOpError("packed data must be a 1-D tensor of i8, got ")
           << getData().getType();
  int64_t expected = type.getStorageBytes();
  if (dataType.getNumElements() != expected)
    return emitOpError("packed data holds ")
           << dataType.getNumElements() << " bytes but " << type << " needs "
           << expected << " (see docs/formats.md)"
           << oldBCQFormatHint(type, dataType.getNumElements());
  // A dense_resource blob can be shorter than its declared type when a file
  // was truncated or edited by hand; reading past it would be out of bounds.
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(getData())) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob()) {
      if (static_cast<int64_t>(blob->getData().size()) != expected)
        return emitOpError("resource blob '")
               << resource.getRawHandle().getKey() << "' holds "
               << blob->getData().size() << " bytes but " << type
               << " needs " << expected;
    }
  }
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getData(); }

//===----------------------------------------------------------------------===//
// FromStorageOp
//===----------------------------------------------------------------------===//

LogicalResult FromStorageOp::verify() {
  QuantizedTensorType type = getType();
  int64_t bytes = getStorage().getType().getDimSize(0);
  if (!type.hasStaticShape()) {
    if (!ShapedType::isDynamic(bytes))
      return emitOpError("a quantized shape with dynamic sizes ")
             << shapeString(type.getShape())
             << " needs storage of dynamic size (tensor<?xi8>)";
    return success();
  }
  int64_t expected = type.getStorageBytes();
  if (!ShapedType::isDynamic(bytes) && bytes != expected)
    return emitOpError("storage holds ")
           << bytes << " bytes but " << type << " needs " << expected
           << " (see docs/formats.md)" << oldBCQFormatHint(type, bytes);
  return success();
}

//===----------------------------------------------------------------------===//
// LookupOp
//===----------------------------------------------------------------------===//

LogicalResult LookupOp::verify() {
  Type element = getTable().getType().getElementType();
  int64_t size = getTable().getType().getNumElements();
  if (element.isF32()) {
    if (size != 8 && size != 16 && size != 32)
      return emitOpError("f32 table must hold 8, 16 or 32 values, got ")
             << size;
    if (!getIndices().getType().getElementType().isInteger(32))
      return emitOpError("f32 tables take i32 indices");
  } else if (element.isBF16()) {
    if (size != 32)
      return emitOpError("bf16 table must hold 32 values, got ") << size;
    if (!getIndices().getType().getElementType().isInteger(16))
      return emitOpError("bf16 tables take i16 indices");
  } else {
    if (size != 64)
      return emitOpError("i8 table must hold 64 values, got ") << size;
    if (!getIndices().getType().getElementType().isInteger(8))
      return emitOpError("i8 tables take i8 indices");
  }
  if (getResult().getType().getNumElements() !=
      getIndices().getType().getNumElements())
    return emitOpError("result must have one lane per index");
  if (getResult().getType().getElementType() != element)
    return emitOpError("result must have the table's element type");
  return success();
}

LogicalResult DotBytesOp::verify() {
  if (getLhs().getType().getNumElements() !=
      4 * getAcc().getType().getNumElements())
    return emitOpError("needs four bytes per accumulator lane, got ")
           << getLhs().getType().getNumElements() << " bytes for "
           << getAcc().getType().getNumElements() << " lanes";
  return success();
}

LogicalResult DotBF16Op::verify() {
  if (getLhs().getType().getNumElements() !=
      2 * getAcc().getType().getNumElements())
    return emitOpError("needs two bf16 values per accumulator lane, got ")
           << getLhs().getType().getNumElements() << " values for "
           << getAcc().getType().getNumElements() << " lanes";
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp / LutGemmOp
//===----------------------------------------------------------------------===//

/// Shared shape rules of qblock.matmul and qblock.lut_gemm: lhs [B x] M x K,
/// rhs [B x] K x N (axis rank-2) or [B x] N x K (axis rank-1), init and
/// result [B x] M x N.
static LogicalResult verifyMatmulShapes(Operation *op, ShapedType lhsType,
                                        QuantizedTensorType rhsType,
                                        RankedTensorType initType,
                                        RankedTensorType resultType) {
  int64_t rank = rhsType.getRank();
  if (rank != 2 && rank != 3)
    return op->emitOpError("weights must have rank 2 (K x N) or 3 "
                           "(batch x K x N), got rank ")
           << rank;
  if (lhsType.getRank() != rank)
    return op->emitOpError("lhs rank ")
           << lhsType.getRank() << " must equal the weight rank " << rank;
  int64_t axis = rhsType.getAxis();
  if (axis < rank - 2)
    return op->emitOpError("the weight is blocked along its batch axis ")
           << axis << "; block it along the reduction dimension (axis "
           << rank - 2 << ", or " << rank - 1 << " for a transposed weight)";
  bool transposed = axis == rank - 1;
  ArrayRef<int64_t> rhsShape = rhsType.getShape();
  int64_t k = rhsShape[axis];
  int64_t n = transposed ? rhsShape[rank - 2] : rhsShape[rank - 1];
  ArrayRef<int64_t> lhsShape = lhsType.getShape();
  if (!dimsCompatible(lhsShape[rank - 1], k)) {
    // The axis says where K runs in the weight; a weight blocked along the
    // other one reads as transposed (or not), which the message names.
    InFlightDiagnostic diag =
        op->emitOpError("lhs reduction size ")
        << lhsShape[rank - 1] << " does not match the weight's reduction "
        << "size " << k << " (its blocked axis " << axis << ", read as "
        << (transposed ? "N x K" : "K x N") << ")";
    int64_t other = transposed ? rank - 2 : rank - 1;
    if (dimsCompatible(lhsShape[rank - 1], rhsShape[other]))
      diag << "; for a " << (transposed ? "K x N" : "N x K")
           << " weight, block it along axis " << other;
    return diag;
  }
  if (rank == 3 && !dimsCompatible(lhsShape[0], rhsShape[0]))
    return op->emitOpError("lhs batch size ")
           << lhsShape[0] << " does not match the weight batch size "
           << rhsShape[0];
  if (initType != resultType)
    return op->emitOpError("init type ")
           << initType << " must equal the result type " << resultType;
  SmallVector<int64_t> expected(lhsShape.drop_back());
  expected.push_back(n);
  if (rank == 3 && ShapedType::isDynamic(expected[0]))
    expected[0] = rhsShape[0];
  if (resultType.getRank() != rank ||
      !llvm::all_of(llvm::zip(resultType.getShape(), expected), [](auto d) {
        return dimsCompatible(std::get<0>(d), std::get<1>(d));
      }))
    return op->emitOpError("result shape ")
           << shapeString(resultType.getShape())
           << " does not match the product shape " << shapeString(expected);
  return success();
}

/// `value` before any chain of tensor.casts between ranked tensors: a cast
/// only asserts its static sizes, so a size a lowering will trust is
/// checked against this value.
static Value beforeCasts(Value value) {
  while (auto cast = value.getDefiningOp<tensor::CastOp>()) {
    if (!isa<RankedTensorType>(cast.getSource().getType()))
      break;
    value = cast.getSource();
  }
  return value;
}

/// Asserts at run time that dimension `dim` of `value` (asked before its
/// casts) is `expected`, where the types do not prove it. `message` is
/// asked only then (upstream's prints the whole op).
static void checkSizeBeforeCasts(OpBuilder &builder, Location loc, Value value,
                                 int64_t dim, int64_t expected,
                                 llvm::function_ref<std::string()> message) {
  Value source = beforeCasts(value);
  auto sourceType = cast<RankedTensorType>(source.getType());
  if (sourceType.getDimSize(dim) == expected)
    return;
  Value actual = sourceType.isDynamicDim(dim)
                     ? Value(tensor::DimOp::create(builder, loc, source, dim))
                     : Value(arith::ConstantIndexOp::create(
                           builder, loc, sourceType.getDimSize(dim)));
  emitSizeAssert(builder, loc, actual,
                 arith::ConstantIndexOp::create(builder, loc, expected),
                 message());
}

/// The run-time half of verifyMatmulShapes: one cf.assert for each size
/// the types leave dynamic. Without them a K that differs from the
/// weight's read past the activations' rows (NaN, or a crash) or silently
/// used only the first K columns. Quantized activations (W4A4/W4A8) are
/// checked through the tensor their qblock.quantize reads, or with their
/// type's static sizes (packed bytes): without that check a result of
/// other rows than theirs was written past its end or left partly
/// unwritten. A weight's dynamic batch is checked where a qblock.quantize
/// makes the weight (attention's keys under full-path quantization, or a
/// hand-written quantize of a weight argument), against the tensor it
/// reads; other dynamic weight sizes (packed bytes) are the lowerings' to
/// check.
///
/// Sizes are asked of the value before any tensor.cast: a cast to a static
/// size only asserts it (--qblock-quantize-linalg casts activations of
/// dynamic K to the weight's), so the size to check is the source's; and a
/// size is checked where either the operand or its source is dynamic, or
/// where casts through a dynamic size changed a static one. The
/// lowerings trust such a cast's static rows and batch, so these are
/// checked against the source too (K and N are, by the checks against
/// the weight).
static void generateMatmulShapeChecks(
    Operation *op, Value lhs, Value rhs, Value init, OpBuilder &b, Location loc,
    llvm::function_ref<std::string(Operation *, StringRef)> message) {
  auto rhsType = cast<QuantizedTensorType>(rhs.getType());
  int64_t rank = rhsType.getRank();
  // An operand as the op sees it and as it was before casts; packed
  // activations have no source to ask, only their type's static sizes.
  struct Sizes {
    Value source;
    RankedTensorType seen, before;
    /// Whether the size the op sees needs a check: dynamic on either side,
    /// or static on both but different (a chain such as 3 -> ? -> 4, which
    /// no verifier sees and canonicalization does not fold).
    bool unproven(int64_t dim) const {
      return seen.isDynamicDim(dim) || before.isDynamicDim(dim) ||
             seen.getDimSize(dim) != before.getDimSize(dim);
    }
  };
  auto sizesOf = [&](Value value) -> std::optional<Sizes> {
    if (auto packed = dyn_cast<QuantizedTensorType>(value.getType())) {
      if (packed.getRank() != rank)
        return std::nullopt;
      return Sizes{Value(), packed.getExpressedType(),
                   packed.getExpressedType()};
    }
    auto seen = dyn_cast<RankedTensorType>(value.getType());
    Value source = beforeCasts(value);
    auto before = dyn_cast<RankedTensorType>(source.getType());
    if (!seen || !before || seen.getRank() != rank || before.getRank() != rank)
      return std::nullopt;
    return Sizes{source, seen, before};
  };
  // A quantize checks its input's sizes against its type itself (the cast
  // emitRuntimeShapeChecks puts there is its own).
  auto quantize = lhs.getDefiningOp<QuantizeOp>();
  if (quantize)
    lhs = quantize.getInput();
  std::optional<Sizes> lhsSizes = sizesOf(lhs), initSizes = sizesOf(init);
  if (!initSizes)
    return;
  ArrayRef<int64_t> rhsShape = rhsType.getShape();
  int64_t axis = rhsType.getAxis();
  int64_t k = rhsShape[axis];
  int64_t n = axis == rank - 1 ? rhsShape[rank - 2] : rhsShape[rank - 1];
  // The extent of dimension `dim`, asked of the value before casts: a
  // constant where static; null where packed bytes leave it dynamic (the
  // lowerings reject those).
  auto extent = [&](const Sizes &sizes, int64_t dim) -> Value {
    int64_t size = sizes.before.getDimSize(dim);
    if (!ShapedType::isDynamic(size))
      return arith::ConstantIndexOp::create(b, loc, size);
    if (!sizes.source)
      return Value();
    return tensor::DimOp::create(b, loc, sizes.source, dim);
  };
  auto check = [&](Value actual, Value expected, const Twine &what) {
    emitSizeAssert(b, loc, actual, expected, message(op, what.str()));
  };
  // The expected constant is made after `actual`, inside: as arguments of
  // one call, their order would be the compiler's (GCC and clang differ).
  auto checkEquals = [&](Value actual, int64_t expected, const Twine &what) {
    if (actual)
      check(actual, arith::ConstantIndexOp::create(b, loc, expected), what);
  };
  // Rows and batch that a tensor.cast states statically but its source
  // leaves dynamic (or states otherwise).
  auto checkCastRows = [&](const Sizes &sizes, StringRef operand) {
    for (int64_t dim = 0; dim + 1 < rank; ++dim)
      if (!sizes.seen.isDynamicDim(dim) && sizes.unproven(dim))
        checkEquals(extent(sizes, dim), sizes.seen.getDimSize(dim),
                    Twine(operand) + " dimension " + Twine(dim) +
                        " differs from the size " +
                        Twine(sizes.seen.getDimSize(dim)) +
                        " its tensor.cast states");
  };
  if (lhsSizes && !quantize)
    checkCastRows(*lhsSizes, "the activations'");
  checkCastRows(*initSizes, "the result's (init)");
  if (lhsSizes) {
    // K is the blocked axis, which the type requires to be static.
    if (lhsSizes->unproven(rank - 1) && !ShapedType::isDynamic(k))
      checkEquals(extent(*lhsSizes, rank - 1), k,
                  "the activations' reduction size (lhs dimension " +
                      Twine(rank - 1) +
                      ") differs from the weight's K = " + Twine(k));
    if (rank == 3 && lhsSizes->unproven(0) && lhsSizes->source &&
        !ShapedType::isDynamic(rhsShape[0]))
      checkEquals(
          extent(*lhsSizes, 0), rhsShape[0],
          "the activations' batch size (lhs dimension 0) differs from the "
          "weight's batch size " +
              Twine(rhsShape[0]));
    // A weight of dynamic batch that a qblock.quantize makes has the batch
    // of the tensor it reads (the quantize checks its own static sizes).
    auto weightQuantize = rhs.getDefiningOp<QuantizeOp>();
    if (rank == 3 && ShapedType::isDynamic(rhsShape[0]) && weightQuantize) {
      if (Value acts = extent(*lhsSizes, 0)) {
        Value weights =
            tensor::DimOp::create(b, loc, weightQuantize.getInput(), 0);
        check(acts, weights,
              "the activations' batch size (lhs dimension 0) differs from "
              "the weight's (dimension 0 of the tensor its qblock.quantize "
              "reads)");
      }
    }
    // The result's rows (and batch) are the activations'.
    for (int64_t dim = 0; dim + 1 < rank; ++dim) {
      if (!initSizes->unproven(dim) && !lhsSizes->unproven(dim))
        continue;
      if (Value acts = extent(*lhsSizes, dim))
        check(extent(*initSizes, dim), acts,
              "the result's dimension " + Twine(dim) +
                  " differs from the activations' (init and lhs dimension " +
                  Twine(dim) + ")");
    }
  }
  // Its columns are the weight's N.
  if (initSizes->unproven(rank - 1) && !ShapedType::isDynamic(n))
    checkEquals(extent(*initSizes, rank - 1), n,
                "the result's columns (init dimension " + Twine(rank - 1) +
                    ") differ from the weight's N = " + Twine(n));
}

void MatmulOp::generateRuntimeVerification(
    OpBuilder &builder, Location loc,
    llvm::function_ref<std::string(Operation *, StringRef)> message) {
  generateMatmulShapeChecks(*this, getLhs(), getRhs(), getInit(), builder, loc,
                            message);
}

void LutGemmOp::generateRuntimeVerification(
    OpBuilder &builder, Location loc,
    llvm::function_ref<std::string(Operation *, StringRef)> message) {
  generateMatmulShapeChecks(*this, getLhs(), getRhs(), getInit(), builder, loc,
                            message);
}

std::string qblock::runtimeCheckMessage(Operation *op, StringRef what) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << op->getName();
  if (auto file = op->getLoc()->findInstanceOf<FileLineColLoc>())
    os << " at " << file.getFilename().getValue() << ":" << file.getLine()
       << ":" << file.getColumn();
  os << ": " << what;
  return text;
}

void QuantizeOp::generateRuntimeVerification(
    OpBuilder &builder, Location loc,
    llvm::function_ref<std::string(Operation *, StringRef)> message) {
  QuantizedTensorType type = getType();
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (type.isDynamicDim(d))
      continue;
    checkSizeBeforeCasts(builder, loc, getInput(), d, type.getDimSize(d), [&] {
      return message(*this, ("the input's dimension " + Twine(d) +
                             " differs from the quantized type's size " +
                             Twine(type.getDimSize(d)))
                                .str());
    });
  }
}

void FromStorageOp::generateRuntimeVerification(
    OpBuilder &builder, Location loc,
    llvm::function_ref<std::string(Operation *, StringRef)> message) {
  QuantizedTensorType type = getType();
  if (!type.hasStaticShape())
    return;
  int64_t expected = type.getStorageBytes();
  checkSizeBeforeCasts(builder, loc, getStorage(), 0, expected, [&] {
    return message(*this, ("the storage's size differs from the " +
                           Twine(expected) + " bytes that " +
                           debugString(type) + " needs (docs/formats.md)")
                              .str());
  });
}

/// `value` cast to `refined` (the same rank, more sizes static), or
/// `value` itself where that changes nothing.
static Value castToCheckedSizes(OpBuilder &builder, Location loc, Value value,
                                RankedTensorType refined) {
  if (value.getType() == refined)
    return value;
  return tensor::CastOp::create(builder, loc, refined, value);
}

void qblock::emitRuntimeShapeChecks(OpBuilder &builder, Operation *op) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(op);
  cast<RuntimeVerifiableOpInterface>(op).generateRuntimeVerification(
      builder, op->getLoc(), runtimeCheckMessage);
  if (auto quantize = dyn_cast<QuantizeOp>(op)) {
    auto inputType = cast<RankedTensorType>(quantize.getInput().getType());
    SmallVector<int64_t> sizes(inputType.getShape());
    for (int64_t d = 0; d < inputType.getRank(); ++d)
      if (!quantize.getType().isDynamicDim(d))
        sizes[d] = quantize.getType().getDimSize(d);
    quantize.getInputMutable().assign(castToCheckedSizes(
        builder, op->getLoc(), quantize.getInput(), inputType.clone(sizes)));
  } else if (auto view = dyn_cast<FromStorageOp>(op)) {
    if (view.getType().hasStaticShape())
      view.getStorageMutable().assign(castToCheckedSizes(
          builder, op->getLoc(), view.getStorage(),
          RankedTensorType::get({view.getType().getStorageBytes()},
                                builder.getI8Type())));
  }
}

void qblock::emitQuantizedOperandShapeChecks(Operation *root) {
  SmallVector<Operation *> sized;
  root->walk([&](Operation *op) {
    if (isa<QuantizeOp, FromStorageOp>(op))
      sized.push_back(op);
  });
  for (Operation *op : sized) {
    OpBuilder builder(op);
    emitRuntimeShapeChecks(builder, op);
  }
}

void qblock::emitSizeAssert(OpBuilder &builder, Location loc, Value actual,
                            Value expected, const std::string &message) {
  Value same = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq,
                                     actual, expected);
  cf::AssertOp::create(builder, loc, same, message);
}

int64_t qblock::largestExactIntegerBlock(SchemeAttr lhs, SchemeAttr rhs) {
  // The integer path multiplies the operands' codes exactly in f32 (or
  // int32): a block's dot must stay below 2^24. Only INT8 x INT8 blocks can
  // get there (127 x 127 x 1041 > 2^24); 4-bit codes stay below it for every
  // block size.
  auto largestCode = [](SchemeAttr scheme) -> int64_t {
    num::FormatBook book = scheme.getBook().toNumerics();
    return book.isInteger() ? 127 : book.maxMagnitude();
  };
  return ((int64_t(1) << 24) - 1) / (largestCode(lhs) * largestCode(rhs));
}

LogicalResult MatmulOp::verify() {
  auto rhsType = cast<QuantizedTensorType>(getRhs().getType());
  SchemeAttr weightScheme = rhsType.getBlockScheme();
  if (!weightScheme)
    return emitOpError("the weight uses a BCQ scheme; use qblock.lut_gemm "
                       "for BCQ weights");
  auto lhsType = cast<ShapedType>(getLhs().getType());
  // INT8 is an activation format. It may be the right-hand operand only of
  // the integer path (an activation-by-activation product, full-path
  // quantization), where both operands are quantized.
  if (weightScheme.getBook().toNumerics().isInteger() &&
      !getActSchemeAttr() && !isa<QuantizedTensorType>(lhsType))
    return emitOpError("an int8 right-hand operand needs quantized "
                       "activations (the integer path); quantize the weight "
                       "with a 4-bit scheme (blockdialect, mxfp4, nvfp4, "
                       "int4), or the activations too");
  if (SchemeAttr fused = getActSchemeAttr()) {
    if (isa<QuantizedTensorType>(lhsType))
      return emitOpError("act_scheme quantizes float activations online; the "
                         "activations are already quantized");
    if (fused.getBlockSize() != weightScheme.getBlockSize())
      return emitOpError("activation block size ")
             << fused.getBlockSize() << " must equal the weight block size "
             << weightScheme.getBlockSize() << " so that blocks pair up";
  }
  if (auto lhsQuant = dyn_cast<QuantizedTensorType>(lhsType)) {
    SchemeAttr actScheme = lhsQuant.getBlockScheme();
    if (!actScheme)
      return emitOpError("activations must use a block scheme "
                         "(#qblock.scheme), not BCQ");
    if (lhsQuant.getAxis() != lhsQuant.getRank() - 1)
      return emitOpError("quantized activations must be blocked along their "
                         "last (reduction) axis ")
             << lhsQuant.getRank() - 1 << ", got axis " << lhsQuant.getAxis();
    if (actScheme.getBlockSize() != weightScheme.getBlockSize())
      return emitOpError("activation block size ")
             << actScheme.getBlockSize() << " must equal the weight block size "
             << weightScheme.getBlockSize() << " so that blocks pair up";
  }
  SchemeAttr actScheme = getActSchemeAttr();
  if (auto lhsQuant = dyn_cast<QuantizedTensorType>(lhsType))
    actScheme = lhsQuant.getBlockScheme();
  if (actScheme) {
    int64_t limit = largestExactIntegerBlock(actScheme, weightScheme);
    if (weightScheme.getBlockSize() > limit)
      return emitOpError("blocks of ")
             << weightScheme.getBlockSize()
             << " elements: their integer dot products can exceed 2^24 and "
                "would not be exact; use blocks of at most "
             << limit << " elements";
  }
  return verifyMatmulShapes(*this, lhsType, rhsType, getInit().getType(),
                            getType());
}

LogicalResult LutGemmOp::verify() {
  auto rhsType = cast<QuantizedTensorType>(getRhs().getType());
  if (!rhsType.getBCQScheme())
    return emitOpError("needs BCQ weights (#qblock.bcq), got ")
           << rhsType.getScheme()
           << "; use qblock.matmul for block-scaled weights";
  // A discardable attribute would pass silently, and the user would get
  // float activations believing they asked for quantized ones.
  if ((*this)->hasAttr("act_scheme"))
    return emitOpError("has an 'act_scheme', which only qblock.matmul "
                       "takes: LUT-GEMM multiplies float activations "
                       "(its tables are built from them); drop the "
                       "attribute, or use block-scaled weights with "
                       "qblock.matmul for quantized activations");
  return verifyMatmulShapes(*this, getLhs().getType(), rhsType,
                            getInit().getType(), getType());
}
