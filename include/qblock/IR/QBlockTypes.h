//===- QBlockTypes.h - qblock types -----------------------------*- C++ -*-===//

#ifndef QBLOCK_IR_QBLOCKTYPES_H
#define QBLOCK_IR_QBLOCKTYPES_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "qblock/IR/QBlockAttrs.h"
#include "qblock/Numerics/StoredRange.h"

#define GET_TYPEDEF_CLASSES
#include "qblock/IR/QBlockTypes.h.inc"

#endif // QBLOCK_IR_QBLOCKTYPES_H
