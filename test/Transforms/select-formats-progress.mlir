// Progress lines on stderr while weights are packed: every `progress`
// seconds, the first only after that long. A tiny interval makes even this
// small weight (64 x 256, four chunks of 64 rows) report; the default (10 s)
// prints nothing for it, so ordinary runs stay quiet.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 group=64" --qblock-select-formats="progress=0.000001" -o /dev/null 2>&1 | FileCheck %s --check-prefix=LINES
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats="progress=0.000001" -o /dev/null 2>&1 | FileCheck %s --check-prefix=LINES
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats="progress=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// RUN: not quant-opt %s --qblock-select-formats="progress=-1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD

// LINES: qblock-select-formats: packed {{[0-9.]+k}} of 16.4k weights ({{[0-9]+}}%), {{[0-9.]+}} s
// LINES: qblock-select-formats: packed 16.4k weights in {{[0-9.]+}} s
// QUIET-NOT: qblock-select-formats: packed
// BAD: --qblock-select-formats: progress=-1 is not a number of seconds; use e.g. progress=10 for a line every 10 s, or progress=0 for none

func.func @layer(%x: tensor<4x64xf32>) -> tensor<4x256xf32> {
  %w = arith.constant dense<0.375> : tensor<64x256xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<4x256xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x256xf32>) -> tensor<4x256xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x256xf32>)
                     outs(%init : tensor<4x256xf32>) -> tensor<4x256xf32>
  return %y : tensor<4x256xf32>
}
