//===- SequentialHostLoops.h - user parallel loops on the host -*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_SEQUENTIALHOSTLOOPS_H
#define QBLOCK_LIB_PIPELINES_SEQUENTIALHOSTLOOPS_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Rewrites every scf.parallel into nested scf.for loops (reductions carried
/// as iteration arguments), so that the GPU pipelines, which map the
/// parallel loops of their own lowering to kernels, leave the user's on the
/// host.
std::unique_ptr<mlir::Pass> createSequentialHostLoopsPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_SEQUENTIALHOSTLOOPS_H
