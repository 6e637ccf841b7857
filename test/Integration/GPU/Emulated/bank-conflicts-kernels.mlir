// Bank conflicts of the GPU kernels' workgroup-memory accesses, counted by
// the emulator (--qblock-gpu-emulation-pipeline="bank-conflicts=true",
// lib/Runtime/GPUEmulatorBanks.cpp), with their outputs checked as in the
// execution tests.
//
// LUT-GEMM stores its tables entry-major (table s in bank s) and turns each
// row of a warp step to its own byte of the word, so every lookup
// instruction reads 32 tables in 32 banks, and the build's stores fill 32
// consecutive words: no access conflicts. Words of 4 bytes holding one group
// (g = 128), two groups of 2 bytes (g = 16), and 2-byte words in a partial
// chunk (K = 80: the lanes past the chunk's last word read it again).
// RUN: %python %S/../../CPU/Inputs/gen_matmul.py --m 1 --n 64 --k 512 --seed 91 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-select-formats -o %t.q.mlir
// RUN: qblock-inspect %t.q.mlir --values --blocks=0 > %t.w
// RUN: quant-opt %t.q.mlir --qblock-gpu-emulation-pipeline="bank-conflicts=true" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.out 2> %t.err
// RUN: %python %S/../../CPU/Inputs/check_matmul.py %t.out %t.json %t.w | FileCheck %s --check-prefix=OUT
// RUN: FileCheck %s --check-prefix=LUT < %t.err
// RUN: %python %S/../../CPU/Inputs/gen_matmul.py --m 2 --n 40 --k 512 --seed 92 --acts-out %t.g16.json > %t.g16.mlir
// RUN: quant-opt %t.g16.mlir --qblock-quantize-linalg="scheme=bcq bits=2 group=16" --qblock-select-formats -o %t.g16.q.mlir
// RUN: qblock-inspect %t.g16.q.mlir --values --blocks=0 > %t.g16.w
// RUN: quant-opt %t.g16.q.mlir --qblock-gpu-emulation-pipeline="bank-conflicts=true" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.g16.out 2> %t.g16.err
// RUN: %python %S/../../CPU/Inputs/check_matmul.py %t.g16.out %t.g16.json %t.g16.w | FileCheck %s --check-prefix=OUT
// RUN: FileCheck %s --check-prefix=LUT < %t.g16.err
// RUN: %python %S/../../CPU/Inputs/gen_matmul.py --m 1 --n 33 --k 80 --seed 93 --acts-out %t.w2.json > %t.w2.mlir
// RUN: quant-opt %t.w2.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=16" --qblock-select-formats -o %t.w2.q.mlir
// RUN: qblock-inspect %t.w2.q.mlir --values --blocks=0 > %t.w2.w
// RUN: quant-opt %t.w2.q.mlir --qblock-gpu-emulation-pipeline="bank-conflicts=true" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.w2.out 2> %t.w2.err
// RUN: %python %S/../../CPU/Inputs/check_matmul.py %t.w2.out %t.w2.json %t.w2.w | FileCheck %s --check-prefix=OUT
// RUN: FileCheck %s --check-prefix=LUT < %t.w2.err
//
// The W4A16 kernel with weight-decode=table looks up each weight in a
// workgroup table, indexed by the dialect and code of blocks that differ
// lane by lane: conflicts, which the count must see.
// RUN: %python %S/../../CPU/Inputs/gen_matmul.py --m 1 --n 64 --k 512 --seed 94 --acts-out %t.bd.json > %t.bd.mlir
// RUN: quant-opt %t.bd.mlir --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats -o %t.bd.q.mlir
// RUN: quant-opt %t.bd.q.mlir --qblock-gpu-emulation-pipeline="bank-conflicts=true weight-decode=table" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > /dev/null 2> %t.bd.err
// RUN: FileCheck %s --check-prefix=TABLE < %t.bd.err

// OUT: check_matmul: PASS

// LUT: qblock GPU emulator: bank conflicts
// LUT-NEXT: launch 0 loads: [[LOADS:[0-9]+]] warp accesses, [[LOADS]] wavefronts ([[LOADS]] without conflicts), 0 conflicted, worst 1-way
// LUT-NEXT: launch 0 stores: [[STORES:[0-9]+]] warp accesses, [[STORES]] wavefronts ([[STORES]] without conflicts), 0 conflicted, worst 1-way
// LUT-NOT: launch

// TABLE: qblock GPU emulator: bank conflicts
// TABLE-NEXT: launch 0 loads: [[LOADS:[0-9]+]] warp accesses, {{[0-9]+}} wavefronts ([[LOADS]] without conflicts), {{[1-9][0-9]*}} conflicted, worst {{[2-9]|[1-3][0-9]}}-way
// TABLE: launch 0, load of 4 bytes at
