// A nested module did not survive the pipelines: the CPU pipeline failed
// deep in bufferization ("failed to legalize bufferization.to_buffer"), the
// GPU pipeline on an unresolved call, and mlir-translate drops a nested
// module's contents without a word. Every pipeline now starts by naming
// each outermost nested module at its location; the module's own ops are
// not reported.
// RUN: not quant-opt %s --qblock-cpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU --implicit-check-not=error:
// RUN: not quant-opt %s --qblock-gpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=GPU --implicit-check-not=error:
// RUN: not quant-opt %s --qblock-gpu-emulation-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=EMU --implicit-check-not=error:
// CPU: pipeline-nested-module.mlir:[[@LINE+4]]:3: error: --qblock-cpu-pipeline lowers one flat module to LLVM IR, and a nested module (@inner) would not survive it (mlir-translate drops nested modules' contents); move its operations into the top-level module, or run the pipeline on the nested module alone
// GPU: pipeline-nested-module.mlir:[[@LINE+3]]:3: error: --qblock-gpu-pipeline lowers one flat module
// EMU: pipeline-nested-module.mlir:[[@LINE+2]]:3: error: --qblock-gpu-emulation-pipeline lowers one flat module
module {
  module @inner {
    module @innermost {
    }
    func.func @gemv(%a: tensor<1x64xf32>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
      %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
      %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
      return %r : tensor<1x32xf32>
    }
  }
  // A second nested module, unnamed, is reported too.
  // CPU: pipeline-nested-module.mlir:[[@LINE+3]]:3: error: --qblock-cpu-pipeline lowers one flat module to LLVM IR, and a nested module would not survive it
  // GPU: pipeline-nested-module.mlir:[[@LINE+2]]:3: error: --qblock-gpu-pipeline lowers one flat module to LLVM IR, and a nested module would not survive it
  // EMU: pipeline-nested-module.mlir:[[@LINE+1]]:3: error: --qblock-gpu-emulation-pipeline lowers one flat module to LLVM IR, and a nested module would not survive it
  module {
  }
  func.func @top() {
    return
  }
}
