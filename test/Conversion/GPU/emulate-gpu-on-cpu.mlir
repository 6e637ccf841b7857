// RUN: quant-opt %s --split-input-file --qblock-emulate-gpu-on-cpu --verify-diagnostics | FileCheck %s

// A launch becomes loops over the grid (x innermost) around one OpenMP team
// per block, as large as the block (checked before the launch, from the
// OpenMP settings, and by the runtime; dynamic teams are off while the
// launch runs); thread ids come from the
// team; workgroup memory is one buffer for the team, private memory an
// alloca per thread, both in the default memory space; barriers and
// shuffles call the emulator runtime with the thread's linear id.
// CHECK-LABEL: func.func @f(
// CHECK-SAME:      %[[BUF:.*]]: memref<64xf32>, %[[N:.*]]: index)
// CHECK:         %[[C64:.*]] = arith.constant 64 : index
// CHECK:         %[[XY:.*]] = arith.muli %[[C64]], %{{.*}} : index
// CHECK:         %[[SIZE:.*]] = arith.muli %[[XY]], %{{.*}} : index
// CHECK:         %[[LIMIT:.*]] = call @omp_get_thread_limit()
// CHECK:         %[[LIMITX:.*]] = arith.index_cast %[[LIMIT]] : i32 to index
// CHECK:         %[[ENOUGH:.*]] = arith.cmpi sge, %[[LIMITX]], %[[SIZE]] : index
// CHECK:         %[[LEVEL:.*]] = call @omp_get_active_level()
// CHECK:         %[[MAXLEVELS:.*]] = call @omp_get_max_active_levels()
// CHECK:         %[[FREE:.*]] = arith.cmpi slt, %[[LEVEL]], %[[MAXLEVELS]] : i32
// CHECK:         %[[BOTH:.*]] = arith.andi %[[ENOUGH]], %[[FREE]]
// CHECK:         %[[SINGLE:.*]] = arith.cmpi ule, %[[SIZE]], %{{.*}} : index
// CHECK:         %[[FITS:.*]] = arith.ori %[[SINGLE]], %[[BOTH]]
// CHECK:         cf.assert %[[FITS]], "gpu.launch at {{.*}}emulate-gpu-on-cpu.mlir:{{[0-9]+}}:3: the OpenMP runtime would start fewer CPU threads
// CHECK:         %[[THREADS:.*]] = arith.index_cast %[[SIZE]] : index to i32
// CHECK:         %[[DYNAMIC:.*]] = call @omp_get_dynamic()
// CHECK:         %[[OFF:.*]] = arith.constant 0 : i32
// CHECK:         call @omp_set_dynamic(%[[OFF]])
// CHECK:         %[[SHARED:.*]] = memref.alloc() : memref<64xf32>
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             scf.for %{{.*}} = %{{.*}} to %[[N]]
// CHECK:               call @qblockEmuBeginBlock(%[[THREADS]])
// CHECK:               omp.parallel num_threads(%[[THREADS]] : i32) {
// CHECK:                 %[[TID:.*]] = func.call @omp_get_thread_num()
// CHECK:                 %[[TEAM:.*]] = func.call @omp_get_num_threads()
// CHECK:                 func.call @qblockEmuCheckTeam(%[[TEAM]], %[[THREADS]])
// CHECK:                 %[[LINEAR:.*]] = arith.index_cast %[[TID]] : i32 to index
// CHECK:                 %[[TX:.*]] = arith.remui %[[LINEAR]], %[[C64]]
// CHECK:                 %[[OWN:.*]] = memref.alloca() : memref<2xf32>
// CHECK:                 %[[V:.*]] = memref.load %[[BUF]][%[[TX]]]
// CHECK:                 memref.store %[[V]], %[[SHARED]][%[[TX]]] : memref<64xf32>
// CHECK:                 call @qblockEmuBarrier(%[[TID]])
// CHECK:                 %[[BITS:.*]] = arith.bitcast %[[V]] : f32 to i32
// CHECK:                 %[[XOR:.*]] = arith.constant 0 : i32
// CHECK:                 %[[GOT:.*]] = func.call @qblockEmuShuffle(%[[BITS]], %{{.*}}, %{{.*}}, %[[XOR]], %[[TID]])
// CHECK:                 %[[W:.*]] = arith.bitcast %[[GOT]] : i32 to f32
// CHECK:                 memref.store %[[W]], %[[OWN]]
// CHECK:                 omp.terminator
// CHECK:         call @qblockEmuEndLaunch()
// CHECK-NEXT:    call @omp_set_dynamic(%[[DYNAMIC]])
// CHECK:         memref.dealloc %[[SHARED]]
// CHECK-NOT:     gpu.
func.func @f(%buf: memref<64xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>)
             private(%own : memref<2xf32, #gpu.address_space<private>>) {
    %v = memref.load %buf[%tx] : memref<64xf32>
    memref.store %v, %shared[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %c1_i32 = arith.constant 1 : i32
    %c32_i32 = arith.constant 32 : i32
    %w, %ok = gpu.shuffle xor %v, %c1_i32, %c32_i32 : f32
    memref.store %w, %own[%c1] : memref<2xf32, #gpu.address_space<private>>
    gpu.terminator
  }
  return
}

