// Every public function compiled for a CPU first calls a check of the
// running CPU's features (lib/Pipelines/GuardCPUFeatures.cpp): one check
// per distinct CPU and feature set, reading cpuid leaves 1, 7.0, 7.1 and
// 0x80000001 and XCR0, once per process (a flag), writing the missing
// features to stderr and exiting with status 1. Declarations, internal
// functions and code compiled for no CPU (target=generic, or a module for a
// machine that is not x86) are left alone.
// RUN: quant-opt %s --qblock-cpu-pipeline="target=avx512" | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: quant-opt %s --qblock-cpu-pipeline="target=avx2" | FileCheck %s --check-prefixes=CHECK,AVX2
// RUN: quant-opt %s --qblock-cpu-pipeline="target=generic" | FileCheck %s --check-prefix=GENERIC
// RUN: quant-opt %s --qblock-cpu-pipeline="target=avx512 cpu-check=false" | FileCheck %s --check-prefix=NONX86
// RUN: sed 's/^module {/module attributes {llvm.target_triple = "aarch64-unknown-linux-gnu"} {/' %s \
// RUN:   | quant-opt --qblock-cpu-pipeline="target=generic" | FileCheck %s --check-prefix=NONX86
// A module whose own 'write' is not the C library's keeps its code, with a
// warning and no check.
// RUN: sed 's/^  llvm.func @declared(i32)$/  llvm.func @write(i32) -> i32/' %s \
// RUN:   | quant-opt --qblock-cpu-pipeline="target=avx2" 2>&1 | FileCheck %s --check-prefix=CLASH
// Running the pipeline's last steps again adds no second check.
// RUN: quant-opt %s --qblock-cpu-pipeline="target=avx2" | quant-opt --qblock-cpu-pipeline="target=avx2" \
// RUN:   | FileCheck %s --check-prefix=ONCE --implicit-check-not=__qblock_check_cpu_2

// The message, in pieces: what the code was compiled for, one piece per
// feature (written only if that one is missing), what to do.
// AVX512-DAG: @[[HEAD:__qblock_check_cpu_0_text[0-9]+]]("qblock: this code was compiled for CPU 'x86-64-v4' and uses instructions that this machine (or its operating system) does not support:")
// AVX2-DAG: @[[HEAD:__qblock_check_cpu_0_text[0-9]+]]("qblock: this code was compiled for CPU 'x86-64-v3' and uses
// CHECK-DAG: @__qblock_check_cpu_0_text{{[0-9]+}}(" avx2")
// CHECK-DAG: @__qblock_check_cpu_0_text{{[0-9]+}}(" fma")
// AVX512-DAG: @__qblock_check_cpu_0_text{{[0-9]+}}(" avx512f")
// AVX512-DAG: @__qblock_check_cpu_0_text{{[0-9]+}}(" avx512bw")
// AVX512-DAG: @__qblock_check_cpu_0_text{{[0-9]+}}(" avx512vbmi")
// AVX512-DAG: @__qblock_check_cpu_0_text{{[0-9]+}}(" avx512vnni")
// AVX512-DAG: @__qblock_check_cpu_0_text{{[0-9]+}}(" avx512bf16")
// CHECK-DAG: @__qblock_check_cpu_0_text{{[0-9]+}}("\0Aqblock: compile it for this machine with --qblock-cpu-pipeline=\22target=host\22 (or target=avx2 or target=generic).\0A")
// The function tied to skylake by hand gets its own check: AVX2, no AVX-512.
// CHECK-DAG: @__qblock_check_cpu_1_text{{[0-9]+}}("qblock: this code was compiled for CPU 'skylake'
// CHECK-DAG: @__qblock_check_cpu_1_text{{[0-9]+}}(" avx2")
// AVX2-NOT: " avx512
// CHECK-DAG: llvm.func @exit(i32)
// CHECK-DAG: llvm.func @write(i32, !llvm.ptr, i64) -> i64

// CHECK-LABEL: llvm.func @scale(
// CHECK-NEXT: llvm.call @__qblock_check_cpu_0() : () -> ()
// CHECK-LABEL: llvm.func @own()
// CHECK-NEXT: llvm.call @__qblock_check_cpu_1() : () -> ()
// CHECK-NEXT: llvm.call @helper()
// CHECK: llvm.func @declared(i32){{$}}
// CHECK-LABEL: llvm.func internal @helper(
// CHECK-NOT: __qblock_check_cpu
// CHECK: llvm.return

// CHECK: llvm.mlir.global internal @__qblock_check_cpu_0_done(0 : i8)
// The check itself is compiled for baseline x86-64.
// CHECK-LABEL: llvm.func internal @__qblock_check_cpu_0() attributes {no_inline, target_cpu = "x86-64"} {
// CHECK: %[[FLAG:.+]] = llvm.mlir.addressof @__qblock_check_cpu_0_done
// CHECK: llvm.load %[[FLAG]] atomic monotonic
// CHECK: llvm.cond_br %{{.+}}, ^[[DONE:bb[0-9]+]], ^[[CHECK:bb[0-9]+]]
// CHECK: ^[[CHECK]]:
// CHECK: "cpuid", "={ax},={bx},={cx},={dx},{ax},{cx}"
// The OS must save the wide registers: XGETBV, only if OSXSAVE (bit 27).
// CHECK: llvm.mlir.constant(134217728 : i32)
// CHECK: "xgetbv", "={ax},={dx},{cx}"
// CHECK: llvm.call @write
// CHECK: llvm.call @exit
// CHECK-NEXT: llvm.unreachable

// target=generic leaves code for the baseline unchecked; the function a
// user tied to skylake keeps its check.
// GENERIC-LABEL: llvm.func @scale(
// GENERIC-NOT: __qblock_check_cpu
// GENERIC-LABEL: llvm.func @own()
// GENERIC-NEXT: llvm.call @__qblock_check_cpu_0() : () -> ()
// With cpu-check=false, or for another architecture: no check at all.
// NONX86-NOT: __qblock_check_cpu
// NONX86-NOT: cpuid

// CLASH: warning: qblock-cpu-pipeline: 'write' is not the C library's, so the code is compiled without its CPU feature check (it may stop with SIGILL on a CPU without the features it was compiled for); rename the symbol to keep the check
// CLASH-NOT: __qblock_check_cpu

// ONCE-LABEL: llvm.func @scale(
// ONCE: llvm.call @__qblock_check_cpu_0() : () -> ()
// ONCE-NOT: llvm.call @__qblock_check_cpu
// ONCE-LABEL: llvm.func @own()
module {
  func.func @scale(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = arith.addf %x, %x : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
  llvm.func @own() attributes {target_cpu = "skylake"} {
    llvm.call @helper() : () -> ()
    llvm.return
  }
  llvm.func @declared(i32)
  llvm.func internal @helper() {
    llvm.return
  }
}
