// Sizes the types leave dynamic are checked when the matmul runs. The
// activations here are tensor<?x?xf32>: --qblock-quantize-linalg casts
// them to the weight's K, and a call with another K read past the rows
// (a row of NaN for K = 32 against the weight's 64) or used only the first
// 64 columns (K = 128), without a word. Now the program stops with the
// location of the linalg op and what differs (the check comes with the
// cast), on stderr (so the message survives a pipe: upstream's cf.assert
// lowering prints to stdout, which abort() does not flush).

// RUN: sed 's/KDIM/64/' %s | quant-opt --qblock-quantize-linalg=scheme=mxfp4 --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=OK
// RUN: sed 's/KDIM/32/' %s | quant-opt --qblock-quantize-linalg=scheme=mxfp4 --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=SHORT
// RUN: sed 's/KDIM/128/' %s | quant-opt --qblock-quantize-linalg=scheme=int4 --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=SHORT
// RUN: sed 's/KDIM/32/' %s | quant-opt --qblock-quantize-linalg="scheme=bcq group=32" --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=SHORT
// A matmul the pipelines take in float (not quantized) is checked too: it
// read past the weight (K = 128; garbage, or a crash for a huge K) or used
// part of it (K = 32), without a word (found by an adversarial run over the
// Python package, 2026-12-07). Upstream's checks of linalg's sizes, with
// the op's location.
// RUN: sed 's/KDIM/64/' %s | quant-opt --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=OK
// RUN: sed 's/KDIM/32/' %s | quant-opt --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=FLOAT
// RUN: sed 's/KDIM/128/' %s | quant-opt --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=FLOAT
// RUN: %if !sanitized %{ sed 's/KDIM/128/' %s | quant-opt --qblock-gpu-emulation-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs,%qblock_lib_dir/libqblock_gpu_emulator.so 2>&1 | FileCheck %s --check-prefix=FLOAT %}
// FLOAT: linalg.matmul at <stdin>:[[# @LINE + 14]]:8: dimension #0 of input/output operand #1 is incompatible with inferred dimension size

// All-ones activations times weights of 0.5 (exact in every scheme): 64 x 0.5.
// OK: [32,   32,   32,   32,   32,   32,   32,   32],
// OK-NEXT: [32,   32,   32,   32,   32,   32,   32,   32]]
// SHORT: linalg.matmul at <stdin>:[[# @LINE + 9]]:8: the activations' reduction size (dimension 1 of the input) differs from the weight's K = 64

func.func @mm(%a: tensor<?x?xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<0.5> : tensor<64x8xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%m) : tensor<?x8xf32>
  %z = arith.constant 0.0 : f32
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %r = linalg.matmul ins(%a, %w : tensor<?x?xf32>, tensor<64x8xf32>) outs(%i : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %a = arith.constant dense<1.0> : tensor<2xKDIMxf32>
  %d = tensor.cast %a : tensor<2xKDIMxf32> to tensor<?x?xf32>
  %r = call @mm(%d) : (tensor<?x?xf32>) -> tensor<?x8xf32>
  %u = tensor.cast %r : tensor<?x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