// -----

// Host staging ops become memref ops; their tokens disappear.
// CHECK-LABEL: func.func @staged(
// CHECK-SAME:      %[[HOST:.*]]: memref<8xf32>)
// CHECK:         %[[DEV:.*]] = memref.alloc() : memref<8xf32>
// CHECK:         memref.copy %[[HOST]], %[[DEV]]
// CHECK:         memref.copy %[[DEV]], %[[HOST]]
// CHECK:         memref.dealloc %[[DEV]]
// CHECK-NOT:     gpu.
func.func @staged(%host: memref<8xf32>) {
  %t0 = gpu.wait async
  %dev, %t1 = gpu.alloc async [%t0] () : memref<8xf32>
  %t2 = gpu.memcpy async [%t1] %dev, %host : memref<8xf32>, memref<8xf32>
  %t3 = gpu.memcpy async [%t2] %host, %dev : memref<8xf32>, memref<8xf32>
  %t4 = gpu.dealloc async [%t3] %dev : memref<8xf32>
  gpu.wait [%t4]
  return
}

// -----

// What the emulator cannot do is an error at the op, never skipped.
func.func @reduce(%buf: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %buf[%tx] : memref<32xf32>
    // expected-error @below {{'gpu.subgroup_reduce' op cannot be emulated on the CPU: the GPU emulator has no rule for it}}
    %s = gpu.subgroup_reduce add %v : (f32) -> f32
    memref.store %s, %buf[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @half_shuffle(%buf: memref<32xf16>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %buf[%tx] : memref<32xf16>
    %c1_i32 = arith.constant 1 : i32
    %c32_i32 = arith.constant 32 : i32
    // expected-error @below {{'gpu.shuffle' op cannot be emulated on the CPU: the emulator shuffles f32 and i32 values only}}
    %w, %ok = gpu.shuffle xor %v, %c1_i32, %c32_i32 : f16
    memref.store %w, %buf[%tx] : memref<32xf16>
    gpu.terminator
  }
  return
}

// -----

func.func @async(%buf: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %t = gpu.wait async
  // expected-error @below {{'gpu.launch' op cannot be emulated on the CPU: the emulator runs synchronous launches only}}
  %done = gpu.launch async [%t] blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    gpu.terminator
  }
  gpu.wait [%done]
  return
}

// -----

// A symbol of the module named like a runtime function, but not a
// declaration of the type the emulator calls, is reported once (the
// barriers would call it), not passed by.
// expected-error @below {{'qblockEmuBarrier' is a function of the GPU emulator's runtime, which the emulator calls as a declaration of type '(i32) -> ()'; rename this symbol to emulate the module's kernels}}
func.func @qblockEmuBarrier(%x: i64) {
  return
}

func.func @clash(%buf: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    gpu.barrier
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----

func.func @other_mma(%a: vector<2xf16>, %b: vector<2xf16>, %c: f32) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    // expected-error @below {{'nvvm.mma.sync' op cannot be emulated on the CPU: the emulator runs only row.col mma.sync m16n8k16 with f16 or bf16 inputs and f32 accumulators, and m16n8k32 or m16n8k16 with s8 inputs and wrapping s32 accumulators}}
    %d = nvvm.mma.sync A[%a, %a] B[%b] C[%c, %c, %c, %c]
        {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
         shape = #nvvm.shape<m = 16, n = 8, k = 8>}
        : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
    gpu.terminator
  }
  return
}

