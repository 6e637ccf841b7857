// A barrier that only half of the block reaches (undefined behaviour on a
// GPU, where it hangs or corrupts) makes the emulator fail with a message
// after QBLOCK_GPU_EMULATOR_TIMEOUT seconds instead of hanging the test.
// The same for a shuffle that half of a warp reaches.
// RUN: quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu \
// RUN:   | mlir-opt --finalize-memref-to-llvm --convert-scf-to-cf --convert-arith-to-llvm \
// RUN:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:       --convert-openmp-to-llvm --reconcile-unrealized-casts -o %t.mlir
// RUN: env QBLOCK_GPU_EMULATOR_TIMEOUT=1 not mlir-runner %t.mlir -e main -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s
// CHECK: qblock GPU emulator: thread {{[0-9]+}}: waited 1 s at gpu.barrier: some thread of the block never reaches it
// RUN: env QBLOCK_GPU_EMULATOR_TIMEOUT=1 not mlir-runner %t.mlir -e shuffle -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s --check-prefix=SHUFFLE
// SHUFFLE: qblock GPU emulator: thread {{[0-9]+}}: waited 1 s at a gpu.shuffle: some lane of the warp never reaches it
// OpenMP settings that would start a team smaller than the block fail a
// check before the launch, which names them (qblock-report-asserts-on-stderr
// writes it to stderr, also with stdout a pipe).
// RUN: quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu \
// RUN:     --qblock-report-asserts-on-stderr \
// RUN:   | mlir-opt --finalize-memref-to-llvm --convert-scf-to-cf --convert-arith-to-llvm \
// RUN:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:       --convert-openmp-to-llvm --reconcile-unrealized-casts -o %t.checked.mlir
// RUN: env OMP_THREAD_LIMIT=8 not --crash mlir-runner %t.checked.mlir -e main -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | cat | FileCheck %s --check-prefix=SETTINGS
// RUN: env OMP_MAX_ACTIVE_LEVELS=0 not --crash mlir-runner %t.checked.mlir -e main -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | cat | FileCheck %s --check-prefix=SETTINGS
// SETTINGS: gpu.launch at {{.*}}emulator-timeout.mlir:[[@LINE+21]]:3: the OpenMP runtime would start fewer CPU threads than this launch's thread block has, and the GPU emulator runs one per GPU thread: raise OMP_THREAD_LIMIT
// A limit of 32 lets the block's team start, and so do dynamic teams,
// which are off while a launch runs (the main function then reaches the
// barrier that half the block skips).
// RUN: env OMP_THREAD_LIMIT=32 QBLOCK_GPU_EMULATOR_TIMEOUT=1 not mlir-runner %t.checked.mlir -e main \
// RUN:     -entry-point-result=void -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s
// RUN: env OMP_DYNAMIC=true QBLOCK_GPU_EMULATOR_TIMEOUT=1 not mlir-runner %t.checked.mlir -e main \
// RUN:     -entry-point-result=void -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s
// A team that still starts short (libomp's own KMP_DEVICE_THREAD_LIMIT and
// KMP_LIBRARY=serial, which no OpenMP query shows) is an error in the
// runtime that says so.
// RUN: env KMP_DEVICE_THREAD_LIMIT=8 not mlir-runner %t.checked.mlir -e main -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | cat | FileCheck %s --check-prefix=TEAM
// RUN: env KMP_LIBRARY=serial not mlir-runner %t.checked.mlir -e main -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | cat | FileCheck %s --check-prefix=TEAM
// TEAM: qblock GPU emulator: the OpenMP runtime started {{1|8}} threads for a thread block of 32; the emulator needs one per GPU thread (unset KMP_LIBRARY, KMP_DEVICE_THREAD_LIMIT, OMP_THREAD_LIMIT and OMP_MAX_ACTIVE_LEVELS, or raise the limits)

func.func @main() {
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %low = arith.cmpi ult, %tx, %c16 : index
    scf.if %low {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

func.func @shuffle() {
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %low = arith.cmpi ult, %tx, %c16 : index
    scf.if %low {
      %v = arith.constant 1.0 : f32
      %o = arith.constant 1 : i32
      %w = arith.constant 32 : i32
      %r, %ok = gpu.shuffle xor %v, %o, %w : f32
    }
    gpu.terminator
  }
  return
}
