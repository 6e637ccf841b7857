//===- LowerMemRefReshape.h - memref.reshape to reinterpret_cast -*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_LOWERMEMREFRESHAPE_H
#define QBLOCK_LIB_PIPELINES_LOWERMEMREFRESHAPE_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Rewrites memref.reshape with a shape of static length into a
/// memref.reinterpret_cast whose sizes are loaded from the shape buffer.
std::unique_ptr<mlir::Pass> createLowerMemRefReshapePass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_LOWERMEMREFRESHAPE_H
