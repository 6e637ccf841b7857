// Invalid options fail with a message that names the option and what to use,
// located at the module (the input file), not at <unknown>. The pass runs per
// function; each message appears once per run, not once per function.
// RUN: not quant-opt %s --qblock-quantize-linalg="block=0" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=BLOCK0
// RUN: not quant-opt %s --qblock-quantize-linalg="block=33" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=ODD
// RUN: not quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=9" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=BITS
// RUN: not quant-opt %s --qblock-quantize-linalg="scheme=bcq group=12" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=GROUP
// RUN: not quant-opt %s --qblock-quantize-linalg="scheme=foo" 2>&1 | FileCheck %s --check-prefix=SCHEME
// RUN: not quant-opt %s --qblock-quantize-linalg="select=best" 2>&1 | FileCheck %s --check-prefix=SELECT
// RUN: not quant-opt %s --qblock-quantize-linalg="scheme=bcq acts=mxfp4" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=BCQACTS
// RUN: not quant-opt %s --qblock-quantize-linalg="acts=fp8" 2>&1 | FileCheck %s --check-prefix=ACTS
// RUN: not quant-opt %s --qblock-quantize-linalg="full-path=true" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=FULLPATH
// RUN: not quant-opt %s --qblock-quantize-linalg="from=uniform" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=FROM
// RUN: not quant-opt %s --qblock-quantize-linalg="scheme=bcq from=gptq" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=FROMBAD
// RUN: not quant-opt %s --qblock-quantize-linalg="from=fit" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=FROMNOBCQ
// RUN: not quant-opt %s --qblock-quantize-linalg="bits=3" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=BITSNOBCQ
// RUN: not quant-opt %s --qblock-quantize-linalg="scheme=mxfp4 group=64" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=GROUPNOBCQ
// RUN: not quant-opt %s --qblock-quantize-linalg="scheme=bcq block=64" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=BLOCKBCQ
// INT8 x INT8 blocks (full-path=true) past 1040 elements would make
// qblock.matmuls the verifier rejects; 1040 itself and INT8 x 4-bit blocks
// of 4096 are fine.
// RUN: not quant-opt %s --qblock-quantize-linalg="acts=int8 full-path=true block=1042" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=INT8BLOCK
// RUN: quant-opt %s --qblock-quantize-linalg="acts=int8 full-path=true block=1040" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=QUIET
// RUN: quant-opt %s --qblock-quantize-linalg="acts=int8 block=4096" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=QUIET
// Options the scheme does not use: a warning, and the pass still runs.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4 select=two-stage" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=SELECTNV
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=mxfp4 tensor-scale=false" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=TSMX
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq tensor-scale=false" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=TSBCQ
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq select=two-stage" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=SELECTBCQ
// Options of another scheme at their defaults are what a printed pipeline
// holds (it lists every option); it parses again without a word, as the
// pipeline quant-opt prints does.
// RUN: quant-opt %s --qblock-quantize-linalg="acts=none bits=3 block=32 from=fit full-path=false group=128 scheme=mxfp4 select=mse tensor-scale=true" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=QUIET
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq" --dump-pass-pipeline 2>&1 | grep -o 'qblock-quantize-linalg{.*}' > %t.printed
// RUN: quant-opt %s --pass-pipeline="builtin.module(func.func($(cat %t.printed)))" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=QUIET
// Written by hand, the same option at its default was meant: block=32 next
// to scheme=bcq meant groups of 32 and quantized in groups of 128.
// RUN: not quant-opt %s --qblock-quantize-linalg="scheme=bcq block=32" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=BLOCK32BCQ
// RUN: not quant-opt %s --qblock-quantize-linalg="scheme=blockdialect bits=3" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=BITSNOBCQ
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=mxfp4 tensor-scale=true" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=TSMX
// RUN: quant-opt %s --qblock-quantize-linalg="select=two-stage scheme=blockdialect" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=QUIET
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4 tensor-scale=false" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=QUIET
// Legal but almost useless: a warning, and the pass still runs.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=1 from=uniform" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=INT1
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 from=uniform" 2>&1 | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning: --check-prefix=INT2

// BLOCK0: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: block=0: block size must be in [2, 4096], got 0
// ODD: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: block=33: block size must be even so that two 4-bit codes share a byte, got 33
// BITS: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: bits=9 is out of range; use 1..4
// GROUP: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: group=12: BCQ group size must be a positive multiple of 8 (one byte per bit plane), got 12
// SCHEME: for the --scheme option: Cannot find option named 'foo'!
// SELECT: for the --select option: Cannot find option named 'best'!
// BCQACTS: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: acts=mxfp4 needs a block weight scheme; qblock.lut_gemm (scheme=bcq) takes float activations
// ACTS: for the --acts option: Cannot find option named 'fp8'!
// FROM: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: from=uniform converts uniform INT-q to BCQ; it needs scheme=bcq
// FROMNOBCQ: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: from=fit chooses how BCQ weights are fitted; add scheme=bcq (scheme=blockdialect takes no from=)
// FROMBAD: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: from=gptq is unknown; use from=fit or from=uniform
// BITSNOBCQ: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: bits= sets the BCQ bit planes and group size; add scheme=bcq (block schemes take block=N)
// GROUPNOBCQ: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: group= sets the BCQ bit planes and group size; add scheme=bcq (block schemes take block=N)
// BLOCKBCQ: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: block=64 sets a block scheme's block size; scheme=bcq quantizes in groups: use group=N (default 128)
// BLOCK32BCQ: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: block=32 sets a block scheme's block size; scheme=bcq quantizes in groups: use group=N (default 128)
// SELECTNV: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: warning: --qblock-quantize-linalg: select= chooses among BlockDialect's 16 formats per block; scheme=nvfp4 has one format, so select= has no effect
// SELECTNV: func.func @f
// TSMX: warning: --qblock-quantize-linalg: tensor-scale= applies to NVFP4's E4M3 block scales (scheme=nvfp4, acts=nvfp4); scheme=mxfp4 has power-of-two scales, so tensor-scale= has no effect
// TSMX: func.func @f
// SELECTBCQ: warning: --qblock-quantize-linalg: select= chooses among BlockDialect's 16 formats per block; scheme=bcq has no formats (its weights are bit planes), so select= has no effect
// TSBCQ: warning: --qblock-quantize-linalg: tensor-scale= applies to NVFP4's E4M3 block scales (scheme=nvfp4, acts=nvfp4); scheme=bcq has f16 alphas, so tensor-scale= has no effect
// QUIET-NOT: warning
// QUIET: func.func @f
// INT1: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: warning: --qblock-quantize-linalg: bits=1 from=uniform has the two levels 0 and +-(max - min) per group, so most weights decode to 0; use from=fit (the BCQ fit) for 1-bit weights
// INT1: func.func @f
// INT2-NOT: warning
// INT8BLOCK: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: block=1042 with acts=int8 full-path=true: the integer path's block dot products could exceed 2^24 and not be exact in f32; use blocks of at most 1040 elements
// FULLPATH: quantize-linalg-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-quantize-linalg: full-path=true quantizes activation-by-activation matmuls with the acts= scheme; set acts=blockdialect, mxfp4, nvfp4 or int8

func.func @f() {
  return
}

func.func @g() {
  return
}
