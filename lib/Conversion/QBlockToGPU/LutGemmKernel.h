//===- LutGemmKernel.h - The LUT-GEMM GPU kernel ----------------*- C++ -*-===//
//
// Internal to lib/Conversion/QBlockToGPU: qblock-gpu-matmul-kernels calls
// this for every call of a qblock.gpu_lut_gemm stub (MatmulStub.h).
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_LUTGEMMKERNEL_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_LUTGEMMKERNEL_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace qblock::gpustub {

/// Replaces `call`, a call of a LUT-GEMM stub whose attribute is `fields`,
/// by the kernel's gpu.launch (nothing when M is 0). Fails with a diagnostic
/// on the call when the stub or its operands are malformed.
mlir::LogicalResult expandLutGemmStub(mlir::func::CallOp call,
                                      mlir::DictionaryAttr fields);

/// The largest K the kernel takes: its grid's y dimension holds one block
/// per chunk of K, and a grid dimension at most 65535 blocks.
int64_t lutGemmKernelMaxK();

} // namespace qblock::gpustub

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_LUTGEMMKERNEL_H
