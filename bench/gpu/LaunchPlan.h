//===- LaunchPlan.h - A qblock kernel as a list of direct launches -*- C++ -*-===//
//
// qblock-gpu-bench times the kernels --qblock-gpu-pipeline generates, not the
// host code around them: the host function of a lowered module stages every
// buffer through fresh device allocations and copies at each call, which
// would swamp a GEMV that reads its weights in microseconds. So the bench
// compiles @qblock_kernel(A, W, C) through the pipeline, looks at the host
// function right after gpu-kernel-outlining, and turns it into a plan: which
// device buffers exist, where each one's contents come from (A, W at a byte
// offset, zeros, a constant global, nothing), which one ends up in C, and each
// gpu.launch_func with constant grid and block sizes and its arguments. The
// bench then launches the kernels of the gpu.binary itself, with its own
// device buffers (W rotated over copies larger than the L2 cache).
//
// A host function that computes something on the host and hands it to a
// kernel (e.g. the generic LUT-GEMM path, which builds its tables on the
// host), or launches inside loops, has no plan: `notLaunchable` says why and
// the bench falls back to timing whole calls of the lowered function.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_GPU_LAUNCHPLAN_H
#define QBLOCK_BENCH_GPU_LAUNCHPLAN_H

#include "../common/KernelSource.h"
#include "PlanData.h"
#include "qblock/IR/QBlockTypes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qblock::bench {

/// Everything parsing, lowering (including gpu-module-to-binary, which
/// translates device code in-process) and JIT-compiling the module needs.
void registerGPUBenchDependencies(mlir::DialectRegistry &registry);

struct KernelConfig {
  int64_t m = 1;
  /// W[K][N] blocked along K.
  QuantizedTensorType weightType;
  std::string chip = "sm_90a";
  /// isa (PTX, compiled by the driver at load time) or bin (cubin).
  std::string format = "isa";
  /// Element type of A: f32, f16 or bf16.
  std::string actElement = "f32";
  /// A #qblock.scheme spelling: A is quantized online (act_scheme, W4A4 /
  /// W4A8); empty: W4A16.
  std::string actScheme;
  /// --qblock-gpu-pipeline's tensor-cores option.
  bool tensorCores = false;
  /// --qblock-gpu-pipeline's weight-decode option: permute or table.
  std::string weightDecode = "permute";
};

/// A plan derived from a lowered module.
struct KernelPlan : PlanData {
  /// Empty when the kernels can be launched directly.
  std::string notLaunchable;
  /// The whole lowered module (LLVM dialect + gpu.binary), for the
  /// whole-call fallback.
  mlir::OwningOpRef<mlir::ModuleOp> lowered;

  void print(llvm::raw_ostream &os) const;
};

/// Compiles the kernel of buildKernelSource (KernelSource.h) for `config`
/// with qblock-gpu-pipeline and derives the plan. The error carries the
/// pipeline's diagnostics.
llvm::Expected<KernelPlan> compileKernel(mlir::MLIRContext &context,
                                         const KernelConfig &config);

/// The number of .param entries of `.entry kernel(...)` in PTX text, or -1
/// when the entry is not found.
int countPTXParams(llvm::StringRef ptx, llvm::StringRef kernel);

} // namespace qblock::bench

#endif // QBLOCK_BENCH_GPU_LAUNCHPLAN_H
