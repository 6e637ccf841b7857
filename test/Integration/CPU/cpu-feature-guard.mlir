// Code compiled for a CPU checks, once, at its first public function, that
// the running machine has the features it was compiled for, and otherwise
// stops with a message naming what is missing, instead of dying of SIGILL
// inside a kernel (lib/Pipelines/GuardCPUFeatures.cpp).
//
// REQUIRES: cpu-x86
// RUN: split-file %s %t
// RUN: quant-opt %t/host.mlir --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s --check-prefix=HOST
//
// A function tied to AVX512-FP16, which this machine lacks (UNSUPPORTED
// below where it has it): the check fires before the first instruction.
// RUN: quant-opt %t/fp16.mlir --qblock-cpu-pipeline \
// RUN:   | not mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MISSING
// UNSUPPORTED: cpu-avx512fp16

// HOST: Unranked Memref
// HOST-NEXT: [3,  5]

// MISSING: qblock: this code was compiled for CPU 'x86-64-v2' and uses instructions that this machine (or its operating system) does not support: avx512fp16{{$}}
// MISSING-NEXT: qblock: compile it for this machine with --qblock-cpu-pipeline="target=host" (or target=avx2 or target=generic).
// MISSING-NOT: reached

//--- host.mlir
func.func @main() {
  %c = arith.constant dense<[1.5, 2.5]> : tensor<2xf32>
  %d = arith.addf %c, %c : tensor<2xf32>
  %u = tensor.cast %d : tensor<2xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

//--- fp16.mlir
llvm.func @puts(!llvm.ptr) -> i32
llvm.mlir.global private constant @reached("reached\00")
llvm.func @main() attributes {target_cpu = "x86-64-v2", target_features = #llvm.target_features<["+avx512fp16"]>} {
  %text = llvm.mlir.addressof @reached : !llvm.ptr
  %0 = llvm.call @puts(%text) : (!llvm.ptr) -> i32
  llvm.return
}
