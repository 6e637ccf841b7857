// W4A16 matmuls compiled by --qblock-gpu-pipeline (the GPU matmul kernel of
// lib/Conversion/QBlockToGPU) and run on the GPU through qblock's CUDA
// runtime; outputs are checked against activations times the weights as
// decoded by the numerics core (check_matmul.py, double precision, rtol
// 1e-5), exactly as the CPU integration tests are.
// REQUIRES: cuda-gpu
//
// DEFINE: %{scheme} = blockdialect
// DEFINE: %{format} = isa
// DEFINE: %{decode} = permute
// DEFINE: %{gen} = --m 3 --n 13 --k 64 --seed 51
// DEFINE: %{run} = %python %S/../CPU/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.mlir \
// DEFINE:   && quant-opt %t.mlir --qblock-quantize-linalg="scheme=%{scheme}" --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && qblock-inspect %t.q.mlir --values --blocks=0 > %t.w \
// DEFINE:   && quant-opt %t.q.mlir --qblock-gpu-pipeline="chip=sm_90a format=%{format} weight-decode=%{decode}" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.out \
// DEFINE:   && %python %S/../CPU/Inputs/check_matmul.py %t.out %t.json %t.w | FileCheck %s
// CHECK: check_matmul: PASS

// GEMM, odd M and N, PTX loaded through the driver's JIT.
// RUN: %{run}
// The same from a cubin (format=bin assembles with ptxas).
// REDEFINE: %{format} = bin
// RUN: %if ptxas %{ %{run} %}
// REDEFINE: %{format} = isa

// GEMV, transposed weight with outliers, every scheme.
// REDEFINE: %{gen} = --m 1 --n 37 --k 256 --transposed --outliers --seed 52
// RUN: %{run}
// REDEFINE: %{scheme} = mxfp4
// RUN: %{run}
// REDEFINE: %{scheme} = nvfp4
// RUN: %{run}
// REDEFINE: %{scheme} = int4
// RUN: %{run}

// Batched with a dynamic M.
// REDEFINE: %{scheme} = blockdialect
// REDEFINE: %{gen} = --m 2 --n 5 --k 64 --batch 3 --transposed --dynamic-m --seed 53
// RUN: %{run}

