//===- QBlockOps.h - qblock operations --------------------------*- C++ -*-===//

#ifndef QBLOCK_IR_QBLOCKOPS_H
#define QBLOCK_IR_QBLOCKOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qblock/IR/QBlockDialect.h"
#include "qblock/IR/QBlockTypes.h"

#define GET_OP_CLASSES
#include "qblock/IR/QBlockOps.h.inc"

#endif // QBLOCK_IR_QBLOCKOPS_H
