// The GPU emulator's byte permute (nvvm.prmt in the default mode, which
// the W4A16 kernel's weight decode uses) against the PTX ISA's prmt.b32,
// computed independently by check_emulator_prmt.py: 64 threads, each with
// its own registers a, b and selector c, three permutes each:
//   prmt(a, b, c)            any byte of the 8, bits above 15 of c ignored;
//   prmt(a, b, c | 0x8888)   every byte's sign replicated;
//   prmt(b, a, 0x7440 | lane % 4), the decode's f32 build, sources swapped.
// Each 32-bit result is printed as two 16-bit halves, which f32 holds
// exactly.
// RUN: quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu \
// RUN:   | mlir-opt --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// RUN:       --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm \
// RUN:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:       --convert-openmp-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.out
// RUN: %python %S/Inputs/check_emulator_prmt.py %t.out | FileCheck %s
// CHECK: check_emulator_prmt: PASS

func.func private @printMemrefF32(memref<*xf32>)

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %out = memref.alloc() : memref<64x6xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %t = arith.index_cast %tx : index to i32
    // a = t * 0x9E3779B1, b = a ^ 0x5BD1E995 + t, c = t * 0x01234567.
    %ka = arith.constant -1640531535 : i32
    %kb = arith.constant 1540483477 : i32
    %kc = arith.constant 19088743 : i32
    %a = arith.muli %t, %ka : i32
    %ax = arith.xori %a, %kb : i32
    %b = arith.addi %ax, %t : i32
    %c = arith.muli %t, %kc : i32
    %signs = arith.constant 34952 : i32
    %c_signs = arith.ori %c, %signs : i32
    %three = arith.constant 3 : i32
    %j = arith.andi %t, %three : i32
    %build = arith.constant 29760 : i32
    %c_build = arith.ori %j, %build : i32
    %r0 = nvvm.prmt #nvvm.permute_mode<default> %c, %a, %b : i32
    %r1 = nvvm.prmt #nvvm.permute_mode<default> %c_signs, %a, %b : i32
    %r2 = nvvm.prmt #nvvm.permute_mode<default> %c_build, %b, %a : i32
    %c16 = arith.constant 16 : i32
    %lowMask = arith.constant 65535 : i32
    %col0 = arith.constant 0 : index
    %col1 = arith.constant 1 : index
    %col2 = arith.constant 2 : index
    %col3 = arith.constant 3 : index
    %col4 = arith.constant 4 : index
    %col5 = arith.constant 5 : index
    %lo0 = arith.andi %r0, %lowMask : i32
    %hi0 = arith.shrui %r0, %c16 : i32
    %lo1 = arith.andi %r1, %lowMask : i32
    %hi1 = arith.shrui %r1, %c16 : i32
    %lo2 = arith.andi %r2, %lowMask : i32
    %hi2 = arith.shrui %r2, %c16 : i32
    %flo0 = arith.uitofp %lo0 : i32 to f32
    %fhi0 = arith.uitofp %hi0 : i32 to f32
    %flo1 = arith.uitofp %lo1 : i32 to f32
    %fhi1 = arith.uitofp %hi1 : i32 to f32
    %flo2 = arith.uitofp %lo2 : i32 to f32
    %fhi2 = arith.uitofp %hi2 : i32 to f32
    memref.store %flo0, %out[%tx, %col0] : memref<64x6xf32>
    memref.store %fhi0, %out[%tx, %col1] : memref<64x6xf32>
    memref.store %flo1, %out[%tx, %col2] : memref<64x6xf32>
    memref.store %fhi1, %out[%tx, %col3] : memref<64x6xf32>
    memref.store %flo2, %out[%tx, %col4] : memref<64x6xf32>
    memref.store %fhi2, %out[%tx, %col5] : memref<64x6xf32>
    gpu.terminator
  }
  %u = memref.cast %out : memref<64x6xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  memref.dealloc %out : memref<64x6xf32>
  return
}
