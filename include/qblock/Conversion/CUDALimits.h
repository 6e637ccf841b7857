//===- CUDALimits.h - launch limits of the GPUs qblock targets --*- C++ -*-===//
//
// CUDA's limits on a launch's grid and thread block, the same on every chip
// --qblock-gpu-pipeline targets (sm_70 and later). Three separate programs
// hold a launch to them: the GPU lowering, which slabs or falls back to
// loop nests rather than emit a grid a GPU refuses; the GPU emulator, which
// must fail where a GPU would; and qblock-gpu-run's plan check. They read
// the numbers from here so that they cannot drift apart. Plain constants:
// the emulator and the bench tools do not link MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_CONVERSION_CUDALIMITS_H
#define QBLOCK_CONVERSION_CUDALIMITS_H

#include <cstdint>

namespace qblock::cuda {

/// The most blocks in a grid's x dimension (2^31 - 1).
constexpr int64_t kMaxGridX = (int64_t(1) << 31) - 1;
/// The most blocks in a grid's y or z dimension.
constexpr int64_t kMaxGridYZ = 65535;
/// The most threads in a block's x or y dimension, and in a whole block.
constexpr int64_t kMaxBlockThreads = 1024;
/// The most threads in a block's z dimension.
constexpr int64_t kMaxBlockZ = 64;

} // namespace qblock::cuda

#endif // QBLOCK_CONVERSION_CUDALIMITS_H
