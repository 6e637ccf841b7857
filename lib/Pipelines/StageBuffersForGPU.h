//===- StageBuffersForGPU.h - device copies around gpu.launch ---*- C++ -*-===//
//
// Internal to the GPU pipeline (registered for tests, not a public pass).
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_PIPELINES_STAGEBUFFERSFORGPU_H
#define QBLOCK_LIB_PIPELINES_STAGEBUFFERSFORGPU_H

#include "mlir/Pass/Pass.h"

#include "llvm/ADT/StringRef.h"

#include <memory>

namespace qblock {
/// The CUDA runtime's function (lib/Runtime/CUDARuntime.cpp) that returns the
/// cached device copy of read-only host data: void *(void *host, int64_t
/// bytes, void **slot). The emulation pipeline renames its calls to the
/// emulator's own function (EmulateGPUOnCPU.cpp).
inline constexpr llvm::StringLiteral kCachedUploadName =
    "qblockCudaCachedUpload";

/// Copies every host buffer a gpu.launch uses into device memory before the
/// launch, and back after it when the kernel writes it (see the .cpp).
std::unique_ptr<mlir::Pass> createStageBuffersForGPUPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_STAGEBUFFERSFORGPU_H
