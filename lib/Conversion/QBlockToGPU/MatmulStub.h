//===- MatmulStub.h - The call that stands for a GPU matmul -----*- C++ -*-===//
//
// Internal to lib/Conversion/QBlockToGPU. qblock-convert-matmul-to-gpu
// (tensors, before bufferization) replaces a W4A16 or W4A4 qblock.matmul by a call
//
//   func.call @__qblock_gpu_matmul(%packed, %activations, %out)
//
// of a private declaration that carries what the kernel needs in one
// dictionary attribute (a BCQ qblock.lut_gemm likewise becomes a call of
// @__qblock_gpu_lut_gemm); qblock-gpu-matmul-kernels (memrefs, after
// bufferization) replaces the call by the kernel. The operands are
//
//   %packed       memref<S x i8>              the packed weight bytes
//   %activations  memref<[B x] M x K x T>     read
//   %out          memref<[B x] M x N x U>     holds init, receives the result
//
// with T and U each f32, f16 or bf16. A W4A4 stub's attribute also has `act_scheme`; its %activations
// is then memref<? x i8> (or static), the packed bytes of the [B x] M x K
// activations in that scheme (B * M rows, docs/formats.md). The B dimension is there when the weights have a batch dimension;
// the LUT-GEMM stub's attribute then has a `batch` entry.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_MATMULSTUB_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_MATMULSTUB_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

namespace qblock::gpustub {

/// The stub's attribute: {scheme = #qblock.scheme<...>, k = K, n = N,
/// batch = B (1 when not batched)}, all sizes static, plus act_scheme =
/// #qblock.scheme<...> for packed (W4A4) activations.
constexpr llvm::StringLiteral kMatmulStubAttr = "qblock.gpu_matmul";
/// Stub names start with this (the symbol table makes them unique).
constexpr llvm::StringLiteral kMatmulStubName = "__qblock_gpu_matmul";

/// The LUT-GEMM stub's attribute: {bcq = #qblock.bcq<...>, k = K, n = N},
/// plus batch = B for batched weights.
constexpr llvm::StringLiteral kLutGemmStubAttr = "qblock.gpu_lut_gemm";
constexpr llvm::StringLiteral kLutGemmStubName = "__qblock_gpu_lut_gemm";

/// The element types the kernels read and write: f32, f16 and bf16 (half
/// values are widened to f32 for the arithmetic).
inline bool isKernelElementType(mlir::Type type) {
  return type.isF32() || type.isF16() || type.isBF16();
}

/// Whether a stub call has the operands above as three identity-layout
/// memrefs (what bufferization with identity layouts gives); both kernel
/// builders check it before reading them.
inline bool hasStubOperands(mlir::func::CallOp call) {
  return call.getNumOperands() == 3 &&
         llvm::all_of(call.getOperandTypes(), [](mlir::Type type) {
           auto memref = llvm::dyn_cast<mlir::MemRefType>(type);
           return memref && memref.getLayout().isIdentity();
         });
}

} // namespace qblock::gpustub

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_MATMULSTUB_H
