//===- ReportAssertsOnStderr.h - failed asserts say why -------*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_REPORTASSERTSONSTDERR_H
#define QBLOCK_LIB_PIPELINES_REPORTASSERTSONSTDERR_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Rewrites each host cf.assert into a check that, when it fails, writes
/// its message to stderr (file descriptor 2, unbuffered) and aborts.
std::unique_ptr<mlir::Pass> createReportAssertsOnStderrPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_REPORTASSERTSONSTDERR_H