// -----

// A byte permute in the default mode (the W4A16 kernel's weight decode)
// calls the runtime's prmt with lo, hi and the selector, in that order;
// other modes, and one source, are errors.
// CHECK-LABEL: func.func @permute(
// CHECK-SAME:      %[[LO:[^:]*]]: i32, %[[HI:[^:]*]]: i32, %[[SEL:[^:]*]]: i32
// CHECK:         omp.parallel
// CHECK:           func.call @qblockEmuPrmt(%[[LO]], %[[HI]], %[[SEL]]) : (i32, i32, i32) -> i32
// CHECK-NOT:       nvvm.prmt
func.func @permute(%lo: i32, %hi: i32, %sel: i32, %out: memref<1xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %r = nvvm.prmt #nvvm.permute_mode<default> %sel, %lo, %hi : i32
    memref.store %r, %out[%c0] : memref<1xi32>
    gpu.terminator
  }
  return
}

// -----

func.func @other_permute(%lo: i32, %hi: i32, %sel: i32) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    // expected-error @below {{'nvvm.prmt' op cannot be emulated on the CPU: the emulator permutes bytes in the default mode of two source registers only}}
    %r = nvvm.prmt #nvvm.permute_mode<f4e> %sel, %lo, %hi : i32
    gpu.terminator
  }
  return
}

// -----

// Thread, block, grid and lane ids from the team.
// CHECK-LABEL: func.func @ids(
// CHECK-SAME:      %[[OUT:.*]]: memref<4xindex>, %[[GX:.*]]: index)
// CHECK:         %[[C8:.*]] = arith.constant 8 : index
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             scf.for %[[BX:.*]] = %{{.*}} to %[[GX]]
// CHECK:               omp.parallel
// CHECK:                 %[[TID:.*]] = func.call @omp_get_thread_num()
// CHECK:                 %[[LINEAR:.*]] = arith.index_cast %[[TID]] : i32 to index
// CHECK:                 %[[TX:.*]] = arith.remui %[[LINEAR]], %[[C8]]
// CHECK:                 %[[LANE:.*]] = arith.remui %[[LINEAR]], %{{.*}} : index
// CHECK:                 memref.store %[[TX]], %[[OUT]]
// CHECK:                 memref.store %[[BX]], %[[OUT]]
// CHECK:                 memref.store %[[C8]], %[[OUT]]
// CHECK:                 memref.store %[[GX]], %[[OUT]]
// CHECK:                 memref.store %[[LANE]], %[[OUT]]
func.func @ids(%out: memref<4xindex>, %gx: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %gx, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1) {
    %t = gpu.thread_id x
    %b = gpu.block_id x
    %d = gpu.block_dim x
    %g = gpu.grid_dim x
    %l = gpu.lane_id
    memref.store %t, %out[%c0] : memref<4xindex>
    memref.store %b, %out[%c0] : memref<4xindex>
    memref.store %d, %out[%c0] : memref<4xindex>
    memref.store %g, %out[%c0] : memref<4xindex>
    memref.store %l, %out[%c0] : memref<4xindex>
    gpu.terminator
  }
  return
}

// -----

// An s8 mma that saturates: the emulator's integer mma wraps, as the kernels'
// (whose sums never overflow) ask for.
func.func @saturating_mma(%a: i32, %b: i32, %c: i32) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    // expected-error @below {{'nvvm.mma.sync' op cannot be emulated on the CPU}}
    %d = nvvm.mma.sync A[%a, %a, %a, %a] B[%b, %b] C[%c, %c, %c, %c]
        {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
         intOverflowBehavior = #nvvm.mma_int_overflow<satfinite>,
         multiplicandAPtxType = #nvvm.mma_type<s8>,
         multiplicandBPtxType = #nvvm.mma_type<s8>,
         shape = #nvvm.shape<m = 16, n = 8, k = 32>}
        : (i32, i32, i32) -> !llvm.struct<(i32, i32, i32, i32)>
    gpu.terminator
  }
  return
}
