//===- StageBuffersForGPU.h - device copies around gpu.launch ---*- C++ -*-===//
//
// Internal to the GPU pipeline (registered for tests, not a public pass).
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_PIPELINES_STAGEBUFFERSFORGPU_H
#define QBLOCK_LIB_PIPELINES_STAGEBUFFERSFORGPU_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace qblock {
/// Copies every host buffer a gpu.launch uses into device memory before the
/// launch, and back after it when the kernel writes it (see the .cpp).
std::unique_ptr<mlir::Pass> createStageBuffersForGPUPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_STAGEBUFFERSFORGPU_H
