// W4A4: --qblock-quantize-linalg acts=... quantizes activations at run time
// and the matmul multiplies quantized values as products of scaled integers
// (exact block dot products, one scale multiply per block pair). It must
// equal, up to float summation order, the W4A16 product of the same weights
// with explicitly quantized-then-dequantized activations; a NaN in an
// activation block turns exactly that output row into NaN.
//
// DEFINE: %{weights} = blockdialect
// DEFINE: %{acts} = blockdialect
// DEFINE: %{gen} =
// DEFINE: %{actattr} = blockdialect, select = two_stage
// DEFINE: %{nanrows} = 0
// DEFINE: %{fuse} =
// DEFINE: %{scaled} =
// DEFINE: %{checkscaled} =
// DEFINE: %{run} = %python %S/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.a.mlir \
// DEFINE:   && %python %S/Inputs/gen_matmul.py %{gen} --acts-out %t.json --explicit-act-quant "%{actattr}" %{scaled} > %t.b.mlir \
// DEFINE:   && quant-opt %t.a.mlir --qblock-quantize-linalg="scheme=%{weights} acts=%{acts}" %{fuse} --qblock-select-formats --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.a.out \
// DEFINE:   && quant-opt %t.b.mlir --qblock-quantize-linalg="scheme=%{weights}" --qblock-select-formats --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.b.out \
// DEFINE:   && %python %S/Inputs/check_close.py %t.a.out %t.b.out --expect-nan-rows %{nanrows} %{checkscaled} | FileCheck %s
// CHECK: check_close: PASS

// GEMV and GEMM with BlockDialect activations (two-stage), odd shapes.
// REDEFINE: %{gen} = --m 1 --n 33 --k 256 --transposed --seed 31
// RUN: %{run}
// REDEFINE: %{gen} = --m 3 --n 13 --k 64 --seed 32
// RUN: %{run}

// The same with the activation quantization fused into the matmul.
// REDEFINE: %{fuse} = --qblock-fuse-activation-quant
// RUN: %{run}
// REDEFINE: %{gen} = --m 1 --n 33 --k 256 --transposed --seed 31
// RUN: %{run}

// A NaN activation makes its row (and only it) NaN; dynamic M.
// REDEFINE: %{gen} = --m 4 --n 9 --k 128 --nan-row 2 --dynamic-m --seed 33
// REDEFINE: %{nanrows} = 1
// RUN: %{run}
// REDEFINE: %{fuse} =
// RUN: %{run}
// REDEFINE: %{nanrows} = 0

// A dynamic K (tensor<?x?xf32>; K known only from the weight), plain and
// batched: the activations are cast to the weight's K before the run-time
// quantizer sizes its blocks (it read K = ? as a huge count and crashed).
// REDEFINE: %{gen} = --m 3 --n 13 --k 64 --dynamic-k --seed 34
// RUN: %{run}
// REDEFINE: %{gen} = --m 2 --n 7 --k 96 --batch 2 --dynamic-k --seed 35
// RUN: %{run}

// MXFP4 activations, batched (attention-shaped) and transposed.
// REDEFINE: %{acts} = mxfp4
// REDEFINE: %{actattr} = mxfp4
// REDEFINE: %{gen} = --m 5 --n 6 --k 96 --batch 3 --dynamic-m --seed 34
// RUN: %{run}
// REDEFINE: %{weights} = int4
// REDEFINE: %{gen} = --m 2 --n 5 --k 64 --batch 2 --transposed --seed 35
// RUN: %{run}

