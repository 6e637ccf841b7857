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
// --qblock-quantize-linalg's cross-scheme checks accept every option at its
// default next to scheme= (as printed); NVFP4's block of 16 is printed as
// such (it printed block=32, which parsed again to blocks of 32).
// RUN: %python %S/Inputs/reparse_pipeline.py quant-opt %s "func.func(qblock-quantize-linalg{scheme=nvfp4}),qblock-select-formats" | FileCheck %s --check-prefix=NVFP4
// RUN: %python %S/Inputs/reparse_pipeline.py quant-opt %s "func.func(qblock-quantize-linalg{scheme=mxfp4})" | FileCheck %s --check-prefix=MXFP4
// RUN: %python %S/Inputs/reparse_pipeline.py quant-opt %s "func.func(qblock-quantize-linalg{scheme=bcq bits=2 group=32 from=uniform}),qblock-select-formats" | FileCheck %s --check-prefix=BCQ

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

// NVFP4: qblock-quantize-linalg{{.*}} block=16 {{.*}}scheme=nvfp4
// MXFP4: qblock-quantize-linalg{{.*}} bits=3 {{.*}}from=fit {{.*}}scheme=mxfp4
// BCQ: qblock-quantize-linalg{{.*}} bits=2 block=32 {{.*}}from=uniform {{.*}}group=32 {{.*}}scheme=bcq

func.func @matmul(%a: tensor<1x64xf32>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}

// A float matmul with a constant weight, for --qblock-quantize-linalg (the
// pipelines lower it as it is).
func.func @float_matmul(%a: tensor<2x64xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<0.25> : tensor<64x8xf32>
  %r = linalg.matmul ins(%a, %w : tensor<2x64xf32>, tensor<64x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}
