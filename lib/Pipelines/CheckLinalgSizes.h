//===- CheckLinalgSizes.h - run-time checks of linalg sizes -----*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_CHECKLINALGSIZES_H
#define QBLOCK_LIB_PIPELINES_CHECKLINALGSIZES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Before each linalg op whose operands have dynamic sizes, run-time
/// checks that the sizes agree (upstream's RuntimeVerifiableOpInterface
/// model for linalg), with qblock's messages. Registered as
/// `qblock-check-linalg-sizes`.
std::unique_ptr<mlir::Pass> createCheckLinalgSizesPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_CHECKLINALGSIZES_H
