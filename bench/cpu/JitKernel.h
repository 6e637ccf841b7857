//===- JitKernel.h - One qblock matmul, lowered and JIT-compiled -*- C++
//-*-===//
//
// qblock-bench times exactly what a user of --qblock-cpu-pipeline gets: a
// func.func holding a qblock.matmul (qblock.lut_gemm for BCQ) whose packed
// weights arrive at run time through qblock.from_storage, lowered by the
// pipeline and compiled by MLIR's ExecutionEngine for the host CPU.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_CPU_JITKERNEL_H
#define QBLOCK_BENCH_CPU_JITKERNEL_H

#include "../common/KernelSource.h"
#include "qblock/IR/QBlockTypes.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace qblock::bench {

/// Registers what parsing, lowering and translating the kernel needs: every
/// upstream dialect and extension (one-shot bufferization asks each dialect
/// for its bufferization models, exactly as in quant-opt), qblock, the LLVM IR
/// translations, qblock's pipelines and the native target.
void registerJitDependencies(mlir::DialectRegistry &registry);

struct KernelSpec {
  int64_t m = 1;
  /// The weight W[K][N] blocked along K; its storage bytes fix the size of
  /// the i8 argument.
  QuantizedTensorType weightType;
  /// qblock-cpu-pipeline's `target` option.
  std::string target = "host";
  /// When set (a #qblock.scheme spelling), activations are quantized online
  /// inside the matmul (its act_scheme attribute): the W4A4 integer path.
  std::string actScheme;
  /// Instead of the matmul, only qblock.dequantize of the weights into an
  /// N x K f32 matrix (row n = column n of W): the first half of the
  /// dequantize-then-multiply baseline. The A argument is then unused.
  bool dequantizeOnly = false;
  /// qblock-cpu-pipeline's `lut-tables` option (LUT-GEMM table precision).
  std::string lutTables = "f32";
  /// Element type of A: f32, f16 or bf16.
  std::string actElement = "f32";
};

class JitKernel {
public:
  /// Parses buildKernelSource (KernelSource.h) of `spec`, runs qblock-cpu-pipeline on it and
  /// JIT-compiles the result at -O3 for the host CPU, with `libompPath`
  /// loaded for the OpenMP runtime. The error carries the diagnostics.
  static llvm::Expected<std::unique_ptr<JitKernel>>
  compile(mlir::MLIRContext &context, const KernelSpec &spec,
          llvm::StringRef libompPath);

  /// C = A * W; a is M x K (of the spec's actElement) and c is M x N f32,
  /// both row-major; w holds the packed storage of the weight type. With
  /// dequantizeOnly, c (N x K) receives the dequantized weights and a is
  /// not read.
  void run(const void *a, const uint8_t *w, float *c) const;

private:
  JitKernel() = default;

  using EntryPoint = void (*)(void *a, void *w, void *c);
  std::unique_ptr<mlir::ExecutionEngine> engine;
  EntryPoint entry = nullptr;
  int64_t m = 0, n = 0, k = 0, storageBytes = 0;
  bool dequantizeOnly = false;
};

} // namespace qblock::bench

#endif // QBLOCK_BENCH_CPU_JITKERNEL_H
