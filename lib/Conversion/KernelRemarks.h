//===- KernelRemarks.h - Which kernel each qblock op got --------*- C++ -*-===//
//
// The CPU and GPU lowerings pick a kernel per qblock.matmul and
// qblock.lut_gemm from its shape, types and the target; a shape that misses
// the fast path shows only in the timings. Each choice is an MLIR
// optimization remark (mlir/IR/Remarks.h): silent unless asked for, e.g.
// `quant-opt --remarks-filter='qblock.*'` (a regular expression that must
// match the whole category name), which prints
//
//   remark: [Passed] lut-gemm-chunked | Category:qblock-cpu | ...
//   remark: [Missed] bf16-tiles | Category:qblock-cpu | ...,
//       Reason="...", Remark="...", Suggestion="..."
//
// and `--remark-format=yaml --remarks-output-file=F` writes them for tools.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_KERNELREMARKS_H
#define QBLOCK_LIB_CONVERSION_KERNELREMARKS_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Remarks.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace qblock {

/// The remark categories of the two lowerings.
inline constexpr llvm::StringLiteral kCPUKernelRemarks = "qblock-cpu";
inline constexpr llvm::StringLiteral kGPUKernelRemarks = "qblock-gpu";

/// A remark named `name` (the kernel, or the path not taken) in `category`
/// about `op`, naming the function it sits in.
inline mlir::remark::RemarkOpts kernelRemark(mlir::Operation *op,
                                             llvm::StringRef category,
                                             llvm::StringRef name) {
  auto opts = mlir::remark::RemarkOpts::name(name).category(category);
  if (auto function = op->getParentOfType<mlir::FunctionOpInterface>())
    opts = opts.function(function.getName());
  return opts;
}

} // namespace qblock

#endif // QBLOCK_LIB_CONVERSION_KERNELREMARKS_H
