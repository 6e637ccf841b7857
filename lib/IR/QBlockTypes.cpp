//===- QBlockTypes.cpp - qblock types -------------------------------------===//

#include "qblock/IR/QBlockTypes.h"
#include "qblock/IR/QBlockDialect.h"
#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/Layout.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace qblock;
namespace num = ::qblock::numerics;

#define GET_TYPEDEF_CLASSES
#include "qblock/IR/QBlockTypes.cpp.inc"

void QBlockDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "qblock/IR/QBlockTypes.cpp.inc"
      >();
}

LogicalResult
QuantizedTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                            ArrayRef<int64_t> shape, Type elementType,
                            Attribute scheme, int64_t axis) {
  if (shape.empty())
    return emitError() << "a quantized tensor needs rank >= 1";
  int64_t elements = 1;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (ShapedType::isDynamic(dim))
      continue;
    if (dim < 0)
      return emitError() << "dimension " << i << " has negative size " << dim;
    if (llvm::MulOverflow(elements, dim, elements))
      return emitError() << "the shape has more elements than fit in 64 bits";
  }
  // The packed layouts count bits and bytes in int64 (up to 8 code bits
  // per element along a row, 16 storage bits per element in all): 2^59
  // elements keep every size and offset in range, where more wrapped to
  // negative byte counts.
  constexpr int64_t kMaxElements = int64_t(1) << 59;
  if (elements > kMaxElements)
    return emitError() << "the shape has " << elements
                       << " elements; a quantized tensor's packed layout "
                          "addresses at most 2^59 (576460752303423488)";
  if (!isa<Float32Type, Float16Type, BFloat16Type>(elementType))
    return emitError() << "element type must be f32, f16 or bf16, got "
                       << elementType;
  int64_t blockSize;
  StringRef unit = "block size";
  if (auto blockScheme = dyn_cast<SchemeAttr>(scheme)) {
    blockSize = blockScheme.getBlockSize();
  } else if (auto bcq = dyn_cast<BCQSchemeAttr>(scheme)) {
    blockSize = bcq.getGroup();
    unit = "BCQ group size";
  } else {
    return emitError() << "scheme must be a #qblock.scheme<...> or "
                          "#qblock.bcq<...> attribute, got "
                       << scheme;
  }
  int64_t rank = shape.size();
  if (axis < 0 || axis >= rank)
    return emitError() << "axis " << axis << " is out of range for rank "
                       << rank << "; the blocked axis must be in [0, " << rank
                       << ")";
  int64_t axisSize = shape[axis];
  if (ShapedType::isDynamic(axisSize))
    return emitError() << "the blocked axis " << axis
                       << " must have a static size";
  if (axisSize % blockSize != 0) {
    InFlightDiagnostic diag = emitError()
                              << "axis " << axis << " has size " << axisSize
                              << ", which is not a multiple of the " << unit
                              << " " << blockSize << "; ";
    // Block sizes are even and group sizes multiples of 8: name the
    // largest one below the requested that fits, or say to pad when none
    // does (the advice "use a block size that divides 33" could not be
    // followed; adversarial run, 2026-12-07).
    int64_t step = isa<BCQSchemeAttr>(scheme) ? 8 : 2;
    int64_t fitting = 0;
    for (int64_t size = blockSize - blockSize % step; size >= step;
         size -= step)
      if (axisSize % size == 0) {
        fitting = size;
        break;
      }
    if (fitting)
      return diag << "use a " << unit << " that divides " << axisSize
                  << " (the largest below " << blockSize << " is " << fitting
                  << ")";
    return diag << "no " << unit << " divides " << axisSize << " (" << unit
                << "s are multiples of " << step
                << "): pad the axis to a multiple of " << blockSize;
  }
  return success();
}

Type QuantizedTensorType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<int64_t> shape;
  Type elementType;
  Attribute scheme;
  int64_t axis;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/true,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseComma() ||
      parser.parseAttribute(scheme) || parser.parseComma() ||
      parser.parseKeyword("axis") || parser.parseEqual() ||
      parser.parseInteger(axis) || parser.parseGreater())
    return {};
  return parser.getChecked<QuantizedTensorType>(loc, parser.getContext(), shape,
                                                elementType, scheme, axis);
}

void QuantizedTensorType::print(AsmPrinter &printer) const {
  printer << '<';
  printer.printDimensionList(getShape());
  printer << 'x' << getElementType() << ", ";
  printer.printAttribute(getScheme());
  printer << ", axis = " << getAxis() << '>';
}

QuantizedTensorType
QuantizedTensorType::cloneWith(std::optional<ArrayRef<int64_t>> shape,
                               Type elementType) const {
  return QuantizedTensorType::get(getContext(), shape ? *shape : getShape(),
                                  elementType, getScheme(), getAxis());
}

SchemeAttr QuantizedTensorType::getBlockScheme() const {
  return dyn_cast<SchemeAttr>(getScheme());
}

BCQSchemeAttr QuantizedTensorType::getBCQScheme() const {
  return dyn_cast<BCQSchemeAttr>(getScheme());
}

int64_t QuantizedTensorType::getBlockSize() const {
  if (SchemeAttr scheme = getBlockScheme())
    return scheme.getBlockSize();
  return getBCQScheme().getGroup();
}

RankedTensorType QuantizedTensorType::getExpressedType() const {
  return RankedTensorType::get(getShape(), getElementType());
}

std::optional<num::StoredRange> QuantizedTensorType::getStoredRange() const {
  if (SchemeAttr scheme = getBlockScheme())
    return num::storedRange(scheme.toNumerics());
  return num::storedRange(getBCQScheme().toNumerics());
}

int64_t QuantizedTensorType::getStorageBytes() const {
  assert(hasStaticShape() && "storage size needs a static shape");
  int64_t k = getAxisSize(), rows = getPackedRows();
  if (SchemeAttr scheme = getBlockScheme())
    return num::computeLayout(rows, k, scheme.toNumerics()).totalBytes;
  return num::computeBCQLayout(rows, k, getBCQScheme().toNumerics())
      .totalBytes;
}