// The tiled kernel (from w4a4-tile-rows activation rows; by default 9 where
// the AVX-512 VNNI GEMV kernel applies, else 4) and
// the per-element one compute the same f32 operations in the same order:
// forced to either, the outputs agree exactly (rtol 0), on odd M and N
// (a partial last tile, rows outside groups of 4) and batched.
// DEFINE: %{same} = %python %S/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.a.mlir \
// DEFINE:   && quant-opt %t.a.mlir --qblock-quantize-linalg="scheme=%{weights} acts=%{acts}" --qblock-fuse-activation-quant --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && quant-opt %t.q.mlir --convert-qblock-to-cpu=w4a4-tile-rows=1 --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.tiled.out \
// DEFINE:   && quant-opt %t.q.mlir --convert-qblock-to-cpu=w4a4-tile-rows=1000000 --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.elements.out \
// DEFINE:   && %python %S/Inputs/check_close.py %t.tiled.out %t.elements.out --rtol 0 --expect-nan-rows %{nanrows} | FileCheck %s
// REDEFINE: %{weights} = blockdialect
// REDEFINE: %{acts} = blockdialect
// REDEFINE: %{gen} = --m 7 --n 21 --k 128 --nan-row 5 --seed 36
// REDEFINE: %{nanrows} = 1
// RUN: %{same}
// REDEFINE: %{acts} = mxfp4
// REDEFINE: %{gen} = --m 6 --n 17 --k 64 --batch 2 --transposed --seed 37
// REDEFINE: %{nanrows} = 0
// RUN: %{same}
// And the tiled kernel against the W4A16 reference, GEMM-sized M.
// REDEFINE: %{acts} = blockdialect
// REDEFINE: %{actattr} = blockdialect, select = two_stage
// REDEFINE: %{weights} = blockdialect
// REDEFINE: %{fuse} = --qblock-fuse-activation-quant
// REDEFINE: %{gen} = --m 19 --n 40 --k 256 --seed 38
// RUN: %{run}

// Blocks of 4 elements: the decoder runs 2 lanes wide, below the width the
// GEMV kernel's shared horizontal sums take (it then reduces one by one);
// GEMV and the tiled GEMM.
// REDEFINE: %{weights} = blockdialect block=4
// REDEFINE: %{actattr} = blockdialect, block = 4, select = two_stage
// REDEFINE: %{gen} = --m 1 --n 9 --k 64 --seed 39
// RUN: %{run}
// REDEFINE: %{gen} = --m 5 --n 9 --k 64 --seed 40
// RUN: %{run}

// NVFP4 activations (E4M3 block scales and a per-tensor scale, both
// chosen at run time): with NVFP4 weights (blocks of 16; the weights also
// carry their tensor scale) as Blackwell pairs them, GEMV and GEMM, fused
// and not; and in blocks of 32 under BlockDialect weights, with a NaN row
// (which the per-tensor scale ignores). The reference quantizes the
// activations divided by the tensor scale gen_matmul.py computes, and
// check_close.py multiplies its output by it.
// REDEFINE: %{weights} = nvfp4
// REDEFINE: %{acts} = nvfp4
// REDEFINE: %{actattr} = nvfp4
// REDEFINE: %{fuse} =
// REDEFINE: %{scaled} = --act-tensor-scale
// REDEFINE: %{checkscaled} = --want-scale-from %t.json
// REDEFINE: %{gen} = --m 1 --n 33 --k 256 --transposed --seed 41
// RUN: %{run}
// REDEFINE: %{gen} = --m 9 --n 13 --k 64 --seed 42
// RUN: %{run}
// REDEFINE: %{fuse} = --qblock-fuse-activation-quant
// RUN: %{run}
// REDEFINE: %{weights} = blockdialect
// REDEFINE: %{actattr} = nvfp4, block = 32
// REDEFINE: %{gen} = --m 4 --n 9 --k 128 --nan-row 1 --dynamic-m --seed 43
// REDEFINE: %{nanrows} = 1
// RUN: %{run}
// REDEFINE: %{nanrows} = 0

// Small activations (|x| <= 0.002: block maxima below E4M3's range, which
// quantized to all zeros without the tensor scale) and large ones (|x| up
// to 1e5: saturated at 448 * 6 without it), GEMV and GEMM, fused and not.
// REDEFINE: %{weights} = nvfp4
// REDEFINE: %{actattr} = nvfp4
// REDEFINE: %{gen} = --m 1 --n 17 --k 128 --act-scale 0.002 --seed 44
// RUN: %{run}
// REDEFINE: %{gen} = --m 5 --n 9 --k 64 --act-scale 1e5 --seed 45
// RUN: %{run}
// REDEFINE: %{fuse} =
// RUN: %{run}
// REDEFINE: %{gen} = --m 3 --n 8 --k 96 --act-scale 0.002 --act-type f16 --dynamic-m --seed 46
// RUN: %{run}
