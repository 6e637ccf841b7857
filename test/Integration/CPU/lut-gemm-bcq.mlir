// qblock.lut_gemm on CPUs: BCQ weights (q = 1..4, several groups) times f32
// activations through per-row tables of partial sums, compiled and run;
// checked against activations times the weights as decoded by the numerics
// core (check_matmul.py, double precision, rtol 1e-5). A wrong table sign,
// bit order, alpha or offset term fails by orders of magnitude.
//
// DEFINE: %{scheme} = scheme=bcq
// DEFINE: %{target} = host
// DEFINE: %{run} = quant-opt %t.mlir --qblock-quantize-linalg="%{scheme}" --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && qblock-inspect %t.q.mlir --values --blocks=0 > %t.w \
// DEFINE:   && quant-opt %t.q.mlir --qblock-cpu-pipeline="target=%{target}" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out \
// DEFINE:   && %python %S/Inputs/check_matmul.py %t.out %t.json %t.w | FileCheck %s
// CHECK: check_matmul: PASS

// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 13 --k 256 --seed 21 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=3 group=128
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 7 --k 128 --transposed --seed 22 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=1 group=64
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 5 --n 9 --k 96 --dynamic-m --seed 23 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=4 group=32
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 4 --k 128 --batch 2 --transposed --outliers --seed 24 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=2 group=64
// RUN: %{run}
// The weight as a linalg.transpose of an N x K constant (torch-mlir).
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 9 --k 128 --transpose-op --seed 27 --acts-out %t.json > %t.mlir
// RUN: %{run}
// ... and as a linalg.generic that transposes an f16 constant and widens it.
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 9 --k 128 --transpose-op generic --widen-weight --seed 29 --acts-out %t.json > %t.mlir
// RUN: %{run}
// One BCQ weight shared by every batch (a linalg.broadcast of the constant).
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 9 --k 128 --batch 2 --shared-weight broadcast --dynamic-m --seed 28 --acts-out %t.json > %t.mlir
// RUN: %{run}
// torch.mv's linalg.matvec.
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 21 --k 128 --vector matvec --seed 29 --acts-out %t.json > %t.mlir
// RUN: %{run}

// Shapes that use the vector path (tiles of 16 output rows, words of 32
// elements), with a remainder of rows on the scalar path.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 37 --k 256 --seed 25 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=3 group=128
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 32 --k 128 --transposed --seed 26 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=1 group=32
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 5 --n 48 --k 192 --dynamic-m --seed 27 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=4 group=64
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 16 --k 128 --batch 2 --transposed --outliers --seed 28 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=2 group=64
// RUN: %{run}

// Shapes that use the chunked vector path (K a multiple of 512, groups
// that divide 512: plane bytes and per-group factors loaded per row and
// transposed in registers), with every group size it takes, M = 1 and
// M > 1, dynamic M, batches, and rows left for the scalar path.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 37 --k 1024 --seed 31 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=3 group=128
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 32 --k 512 --transposed --seed 32 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=4 group=32
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 5 --n 48 --k 1024 --dynamic-m --seed 33 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=1 group=512
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 16 --k 512 --batch 2 --transposed --outliers --seed 34 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=2 group=64
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 9 --n 20 --k 1536 --seed 35 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=3 group=256
// RUN: %{run}

// int8 tables (lut-tables=i8): each group's tables are rounded to int8
// with one scale, so outputs move by up to about 1% of the largest (the
// f32 runs above hold 1e-5); a wrong table order, nibble, byte position or
// scale is off by far more. The portable lowering (per-lane byte lookups,
// shift-and-add byte sums) and AVX-512's vpermb + vpdpbusd must agree bit
// for bit (and AVX2's vpshufb lookups): all sum the same integers and apply
// the same scales.
// DEFINE: %{i8} = quant-opt %t.q.mlir --qblock-cpu-pipeline="target=%{target} lut-tables=i8" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs
// DEFINE: %{check_i8} = %python %S/Inputs/check_matmul.py %t.i8 %t.json %t.w --rtol 4e-2 | FileCheck %s
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 37 --k 1024 --seed 41 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-select-formats -o %t.q.mlir
// RUN: qblock-inspect %t.q.mlir --values --blocks=0 > %t.w
// REDEFINE: %{target} = generic
// RUN: %{i8} > %t.i8 && %{check_i8}
// REDEFINE: %{target} = avx512
// RUN: %if cpu-avx512-bytes %{ %{i8} > %t.i8 && %{check_i8} %}
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 16 --k 512 --batch 2 --transposed --outliers --seed 42 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=2 group=64" --qblock-select-formats -o %t.q.mlir
// RUN: qblock-inspect %t.q.mlir --values --blocks=0 > %t.w
// REDEFINE: %{target} = generic
// RUN: %{i8} > %t.i8 && %{check_i8} && cp %t.i8 %t.pair && cp %t.i8 %t.pair2
// REDEFINE: %{target} = avx512
// RUN: %if cpu-avx512-bytes %{ %{i8} > %t.i8 && %{check_i8} && cat %t.i8 >> %t.pair && %python %S/Inputs/check_same.py %t.pair | FileCheck %s --check-prefix=SAME %}
// AVX2's vpshufb lookups give the same bits too.
// REDEFINE: %{target} = avx2
// RUN: %{i8} > %t.i8 && %{check_i8} && cat %t.i8 >> %t.pair2 && %python %S/Inputs/check_same.py %t.pair2 | FileCheck %s --check-prefix=SAME
// RUN: %python %S/Inputs/gen_matmul.py --m 5 --n 48 --k 1024 --dynamic-m --seed 43 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=4 group=32" --qblock-select-formats -o %t.q.mlir
// RUN: qblock-inspect %t.q.mlir --values --blocks=0 > %t.w
// REDEFINE: %{target} = host
// RUN: %{i8} > %t.i8 && %{check_i8}
// SAME: check_same: PASS
// Activations below 1e-37 (tables whose largest entry is under 127 /
// FLT_MAX): 127 / max overflowed to inf and every entry clamped to +-127,
// outputs 2.6x the largest true one, signs flipped.
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 16 --k 512 --act-scale 2e-38 --seed 44 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128 from=uniform" --qblock-select-formats -o %t.q.mlir
// RUN: qblock-inspect %t.q.mlir --values --blocks=0 > %t.w
// RUN: %{i8} > %t.i8 && %{check_i8}
// REDEFINE: %{target} = host

// from=uniform: uniform INT3 per group converted exactly to BCQ (checked
// against the decoded weights like the rest), on both the vector and the
// scalar path.
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 37 --k 256 --seed 29 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=3 group=128 from=uniform
// RUN: %{run}

// The vector path with each target's lookup: AVX-512's 16-entry vpermps,
// AVX2's two 8-entry vpermps and a blend, and the portable per-lane one.
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 35 --k 256 --seed 30 --acts-out %t.json > %t.mlir
// REDEFINE: %{scheme} = scheme=bcq bits=3 group=64
// REDEFINE: %{target} = avx2
// RUN: %{run}
// REDEFINE: %{target} = generic
// RUN: %{run}
// REDEFINE: %{target} = avx512
// RUN: %if cpu-avx512 %{ %{run} %}
