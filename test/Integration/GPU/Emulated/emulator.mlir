// The GPU emulator itself (lib/Pipelines/EmulateGPUOnCPU.cpp,
// lib/Runtime/GPUEmulator.cpp), on a hand-written kernel that uses what the
// qblock kernels use and more: a 2 x 2 grid of 32 x 2 thread blocks, thread
// and block ids in x and y, workgroup memory read across warps after a
// barrier, gpu.shuffle in every mode with its valid flag (width 32, and
// xor among the first 16 lanes), gpu.lane_id; the
// host buffer is staged in and out by the pipeline. check_emulator.py
// computes what each op means on its own.
// The two passes that matter run on their own and upstream passes lower
// the rest, so that nothing else of the pipeline stands between the
// kernel and the emulator (user-kernel-barrier.mlir runs one through the
// whole pipeline).
// DEFINE: %{lower} = quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu \
// DEFINE:   | mlir-opt --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// DEFINE:       --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm \
// DEFINE:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// DEFINE:       --convert-openmp-to-llvm --reconcile-unrealized-casts
// RUN: %{lower} | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.out
// RUN: %python %S/Inputs/check_emulator.py %t.out | FileCheck %s
// CHECK: check_emulator: PASS
// A timeout that is not a number of seconds is reported (it used to be
// taken silently as the default), and the kernel runs as before.
// RUN: %{lower} | env QBLOCK_GPU_EMULATOR_TIMEOUT=abc mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2> %t.err > %t.out2
// RUN: FileCheck %s --check-prefix=TIMEOUT --input-file=%t.err
// RUN: %python %S/Inputs/check_emulator.py %t.out2 | FileCheck %s
// TIMEOUT: qblock GPU emulator: QBLOCK_GPU_EMULATOR_TIMEOUT='abc' is not a number of seconds from 1 to 86400; using 60

func.func private @printMemrefF32(memref<*xf32>)

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  %out = memref.alloc() : memref<2x2x64x10xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c2, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c2, %sz = %c1)
             workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>) {
    %t = arith.addi %tx, %ty : index
    %ty32 = arith.muli %ty, %c32 : index
    %linear = arith.addi %tx, %ty32 : index
    %by2 = arith.muli %by, %c2 : index
    %block = arith.addi %bx, %by2 : index
    %lin_i = arith.index_cast %linear : index to i32
    %blk_i = arith.index_cast %block : index to i32
    %c100_i32 = arith.constant 100 : i32
    %blk100 = arith.muli %blk_i, %c100_i32 : i32
    %v_i = arith.addi %lin_i, %blk100 : i32
    %v = arith.sitofp %v_i : i32 to f32
    %width = arith.constant 32 : i32
    // Warp sum by a butterfly of xor shuffles.
    %o16 = arith.constant 16 : i32
    %o8 = arith.constant 8 : i32
    %o4 = arith.constant 4 : i32
    %o2 = arith.constant 2 : i32
    %o1 = arith.constant 1 : i32
    %x16, %_a = gpu.shuffle xor %v, %o16, %width : f32
    %s16 = arith.addf %v, %x16 : f32
    %x8, %_b = gpu.shuffle xor %s16, %o8, %width : f32
    %s8 = arith.addf %s16, %x8 : f32
    %x4, %_c = gpu.shuffle xor %s8, %o4, %width : f32
    %s4 = arith.addf %s8, %x4 : f32
    %x2, %_d = gpu.shuffle xor %s4, %o2, %width : f32
    %s2 = arith.addf %s4, %x2 : f32
    %x1, %_e = gpu.shuffle xor %s2, %o1, %width : f32
    %sum = arith.addf %s2, %x1 : f32
    // Workgroup memory: each thread writes its slot, reads the mirror slot
    // (written by a thread of the other warp) after the barrier.
    %c1000_i32 = arith.constant 1000 : i32
    %blk1000 = arith.muli %blk_i, %c1000_i32 : i32
    %two_lin = arith.addi %lin_i, %lin_i : i32
    %w_i = arith.addi %two_lin, %blk1000 : i32
    %w = arith.sitofp %w_i : i32 to f32
    memref.store %w, %shared[%linear] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %c63 = arith.constant 63 : index
    %mirror_at = arith.subi %c63, %linear : index
    %mirror = memref.load %shared[%mirror_at] : memref<64xf32, #gpu.address_space<workgroup>>
    // Down, up and idx shuffles with their valid flags; ints as well.
    %down, %down_ok = gpu.shuffle down %v, %o1, %width : f32
    %o3 = arith.constant 3 : i32
    %up_i, %up_ok = gpu.shuffle up %v_i, %o3, %width : i32
    %up = arith.sitofp %up_i : i32 to f32
    %o7 = arith.constant 7 : i32
    %idx, %_f = gpu.shuffle idx %v, %o7, %width : f32
    %down_okf = arith.uitofp %down_ok : i1 to f32
    %up_okf = arith.uitofp %up_ok : i1 to f32
    // Among the first 16 lanes only (width 16): lanes 16..31 take no part.
    %w16 = arith.constant 16 : i32
    %half, %half_ok = gpu.shuffle xor %v, %o1, %w16 : f32
    %half_okf = arith.uitofp %half_ok : i1 to f32
    %lane = gpu.lane_id
    %lane_i = arith.index_cast %lane : index to i32
    %lanef = arith.sitofp %lane_i : i32 to f32
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c5 = arith.constant 5 : index
    %c6 = arith.constant 6 : index
    %c7 = arith.constant 7 : index
    memref.store %sum, %out[%by, %bx, %linear, %c0] : memref<2x2x64x10xf32>
    memref.store %mirror, %out[%by, %bx, %linear, %c1] : memref<2x2x64x10xf32>
    memref.store %down, %out[%by, %bx, %linear, %c2] : memref<2x2x64x10xf32>
    memref.store %down_okf, %out[%by, %bx, %linear, %c3] : memref<2x2x64x10xf32>
    memref.store %up, %out[%by, %bx, %linear, %c4] : memref<2x2x64x10xf32>
    memref.store %up_okf, %out[%by, %bx, %linear, %c5] : memref<2x2x64x10xf32>
    memref.store %idx, %out[%by, %bx, %linear, %c6] : memref<2x2x64x10xf32>
    memref.store %lanef, %out[%by, %bx, %linear, %c7] : memref<2x2x64x10xf32>
    %c8 = arith.constant 8 : index
    %c9 = arith.constant 9 : index
    memref.store %half, %out[%by, %bx, %linear, %c8] : memref<2x2x64x10xf32>
    memref.store %half_okf, %out[%by, %bx, %linear, %c9] : memref<2x2x64x10xf32>
    gpu.terminator
  }
  %u = memref.cast %out : memref<2x2x64x10xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  memref.dealloc %out : memref<2x2x64x10xf32>
  return
}
