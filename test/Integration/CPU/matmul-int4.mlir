// W4A16 matmuls with int4 weights, compiled for every target and run; outputs
// are checked against activations times the weights as decoded by the
// numerics core (check_matmul.py, double precision, rtol 1e-5): a wrong
// scale, dialect table, nibble order or layout fails by orders of magnitude.
//
// DEFINE: %{target} = host
// DEFINE: %{block} = 32
// DEFINE: %{run} = quant-opt %t.mlir --qblock-quantize-linalg="scheme=int4 block=%{block}" --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && qblock-inspect %t.q.mlir --values --blocks=0 > %t.w \
// DEFINE:   && quant-opt %t.q.mlir --qblock-cpu-pipeline="target=%{target}" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out \
// DEFINE:   && %python %S/Inputs/check_matmul.py %t.out %t.json %t.w | FileCheck %s
// CHECK: check_matmul: PASS

// GEMM with odd M and N.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 13 --k 64 --seed 11 --acts-out %t.json > %t.mlir
// The AVX-512 kernels run only where the CPU has AVX-512 (lit feature).
// REDEFINE: %{target} = avx512
// RUN: %if cpu-avx512 %{ %{run} %}
// REDEFINE: %{target} = avx2
// RUN: %{run}
// REDEFINE: %{target} = generic
// RUN: %{run}

// GEMV (M = 1) with outlier weights, transposed (N x K) weight.
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 37 --k 256 --transposed --outliers --seed 12 --acts-out %t.json > %t.mlir
// REDEFINE: %{target} = host
// RUN: %{run}

// Dynamic M, 9 rows (exercises the 4-row tiles and their remainder).
// RUN: %python %S/Inputs/gen_matmul.py --m 9 --n 20 --k 128 --dynamic-m --seed 13 --acts-out %t.json > %t.mlir
// RUN: %{run}

// Dynamic K (tensor<?x?xf32>, as torch.export with every dimension dynamic
// gives): K comes from the weight.
// RUN: %python %S/Inputs/gen_matmul.py --m 5 --n 11 --k 96 --dynamic-k --seed 15 --acts-out %t.json > %t.mlir
// RUN: %{run}

// Batched, transposed, dynamic M.
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 5 --k 64 --batch 3 --transposed --dynamic-m --seed 14 --acts-out %t.json > %t.mlir
// RUN: %{run}

// bf16 activations: on AVX-512 with BF16 a GEMV multiplies them in bf16
// against the one-format book's row (vpermw, vdpbf16ps); M = 9 adds an f32
// 8-row tile.
// REDEFINE: %{target} = avx512
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 37 --k 2080 --act-type bf16 --seed 31 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// RUN: %python %S/Inputs/gen_matmul.py --m 9 --n 13 --k 256 --act-type bf16 --dynamic-m --seed 32 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}

// On avx2 and avx512 each tile first converts its rows' F16 scales, 16 at a
// time, into a buffer of half scales (masked loads at the end of the
// storage): a GEMV with an odd number of blocks (65, one past a multiple
// of 16), a dynamic M = 7 over three K chunks (ranges starting past block
// 0), 16-element blocks decoded in pairs (also with bf16 activations),
// and rows of 1025 blocks, past the buffer's 1024, which keep the
// per-block conversion.
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 13 --k 2080 --outliers --seed 41 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512 %{ %{run} %}
// REDEFINE: %{target} = avx2
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 7 --n 11 --k 2112 --dynamic-m --seed 42 --acts-out %t.json > %t.mlir
// RUN: %{run}
// REDEFINE: %{target} = avx512
// RUN: %if cpu-avx512 %{ %{run} %}
// REDEFINE: %{block} = 16
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 9 --k 1056 --seed 43 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512 %{ %{run} %}
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 9 --k 1056 --act-type bf16 --seed 44 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 3 --k 16400 --seed 45 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512 %{ %{run} %}
