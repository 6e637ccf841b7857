//===- DecomposeAggregatedOps.h - linalg.softmax and kin --------*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_DECOMPOSEAGGREGATEDOPS_H
#define QBLOCK_LIB_PIPELINES_DECOMPOSEAGGREGATEDOPS_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Rewrites ops that implement linalg's AggregatedOpInterface (linalg.softmax)
/// into the simpler ops they aggregate, which bufferize and lower to loops.
std::unique_ptr<mlir::Pass> createDecomposeAggregatedOpsPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_DECOMPOSEAGGREGATEDOPS_H
