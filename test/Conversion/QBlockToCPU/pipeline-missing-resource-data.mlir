// A dense_resource whose data is missing (a module printed with
// --mlir-elide-resource-strings-if-larger, or a key the file's
// dialect_resources does not define) is an error at the op that holds it.
// Every pipeline used to succeed and emit a global that mlir-translate then
// rejected at a line of the output (found by an adversarial run over the
// GPU lowering, 2026-12-07).
// RUN: quant-opt %s --qblock-cpu-pipeline -split-input-file -verify-diagnostics -o /dev/null
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -split-input-file 2>&1 | FileCheck %s --check-prefix=GPU
// RUN: not quant-opt %s --qblock-gpu-emulation-pipeline -split-input-file 2>&1 | FileCheck %s --check-prefix=EMU

// GPU: error: the data of dense_resource 'packed_w' is missing (elided when the module was printed, or not in its dialect_resources); --qblock-gpu-pipeline needs it: print the module without --mlir-elide-resource-strings-if-larger
// EMU: error: the data of dense_resource 'packed_w' is missing {{.*}}; --qblock-gpu-emulation-pipeline needs it
func.func @packed(%x: tensor<2x64xf32>) -> tensor<2x32xf32> {
  // expected-error@+1 {{the data of dense_resource 'packed_w' is missing (elided when the module was printed, or not in its dialect_resources); --qblock-cpu-pipeline needs it: print the module without --mlir-elide-resource-strings-if-larger}}
  %w = qblock.constant dense_resource<packed_w> : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x32xf32>) -> tensor<2x32xf32>
  %r = qblock.matmul ins(%x, %w : tensor<2x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
  return %r : tensor<2x32xf32>
}

// -----

// A float constant of the user's, elided.
// GPU: error: the data of dense_resource '__elided__' is missing
// EMU: error: the data of dense_resource '__elided__' is missing
func.func @float(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{the data of dense_resource '__elided__' is missing}}
  %c = arith.constant dense_resource<__elided__> : tensor<4xf32>
  %r = arith.addf %x, %c : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// Data that is there passes.
// GPU-NOT: error: the data of dense_resource 'present'
// EMU-NOT: error: the data of dense_resource 'present'
func.func @present(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant dense_resource<present> : tensor<4xf32>
  %r = arith.addf %x, %c : tensor<4xf32>
  return %r : tensor<4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      present: "0x040000000000803F000000400000404000008040"
    }
  }
#-}
