//===- QBlockDialect.cpp - The qblock dialect -----------------------------===//

#include "qblock/IR/QBlockDialect.h"
#include "qblock/IR/QBlockOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace qblock;

#include "qblock/IR/QBlockDialect.cpp.inc"

void QBlockDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "qblock/IR/QBlockOps.cpp.inc"
      >();
}

Operation *QBlockDialect::materializeConstant(OpBuilder &builder,
                                              Attribute value, Type type,
                                              Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements)
    return nullptr;
  if (isa<QuantizedTensorType>(type))
    return ConstantOp::create(builder, loc, type, elements);
  if (isa<RankedTensorType>(type) && elements.getType() == type)
    return arith::ConstantOp::create(builder, loc, cast<TypedAttr>(value));
  return nullptr;
}
