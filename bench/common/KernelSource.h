//===- KernelSource.h - The MLIR text both benchmarks compile ---*- C++ -*-===//
//
// qblock-bench (CPU) and qblock-gpu-bench time what a user of the
// pipelines gets: a func.func holding a qblock.matmul (qblock.lut_gemm for
// BCQ) whose packed weights arrive at run time through qblock.from_storage.
// Both build that function here, so they measure the same module.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_COMMON_KERNELSOURCE_H
#define QBLOCK_BENCH_COMMON_KERNELSOURCE_H

#include "qblock/IR/QBlockTypes.h"

#include <cstdint>
#include <string>

namespace qblock::bench {

struct KernelSource {
  int64_t m = 1;
  /// The weight W[K][N] blocked along K; its storage bytes fix the size of
  /// the i8 argument.
  QuantizedTensorType weightType;
  /// When set (a #qblock.scheme spelling), activations are quantized online
  /// inside the matmul (its act_scheme attribute): the W4A4 integer path.
  std::string actScheme;
  /// Instead of the matmul, only qblock.dequantize of the weights into an
  /// N x K f32 matrix (row n = column n of W). The A argument is then unused.
  bool dequantizeOnly = false;
  /// Element type of A (f32, f16 or bf16); C is f32 either way.
  std::string actElement = "f32";
};

/// The MLIR text of @qblock_kernel(A: MxK actElement, W: bytes i8, C: MxN f32),
/// C = A * W; with dequantizeOnly, C is N x K and receives the weights.
std::string buildKernelSource(const KernelSource &spec);

} // namespace qblock::bench

#endif // QBLOCK_BENCH_COMMON_KERNELSOURCE_H
