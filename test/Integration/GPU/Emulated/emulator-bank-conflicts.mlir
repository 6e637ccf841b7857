// The GPU emulator's bank-conflict count (bank-conflicts=true,
// lib/Runtime/GPUEmulatorBanks.cpp) on access patterns whose wavefronts
// are known: 64 threads (2 warps), a workgroup buffer of 2048 f32, and per
// warp:
//   by_thread   store T[tid]              1 wavefront (32 banks, 32 words)
//   stride_32   load T[32 * lane]         32 (every lane in bank 0)
//   broadcast   load T[0]                 1 (one word, read by all)
//   stride_2    load T[2 * lane]          2 (lanes l and l + 16 share a bank)
//   vector_16   load vector<4xf32> at T[4 * lane]
//                                         4 (four quarter-warp phases of 32
//                                         words, none conflicting)
//   diagonal    load T[33 * lane]         1 (lane l in bank l)
//   eight_lanes load T[32 * lane], lanes 0-7 only
//                                         8
// So per launch: loads 12 warp accesses, 2 * (32 + 1 + 2 + 4 + 1 + 8) = 96
// wavefronts against 2 * (1 + 1 + 1 + 4 + 1 + 1) = 18 without conflicts,
// 6 of them conflicted; stores 2, 2, 2, none.
// RUN: quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu=bank-conflicts=true \
// RUN:   | mlir-opt --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// RUN:       --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm \
// RUN:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:       --convert-openmp-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs 2> %t.err
// RUN: FileCheck %s < %t.err
// Without the option, nothing is counted or printed.
// RUN: quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu \
// RUN:   | mlir-opt --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// RUN:       --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm \
// RUN:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:       --convert-openmp-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs 2> %t.off.err
// RUN: FileCheck %s --check-prefix=OFF --allow-empty < %t.off.err

// CHECK: qblock GPU emulator: bank conflicts (32 banks of 4 bytes
// CHECK-NEXT: launch 0 loads: 12 warp accesses, 96 wavefronts (18 without conflicts), 6 conflicted, worst 32-way
// CHECK-NEXT: launch 0 stores: 2 warp accesses, 2 wavefronts (2 without conflicts), 0 conflicted, worst 1-way
// CHECK-NEXT: launch 0, load of 4 bytes at loc("stride_32"): 2 warp accesses, 64 wavefronts (2 without conflicts), worst 32-way
// CHECK-NEXT: launch 0, load of 4 bytes at loc("eight_lanes"): 2 warp accesses, 16 wavefronts (2 without conflicts), worst 8-way
// CHECK-NEXT: launch 0, load of 4 bytes at loc("stride_2"): 2 warp accesses, 4 wavefronts (2 without conflicts), worst 2-way
// CHECK-NOT: launch
// OFF-NOT: bank conflicts

func.func @main() {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %out = memref.alloc() : memref<64xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%t : memref<2048xf32, #gpu.address_space<workgroup>>) {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c32 = arith.constant 32 : index
    %c33 = arith.constant 33 : index
    %lane = arith.remui %tx, %c32 : index
    %f = arith.index_cast %tx : index to i32
    %v = arith.uitofp %f : i32 to f32
    memref.store %v, %t[%tx] : memref<2048xf32, #gpu.address_space<workgroup>> loc("by_thread")
    gpu.barrier
    %i32 = arith.muli %lane, %c32 : index
    %a = memref.load %t[%i32] : memref<2048xf32, #gpu.address_space<workgroup>> loc("stride_32")
    %b = memref.load %t[%c0] : memref<2048xf32, #gpu.address_space<workgroup>> loc("broadcast")
    %i2 = arith.muli %lane, %c2 : index
    %c = memref.load %t[%i2] : memref<2048xf32, #gpu.address_space<workgroup>> loc("stride_2")
    %i4 = arith.muli %lane, %c4 : index
    %d4 = vector.load %t[%i4] : memref<2048xf32, #gpu.address_space<workgroup>>, vector<4xf32> loc("vector_16")
    %d = vector.extract %d4[3] : f32 from vector<4xf32>
    %i33 = arith.muli %lane, %c33 : index
    %e = memref.load %t[%i33] : memref<2048xf32, #gpu.address_space<workgroup>> loc("diagonal")
    %ab = arith.addf %a, %b : f32
    %abc = arith.addf %ab, %c : f32
    %abcd = arith.addf %abc, %d : f32
    %sum = arith.addf %abcd, %e : f32
    %few = arith.cmpi ult, %lane, %c8 : index
    %total = scf.if %few -> f32 {
      %g = memref.load %t[%i32] : memref<2048xf32, #gpu.address_space<workgroup>> loc("eight_lanes")
      %s = arith.addf %sum, %g : f32
      scf.yield %s : f32
    } else {
      scf.yield %sum : f32
    }
    memref.store %total, %out[%tx] : memref<64xf32>
    gpu.terminator
  }
  memref.dealloc %out : memref<64xf32>
  return
}
