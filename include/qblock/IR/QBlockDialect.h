//===- QBlockDialect.h - The qblock dialect ---------------------*- C++ -*-===//

#ifndef QBLOCK_IR_QBLOCKDIALECT_H
#define QBLOCK_IR_QBLOCKDIALECT_H

#include "mlir/IR/Dialect.h"
// The discardable-attribute helpers read and set attributes on operations.
#include "mlir/IR/Operation.h"

#include "qblock/IR/QBlockDialect.h.inc"

#endif // QBLOCK_IR_QBLOCKDIALECT_H
