//===- QBlockAttrs.h - qblock attributes ------------------------*- C++ -*-===//

#ifndef QBLOCK_IR_QBLOCKATTRS_H
#define QBLOCK_IR_QBLOCKATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/BlockQuant.h"

#define GET_ATTRDEF_CLASSES
#include "qblock/IR/QBlockAttrs.h.inc"

#endif // QBLOCK_IR_QBLOCKATTRS_H
