//===- KernelSource.cpp - The MLIR text both benchmarks compile -----------===//

#include "KernelSource.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

std::string qblock::bench::buildKernelSource(const KernelSource &spec) {
  ArrayRef<int64_t> shape = spec.weightType.getShape(); // K x N
  std::string qtype;
  llvm::raw_string_ostream(qtype) << spec.weightType;
  // BCQ weights multiply through lookup tables, a different op.
  std::string op =
      spec.weightType.getBCQScheme() ? "qblock.lut_gemm" : "qblock.matmul";
  std::string a = std::to_string(spec.m) + "x" + std::to_string(shape[0]) +
                  "x" + spec.actElement;
  std::string c =
      std::to_string(spec.m) + "x" + std::to_string(shape[1]) + "xf32";
  std::string w = std::to_string(spec.weightType.getStorageBytes()) + "xi8";
  std::string acts =
      spec.actScheme.empty() ? "" : "{act_scheme = " + spec.actScheme + "} ";
  if (spec.dequantizeOnly) {
    // The same bytes viewed as N x K quantized along axis 1 (the packed
    // layout has one row per output column either way), so the result has
    // contiguous rows, the layout OpenBLAS then reads.
    std::string rows = std::to_string(shape[1]) + "x" +
                       std::to_string(shape[0]) + "xf32";
    c = rows;
    std::string scheme;
    if (auto bcq = spec.weightType.getBCQScheme())
      llvm::raw_string_ostream(scheme) << bcq;
    else
      llvm::raw_string_ostream(scheme) << spec.weightType.getBlockScheme();
    qtype = "!qblock.qtensor<" + rows + ", " + scheme + ", axis = 1>";
  }

  // A template with named holes rather than formatv: the IR's own braces
  // would all need escaping.
  std::string source = R"mlir(
func.func @qblock_kernel(%a_m: memref<$A>, %w_m: memref<$W>, %c_m: memref<$C>) attributes {llvm.emit_c_interface} {
  %a = bufferization.to_tensor %a_m restrict : memref<$A> to tensor<$A>
  %w = bufferization.to_tensor %w_m restrict : memref<$W> to tensor<$W>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<$C>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<$C>) -> tensor<$C>
  %q = qblock.from_storage %w : tensor<$W> -> $QTYPE
  %r = $OP ins(%a, %q : tensor<$A>, $QTYPE) outs(%init : tensor<$C>) $FUSED-> tensor<$C>
  bufferization.materialize_in_destination %r in restrict writable %c_m : (tensor<$C>, memref<$C>) -> ()
  return
}
)mlir";
  if (spec.dequantizeOnly)
    source = R"mlir(
func.func @qblock_kernel(%a_m: memref<$A>, %w_m: memref<$W>, %c_m: memref<$C>) attributes {llvm.emit_c_interface} {
  %w = bufferization.to_tensor %w_m restrict : memref<$W> to tensor<$W>
  %q = qblock.from_storage %w : tensor<$W> -> $QTYPE
  %r = qblock.dequantize %q : $QTYPE -> tensor<$C>
  bufferization.materialize_in_destination %r in restrict writable %c_m : (tensor<$C>, memref<$C>) -> ()
  return
}
)mlir";
  for (auto [hole, text] : {std::pair<std::string, std::string>{"$A", a},
                            {"$W", w},
                            {"$C", c},
                            {"$QTYPE", qtype},
                            {"$OP", op},
                            {"$FUSED", acts}}) {
    for (size_t pos = source.find(hole); pos != std::string::npos;
         pos = source.find(hole, pos + text.size()))
      source.replace(pos, hole.size(), text);
  }
  return source;
}