// Shapes the kernel handles specially (docs/gpu-lowering.md).
// A dynamic M of 1 (the GEMV kernel), and of 5 (tiles of 4 rows, the last
// one partial).
// REDEFINE: %{gen} = --m 1 --n 21 --k 64 --dynamic-m --seed 54
// RUN: %{run}
// REDEFINE: %{gen} = --m 5 --n 21 --k 64 --dynamic-m --seed 55
// RUN: %{run}
// A static M above the tile (6 = 4 + 2), three blocks per row (an odd
// count: a padding dialect nibble), 48-byte rows (3 chunks).
// REDEFINE: %{gen} = --m 6 --n 9 --k 96 --seed 56
// RUN: %{run}
// 34 chunks per row: lanes 0 and 1 take two, the others one.
// REDEFINE: %{gen} = --m 2 --n 3 --k 1088 --transposed --seed 57
// RUN: %{run}
// Blocks of 64 elements span two 16-byte chunks (two lanes).
// REDEFINE: %{scheme} = blockdialect block=64
// REDEFINE: %{gen} = --m 3 --n 11 --k 256 --seed 58
// RUN: %{run}
// NVFP4 with K = 48: 24-byte rows in 8-byte chunks.
// REDEFINE: %{scheme} = nvfp4
// REDEFINE: %{gen} = --m 1 --n 7 --k 48 --seed 59
// RUN: %{run}
// Blocks of 6 elements, K = 18: one byte per chunk, activations two at a
// time.
// REDEFINE: %{scheme} = mxfp4 block=6
// REDEFINE: %{gen} = --m 2 --n 3 --k 18 --seed 60
// RUN: %{run}
// A batch of 2 with N = 6: two rows per warp.
// REDEFINE: %{scheme} = int4
// REDEFINE: %{gen} = --m 3 --n 6 --k 64 --batch 2 --seed 61
// RUN: %{run}
// Split-K: few rows and long ones (N = 37, K = 4096: 4 splits of K whose
// partial sums meet through atomic adds), for a GEMV and a tile of 3 rows.
// REDEFINE: %{scheme} = blockdialect
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --transposed --seed 62
// RUN: %{run}
// REDEFINE: %{gen} = --m 3 --n 21 --k 2048 --seed 63
// RUN: %{run}
// f16 and bf16 activations (and weights) with f32 results, widened in the
// kernel: a tile of rows with 16-byte activation loads (8 elements), a
// split-K GEMV, and K = 36 (4 elements per load).
// REDEFINE: %{gen} = --m 3 --n 13 --k 64 --act-type f16 --seed 64
// RUN: %{run}
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --act-type bf16 --transposed --seed 65
// RUN: %{run}
// REDEFINE: %{scheme} = mxfp4 block=12
// REDEFINE: %{gen} = --m 2 --n 5 --k 36 --act-type f16 --seed 66
// RUN: %{run}
// Everything above decodes weights by byte permutes (weight-decode=permute,
// the default), except blocks of 6 and 12 elements, whose 3- and 6-byte
// blocks hold no whole word of codes and keep the table. The table decode
// on the shapes that matter: every scheme's GEMV, a tiled GEMM, blocks
// spanning two chunks, split K with bf16 activations, batched weights.
// REDEFINE: %{decode} = table
// REDEFINE: %{scheme} = blockdialect
// REDEFINE: %{gen} = --m 1 --n 37 --k 256 --transposed --outliers --seed 69
// RUN: %{run}
// REDEFINE: %{scheme} = mxfp4
// RUN: %{run}
// REDEFINE: %{scheme} = nvfp4
// RUN: %{run}
// REDEFINE: %{scheme} = int4
// RUN: %{run}
// REDEFINE: %{scheme} = blockdialect
// REDEFINE: %{gen} = --m 6 --n 9 --k 96 --seed 70
// RUN: %{run}
// REDEFINE: %{scheme} = blockdialect block=64
// REDEFINE: %{gen} = --m 3 --n 11 --k 256 --seed 71
// RUN: %{run}
// REDEFINE: %{scheme} = blockdialect
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --act-type bf16 --transposed --seed 72
// RUN: %{run}
// REDEFINE: %{gen} = --m 2 --n 5 --k 64 --batch 3 --transposed --dynamic-m --seed 73
// RUN: %{run}
// REDEFINE: %{decode} = permute
// Blocks of 8 elements, where a word of codes is a whole block: four per
// 16-byte chunk (K = 64), and one per 4-byte chunk (K = 24, 12-byte rows).
// REDEFINE: %{scheme} = blockdialect block=8
// REDEFINE: %{gen} = --m 2 --n 9 --k 64 --seed 96
// RUN: %{run}
// REDEFINE: %{gen} = --m 1 --n 7 --k 24 --seed 97
// RUN: %{run}
// A custom book of three dialects whose magnitudes reach 127, the most a
// book may hold, so the permute decode's biased bytes span 1 to 255 (the
// built-in books stop at 15). --qblock-quantize-linalg takes presets only,
// so the scheme it wrote is rewritten before the weights are quantized;
// --outliers makes blocks pick the dialect with 64 and 127. Both decodes,
// and the tensor-core kernel's (f16 activations).
// DEFINE: %{book} = book = #qblock.book<[[0, 1, 2, 4, 8, 16, 64, 127], [0, 9, 18, 36, 50, 70, 100, 120], [0, 2, 3, 5, 7, 11, 13, 17]]>, scale = e8m0
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 3 --n 13 --k 128 --outliers --act-type f16 --seed 95 --acts-out %t.cb.json > %t.cb.mlir
// RUN: quant-opt %t.cb.mlir --qblock-quantize-linalg="scheme=blockdialect" \
// RUN:   | sed 's/#qblock.scheme<blockdialect>/#qblock.scheme<%{book}>/g' \
// RUN:   | quant-opt --qblock-select-formats -o %t.cb.q.mlir
// RUN: qblock-inspect %t.cb.q.mlir --blocks=100 | FileCheck %s --check-prefix=BOOK
// BOOK: dialect 0,
// RUN: qblock-inspect %t.cb.q.mlir --values --blocks=0 > %t.cb.w
// RUN: quant-opt %t.cb.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.cb.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.cb.out %t.cb.json %t.cb.w | FileCheck %s
// RUN: quant-opt %t.cb.q.mlir --qblock-gpu-pipeline="weight-decode=table" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.cb.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.cb.out %t.cb.json %t.cb.w | FileCheck %s
// RUN: quant-opt %t.cb.q.mlir --qblock-gpu-pipeline="tensor-cores=true" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.cb.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.cb.out %t.cb.json %t.cb.w | FileCheck %s
// f16 and bf16 results: f32 sums, each output rounded once (no split of K,
// even for this GEMV's few rows): within half an ulp of the largest
// output's binade (largest outputs 95.3 and 36.6: 2^-5 / 95.3 = 3.28e-4,
// 2^-2 / 36.6 = 3.42e-3; the CPU build of these modules is off by 2.2e-4
// and 1.4e-3).
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 1 --n 37 --k 4096 --act-type f16 --out-type f16 --seed 67 --acts-out %t.h.json > %t.h.mlir
// RUN: quant-opt %t.h.mlir --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats -o %t.h.q.mlir
// RUN: qblock-inspect %t.h.q.mlir --values --blocks=0 > %t.h.w
// RUN: quant-opt %t.h.q.mlir --qblock-gpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.h.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.h.out %t.h.json %t.h.w --rtol 3.3e-4 | FileCheck %s
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 5 --n 21 --k 256 --act-type bf16 --out-type bf16 --seed 68 --acts-out %t.b.json > %t.b.mlir
// RUN: quant-opt %t.b.mlir --qblock-quantize-linalg="scheme=nvfp4" --qblock-select-formats -o %t.b.q.mlir
// RUN: qblock-inspect %t.b.q.mlir --values --blocks=0 > %t.b.w
// RUN: quant-opt %t.b.q.mlir --qblock-gpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.b.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.b.out %t.b.json %t.b.w --rtol 3.45e-3 | FileCheck %s
