// A printed pipeline (--dump-pass-pipeline, a crash reproducer's
// pipeline) parses again and gives the same output. The pipelines' own
// steps were unregistered passes, and the pipeline name in their messages
// and the CPU target were constructor arguments the printed text lost, so
// the text failed with "'qblock-check-flat-module' does not refer to a
// registered pass or pass pipeline".
// RUN: %python %S/Inputs/reparse_pipeline.py quant-opt %s "qblock-cpu-pipeline{target=avx512}" | FileCheck %s --check-prefix=CPU
// RUN: %python %S/Inputs/reparse_pipeline.py quant-opt %s "qblock-cpu-pipeline{target=generic cpu-check=false}" | FileCheck %s --check-prefix=GENERIC
// RUN: %python %S/Inputs/reparse_pipeline.py quant-opt %s "qblock-gpu-pipeline" | FileCheck %s --check-prefix=GPU
// RUN: %python %S/Inputs/reparse_pipeline.py quant-opt %s "qblock-gpu-emulation-pipeline" | FileCheck %s --check-prefix=EMU

// CPU: qblock-check-flat-module{pipeline=qblock-cpu-pipeline},
// CPU: qblock-set-cpu-target{target=avx512},
// CPU: qblock-guard-cpu-features,
// CPU: qblock-check-lowered-to-llvm{pipeline=qblock-cpu-pipeline})

// GENERIC: qblock-check-flat-module{pipeline=qblock-cpu-pipeline},
// GENERIC: qblock-set-cpu-target{target=generic},
// GENERIC-NOT: qblock-guard-cpu-features
// GENERIC: qblock-check-lowered-to-llvm{pipeline=qblock-cpu-pipeline})

// GPU: qblock-check-flat-module{pipeline=qblock-gpu-pipeline},
// GPU: qblock-check-lowered-to-llvm{pipeline=qblock-gpu-pipeline})

// EMU: qblock-check-flat-module{pipeline=qblock-gpu-emulation-pipeline},
// EMU: qblock-check-lowered-to-llvm{pipeline=qblock-gpu-emulation-pipeline})

func.func @matmul(%a: tensor<1x64xf32>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}
