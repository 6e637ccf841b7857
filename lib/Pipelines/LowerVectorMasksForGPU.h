//===- LowerVectorMasksForGPU.h - mask constants before NVVM ----*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_LOWERVECTORMASKSFORGPU_H
#define QBLOCK_LIB_PIPELINES_LOWERVECTORMASKSFORGPU_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
std::unique_ptr<mlir::Pass> createLowerVectorMasksForGPUPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_LOWERVECTORMASKSFORGPU_H
