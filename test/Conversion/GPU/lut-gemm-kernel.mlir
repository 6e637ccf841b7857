// qblock-gpu-matmul-kernels on LUT-GEMM stubs (internal step of
// --qblock-gpu-pipeline): each call of a qblock.gpu_lut_gemm stub becomes
// the LUT-GEMM kernel's gpu.launch.
// RUN: quant-opt %s --qblock-gpu-matmul-kernels -split-input-file -verify-diagnostics | FileCheck %s

// q = 3, g = 64, K = 320 (a chunk of 256 inputs, then a partial one of 64),
// N = 37, M = 2: grid (1 row tile, 2 chunks, 2 activation rows), 256
// threads, 32 f32 tables of 256 entries in workgroup memory.
// CHECK-LABEL: func.func @gemm
// CHECK-SAME: (%[[W:.*]]: memref<6016xi8>, %[[A:.*]]: memref<2x320xf32>, %[[O:.*]]: memref<2x37xf32>)
// CHECK-NOT: call
// CHECK: %[[M:.*]] = arith.constant 2 : index
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[CHUNKS:.*]] = arith.constant 2 : index
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C1]], {{.*}} = %[[CHUNKS]], {{.*}} = %[[M]]) threads({{.*}}) in ({{.*}} = %[[C256]], {{.*}}) workgroup(%[[T:.*]] : memref<8192xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[TID:.*]] = gpu.thread_id x
// Grid x: the row tiles (of each batch in turn; no batch here).
// CHECK: %[[BX:.*]] = gpu.block_id x
// CHECK: %[[ROWTILE:.*]] = arith.remui %[[BX]], %{{.*}} : index
// CHECK: %[[CHUNK:.*]] = gpu.block_id y
// CHECK: %[[MROW:.*]] = gpu.block_id z
// Sub-vectors in this chunk: min(40 - 32 * chunk, 32).
// CHECK: %[[FIRST:.*]] = arith.muli %[[CHUNK]], %{{.*}} : index
// CHECK: %[[LEFT:.*]] = arith.subi %{{.*}}, %[[FIRST]] : index
// CHECK: %[[SUBS:.*]] = arith.minui %[[LEFT]], %{{.*}} : index
// Lane s of warp w builds table s (s inside the chunk): it reads its 8
// activations once; bits 0-2 of its entries are w, the signs of x_0..x_2.
// CHECK: %[[WARP:.*]] = arith.divui %[[TID]], %{{.*}} : index
// CHECK: %[[SUB:.*]] = arith.remui %[[TID]], %{{.*}} : index
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[SUB]], %[[SUBS]] : index
// CHECK: scf.if %[[IN]] {
// CHECK: %[[X:.*]] = vector.load %[[A]][%[[MROW]], %{{.*}}] {alignment = 16 : i64} : memref<2x320xf32>, vector<4xf32>
// CHECK: %[[X0:.*]] = vector.extract %[[X]][0]
// CHECK: %[[X3:.*]] = vector.extract %[[X]][3]
// CHECK: %[[XH:.*]] = vector.load %[[A]]
// CHECK: %[[X7:.*]] = vector.extract %[[XH]][3]
// CHECK: %[[WB:.*]] = arith.index_castui %[[WARP]] : index to i32
// CHECK: arith.shrui %[[WB]]
// CHECK: %[[S0:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: llvm.intr.fma(%[[S0]], %[[X0]], %{{.*}})
// CHECK-COUNT-2: llvm.intr.fma
// Bits 3-7 by a tree of prefix sums: the entry with all five clear first,
// stored at word 32 * w + s = tid (entry-major: table s in bank s); the one
// that differs in bit 7 at tid + 4096 (entry + 128).
// CHECK: %[[M3:.*]] = arith.subf %{{.*}}, %[[X3]] : f32
// CHECK-COUNT-3: arith.subf
// CHECK: %[[M7:.*]] = arith.subf %{{.*}}, %[[X7]] : f32
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[E0:.*]] = arith.addi %[[TID]], %[[C0]] : index
// CHECK: memref.store %[[M7]], %[[T]][%[[E0]]]
// CHECK: %[[P7:.*]] = arith.addf %{{.*}}, %[[X7]] : f32
// CHECK: %[[C4096:.*]] = arith.constant 4096 : index
// CHECK: %[[E128:.*]] = arith.addi %[[TID]], %[[C4096]] : index
// CHECK: memref.store %[[P7]], %[[T]][%[[E128]]]
// CHECK-COUNT-30: memref.store %{{.*}}, %[[T]]
// CHECK-NOT: memref.store
// CHECK: }
// CHECK: gpu.barrier
// 8 lanes a row, 4 rows a step; row r of the step starts at byte r of its
// word, so step k reads byte (r + k) % 4 (sub-vector 4 * word + that byte)
// and the 32 lanes read 32 tables. The byte comes out of the word by a
// prmt whose selector is 0x4440 | byte.
// CHECK: %[[LANE:.*]] = arith.remui %[[TID]], %{{.*}} : index
// CHECK: %[[ROW:.*]] = arith.divui %[[LANE]], %{{.*}} : index
// CHECK: %[[WORD:.*]] = arith.remui %[[LANE]], %{{.*}} : index
// CHECK: %[[FIRSTSUB:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK: %[[TURN:.*]] = arith.remui %[[ROW]], %{{.*}} : index
// CHECK: %[[T0:.*]] = arith.addi %[[TURN]], %{{.*}} : index
// CHECK: %[[B0:.*]] = arith.remui %[[T0]], %{{.*}} : index
// CHECK: %[[SUB0:.*]] = arith.addi %[[FIRSTSUB]], %[[B0]] : index
// CHECK: %[[B0I:.*]] = arith.index_castui %[[B0]] : index to i32
// CHECK: %[[C17472:.*]] = arith.constant 17472 : i32
// CHECK: %[[SEL0:.*]] = arith.ori %[[B0I]], %[[C17472]] : i32
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[T1:.*]] = arith.addi %[[TURN]], %[[ONE]] : index
// CHECK: %[[B1:.*]] = arith.remui %[[T1]], %{{.*}} : index
// CHECK: %[[SUB1:.*]] = arith.addi %[[FIRSTSUB]], %[[B1]] : index
// CHECK: %[[SEL1:.*]] = arith.ori %{{.*}}, %{{.*}} : i32
// The offset term's sums of inputs, read from the tables' all-ones
// entries, are the same for every row: read once, before the rows.
// CHECK: %[[C255:.*]] = arith.constant 255 : index
// CHECK: %[[ONES:.*]] = arith.muli %[[C255]], %{{.*}} : index
// CHECK: %[[ONE0:.*]] = arith.addi %[[ONES]], %[[SUB0]] : index
// CHECK: %[[XS0:.*]] = memref.load %[[T]][%[[ONE0]]]
// CHECK-COUNT-3: memref.load %[[T]]
// CHECK: %[[ALPHAS:.*]] = memref.view %[[W]][%{{.*}}][] : memref<6016xi8> to memref<555xf16>
// CHECK: %[[OFFSETS:.*]] = memref.view %[[W]][%{{.*}}][] : memref<6016xi8> to memref<185xf16>
// CHECK: arith.muli %[[ROWTILE]], %{{.*}} : index
// An iteration is 4 of the warp's steps, 4 x 32 rows: first the global
// loads of all four (three planes' words, each as one i32, three alphas,
// one offset), then each step's lookups.
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: scf.for %[[STEP:.*]] = %{{.*}} to %{{.*}} step %[[C128]] {
// CHECK: %[[BYTES0:.*]] = vector.load %[[W]][%{{.*}}] {alignment = 4 : i64} : memref<6016xi8>, vector<4xi8>
// CHECK: %[[CAST0:.*]] = vector.bitcast %[[BYTES0]] : vector<4xi8> to vector<1xi32>
// CHECK: %[[WORD0:.*]] = vector.extract %[[CAST0]][0] : i32 from vector<1xi32>
// CHECK-COUNT-2: vector.load %[[W]][%{{.*}}] {alignment = 4 : i64} : memref<6016xi8>, vector<4xi8>
// CHECK: %[[ALPHA16:.*]] = memref.load %[[ALPHAS]]
// CHECK: %[[ALPHA:.*]] = arith.extf %[[ALPHA16]] : f16 to f32
// CHECK-COUNT-2: memref.load %[[ALPHAS]]
// CHECK: %[[Z16:.*]] = memref.load %[[OFFSETS]]
// CHECK: %[[Z:.*]] = arith.extf %[[Z16]] : f16 to f32
// CHECK-COUNT-9: vector.load %[[W]]
// CHECK-NOT: memref.load %[[T]]
// CHECK: memref.load %[[OFFSETS]]
// CHECK-NOT: vector.load
// Each byte indexes its sub-vector's table, entry * 32 + sub-vector;
// plane sums times alpha.
// CHECK: %[[CODE0:.*]] = nvvm.prmt <default> %[[SEL0]], %[[WORD0]], %{{.*}} : i32
// CHECK: %[[IDX0:.*]] = arith.index_castui %[[CODE0]] : i32 to index
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[ENTRY0:.*]] = arith.muli %[[IDX0]], %[[C32]] : index
// CHECK: %[[LOOK0:.*]] = arith.addi %[[ENTRY0]], %[[SUB0]] : index
// CHECK: memref.load %[[T]][%[[LOOK0]]] : memref<8192xf32, #gpu.address_space<workgroup>>
// CHECK: %[[CODE1:.*]] = nvvm.prmt <default> %[[SEL1]], %[[WORD0]], %{{.*}} : i32
// CHECK: %[[IDX1:.*]] = arith.index_castui %[[CODE1]] : i32 to index
// CHECK: %[[ENTRY1:.*]] = arith.muli %[[IDX1]], %{{.*}} : index
// CHECK: %[[LOOK1:.*]] = arith.addi %[[ENTRY1]], %[[SUB1]] : index
// CHECK: memref.load %[[T]][%[[LOOK1]]]
// CHECK-COUNT-2: memref.load %[[T]]
// CHECK: llvm.intr.fma(%[[ALPHA]], %{{.*}}, %{{.*}})
// CHECK-COUNT-2: llvm.intr.fma
// The offset term: z times the sum of the inputs.
// CHECK: %[[ACC:.*]] = llvm.intr.fma(%[[Z]], %{{.*}}, %{{.*}})
// Lanes past the chunk or rows past N add nothing; 3 butterfly steps over
// a row's 8 lanes; its first lane adds to the output atomically.
// CHECK: %[[PARTIAL:.*]] = arith.select %{{.*}}, %[[ACC]], %{{.*}} : f32
// CHECK: gpu.shuffle xor %[[PARTIAL]], %{{.*}}, %{{.*}} : f32
// CHECK-COUNT-2: gpu.shuffle xor
// CHECK-NOT: gpu.shuffle
// CHECK: scf.if
// CHECK: memref.atomic_rmw addf %{{.*}}, %[[O]][%[[MROW]], %{{.*}}] : (f32, memref<2x37xf32>) -> f32
// CHECK-NOT: __qblock_gpu_lut_gemm
func.func @gemm(%w: memref<6016xi8>, %a: memref<2x320xf32>, %o: memref<2x37xf32>) {
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<6016xi8>, memref<2x320xf32>, memref<2x37xf32>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<6016xi8>, memref<2x320xf32>, memref<2x37xf32>) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 3, group = 64>, k = 320 : i64, n = 37 : i64}}

// -----

// g = 16 without offsets: a 4-byte word holds two groups, each with its own
// alphas (2 planes, 2 bytes per group); a dynamic M launches slabs of at
// most 65535 activation rows (grid z), none when M = 0.
// CHECK-LABEL: func.func @small_groups
// CHECK: %[[M:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x64xf32>
// CHECK: %[[SLAB:.*]] = arith.constant 65535 : index
// CHECK: scf.for %[[FIRST:.*]] = %{{.*}} to %[[M]] step %[[SLAB]] {
// CHECK: %[[LEFT:.*]] = arith.subi %[[M]], %[[FIRST]] : index
// CHECK: %[[ROWS:.*]] = arith.minui %[[SLAB]], %[[LEFT]] : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}, {{.*}}, {{.*}} = %[[ROWS]])
// CHECK: %[[Z:.*]] = gpu.block_id z
// CHECK: arith.addi %[[FIRST]], %[[Z]] : index
// CHECK: gpu.barrier
// CHECK: memref.view {{.*}} to memref<24xf16>
// CHECK-NOT: memref.view
// CHECK: scf.for
// CHECK-COUNT-2: vector.load {{.*}} : memref<128xi8>, vector<4xi8>
// CHECK-COUNT-2: memref.load %{{.*}} : memref<8192xf32, #gpu.address_space<workgroup>>
// CHECK: llvm.intr.fma
// CHECK-COUNT-2: memref.load %{{.*}} : memref<8192xf32, #gpu.address_space<workgroup>>
// CHECK: llvm.intr.fma
// Group 2 of the word: its own alphas.
// CHECK-COUNT-2: memref.load %{{.*}} : memref<8192xf32, #gpu.address_space<workgroup>>
// CHECK: llvm.intr.fma
// CHECK-COUNT-2: memref.load %{{.*}} : memref<8192xf32, #gpu.address_space<workgroup>>
// CHECK: llvm.intr.fma
// CHECK-NOT: llvm.intr.fma
// CHECK: gpu.shuffle xor
// CHECK: memref.atomic_rmw addf
func.func @small_groups(%w: memref<128xi8>, %a: memref<?x64xf32>, %o: memref<?x3xf32>) {
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<128xi8>, memref<?x64xf32>, memref<?x3xf32>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<128xi8>, memref<?x64xf32>, memref<?x3xf32>) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 2, group = 16, offset = false>, k = 64 : i64, n = 3 : i64}}

// -----

// g = 24 (neither a multiple nor a divisor of 32 inputs): 1-byte words,
// 32 lanes per row, 5 butterfly steps for each of an iteration's 4 steps.
// CHECK-LABEL: func.func @odd_groups
// CHECK: vector.load {{.*}} {alignment = 1 : i64} : memref<{{.*}}xi8>, vector<1xi8>
// CHECK-COUNT-20: gpu.shuffle xor
// CHECK-NOT: gpu.shuffle
func.func @odd_groups(%w: memref<192xi8>, %a: memref<1x48xf32>, %o: memref<1x2xf32>) {
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<192xi8>, memref<1x48xf32>, memref<1x2xf32>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<192xi8>, memref<1x48xf32>, memref<1x2xf32>) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 1, group = 24>, k = 48 : i64, n = 2 : i64}}

// -----

func.func @wrong_size(%w: memref<100xi8>, %a: memref<1x64xf32>, %o: memref<1x3xf32>) {
  // expected-error @+1 {{passes packed weights of type 'memref<100xi8>' to a GPU LUT-GEMM stub whose scheme and shape need memref<128xi8>}}
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<100xi8>, memref<1x64xf32>, memref<1x3xf32>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<100xi8>, memref<1x64xf32>, memref<1x3xf32>) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 2, group = 16, offset = false>, k = 64 : i64, n = 3 : i64}}

// -----

func.func @no_scheme(%w: memref<192xi8>, %a: memref<1x64xf32>, %o: memref<1x3xf32>) {
  // expected-error @+1 {{attribute lacks bcq, k or n}}
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<192xi8>, memref<1x64xf32>, memref<1x3xf32>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<192xi8>, memref<1x64xf32>, memref<1x3xf32>) attributes {qblock.gpu_lut_gemm = {k = 64 : i64, n = 3 : i64}}

// -----

func.func @wrong_k(%w: memref<128xi8>, %a: memref<1x32xf32>, %o: memref<1x3xf32>) {
  // expected-error @+1 {{passes activations of type 'memref<1x32xf32>' and output of type 'memref<1x3xf32>' to a GPU LUT-GEMM stub for k = 64, n = 3}}
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<128xi8>, memref<1x32xf32>, memref<1x3xf32>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<128xi8>, memref<1x32xf32>, memref<1x3xf32>) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 2, group = 16, offset = false>, k = 64 : i64, n = 3 : i64}}

// -----

func.func @f64_out(%w: memref<128xi8>, %a: memref<1x64xf32>, %o: memref<1x3xf64>) {
  // expected-error @+1 {{passes activations of type 'memref<1x64xf32>' and output of type 'memref<1x3xf64>' to a GPU LUT-GEMM stub for k = 64, n = 3; they must be memrefs [M, k] and [M, n], each of f32, f16 or bf16}}
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<128xi8>, memref<1x64xf32>, memref<1x3xf64>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<128xi8>, memref<1x64xf32>, memref<1x3xf64>) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 2, group = 16, offset = false>, k = 64 : i64, n = 3 : i64}}

// -----

// An f16 output: the kernel adds into an f32 copy of it, which a 256-thread
// launch fills (extf) first; another rounds each sum once into the output
// (truncf) after the LUT-GEMM launch; the copy is freed.
// CHECK-LABEL: func.func @f16_out
// CHECK-SAME: (%{{.*}}: memref<128xi8>, %{{.*}}: memref<?x64xf32>, %[[O:.*]]: memref<?x3xf16>)
// CHECK: %[[WIDE:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x3xf32>
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c256{{.*}}, {{.*}})
// CHECK: %[[H:.*]] = memref.load %[[O]][%{{.*}}, %{{.*}}] : memref<?x3xf16>
// CHECK: %[[F:.*]] = arith.extf %[[H]] : f16 to f32
// CHECK: memref.store %[[F]], %[[WIDE]][%{{.*}}, %{{.*}}] : memref<?x3xf32>
// CHECK: gpu.terminator
// CHECK: scf.for
// CHECK: gpu.launch
// CHECK: memref.atomic_rmw addf %{{.*}}, %[[WIDE]][%{{.*}}, %{{.*}}] : (f32, memref<?x3xf32>) -> f32
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK: %[[S:.*]] = memref.load %[[WIDE]][%{{.*}}, %{{.*}}] : memref<?x3xf32>
// CHECK: %[[R:.*]] = arith.truncf %[[S]] : f32 to f16
// CHECK: memref.store %[[R]], %[[O]][%{{.*}}, %{{.*}}] : memref<?x3xf16>
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[WIDE]] : memref<?x3xf32>
// CHECK-NEXT: return
func.func @f16_out(%w: memref<128xi8>, %a: memref<?x64xf32>, %o: memref<?x3xf16>) {
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<128xi8>, memref<?x64xf32>, memref<?x3xf16>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<128xi8>, memref<?x64xf32>, memref<?x3xf16>) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 2, group = 16, offset = false>, k = 64 : i64, n = 3 : i64}}

// -----

// f16 and bf16 activations: the table of a sub-vector sums its 8 inputs
// from one 16-byte load, each widened exactly to f32.
// CHECK-LABEL: func.func @half_activations
// CHECK: gpu.launch
// CHECK: %[[X:.*]] = vector.load %{{.*}} {alignment = 16 : i64} : memref<1x64xf16>, vector<8xf16>
// CHECK: %[[X0:.*]] = vector.extract %[[X]][0] : f16 from vector<8xf16>
// CHECK: %[[W0:.*]] = arith.extf %[[X0]] : f16 to f32
// CHECK-COUNT-7: arith.extf %{{.*}} : f16 to f32
// CHECK-NOT: vector.load %{{.*}} : memref<1x64xf16>
// CHECK: llvm.intr.fma(%{{.*}}, %[[W0]], %{{.*}})
// CHECK: memref.store
// CHECK: gpu.launch
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<1x64xbf16>, vector<8xbf16>
// CHECK: arith.extf %{{.*}} : bf16 to f32
func.func @half_activations(%w: memref<128xi8>, %a: memref<1x64xf16>, %o: memref<1x3xf32>,
                            %b: memref<1x64xbf16>) {
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<128xi8>, memref<1x64xf16>, memref<1x3xf32>) -> ()
  call @__qblock_gpu_lut_gemm_0(%w, %b, %o) : (memref<128xi8>, memref<1x64xbf16>, memref<1x3xf32>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<128xi8>, memref<1x64xf16>, memref<1x3xf32>) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 2, group = 16, offset = false>, k = 64 : i64, n = 3 : i64}}
func.func private @__qblock_gpu_lut_gemm_0(memref<128xi8>, memref<1x64xbf16>, memref<1x3xf32>) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 2, group = 16, offset = false>, k = 64 : i64, n = 3 : i64}}

// -----

// Batched weights (a batch attribute, rank-3 activations and output): grid
// x holds each batch's row tiles in turn (2 batches x 1 tile), a block's
// batch is block_id x / tiles per batch, the tables read that batch's
// activation row, its plane rows start at batch * N, and the atomic add
// goes to [batch, activation row, column].
// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C2]], {{.*}} = %{{.*}}, {{.*}} = %[[C3]])
// CHECK: %[[BX:.*]] = gpu.block_id x
// CHECK: %[[BATCH:.*]] = arith.divui %[[BX]], %{{.*}} : index
// CHECK: %[[MROW:.*]] = gpu.block_id z
// CHECK: vector.load %{{.*}}[%[[BATCH]], %[[MROW]], %{{.*}}] {alignment = 16 : i64} : memref<2x3x64xf32>, vector<4xf32>
// CHECK: gpu.barrier
// CHECK: %[[FIRST:.*]] = arith.muli %[[BATCH]], %{{.*}} : index
// CHECK: scf.for %[[STEP:.*]] =
// CHECK: %[[STEP0:.*]] = arith.addi %[[STEP]], %{{.*}} : index
// CHECK: %[[COL:.*]] = arith.addi %[[STEP0]], %{{.*}} : index
// CHECK: %[[SAFE:.*]] = arith.minui %[[COL]], %{{.*}} : index
// CHECK: %[[ROW:.*]] = arith.addi %[[FIRST]], %[[SAFE]] : index
// CHECK: arith.muli %[[ROW]], %{{.*}} : index
// CHECK: memref.atomic_rmw addf %{{.*}}, %{{.*}}[%[[BATCH]], %[[MROW]], %[[COL]]] : (f32, memref<2x3x20xf32>) -> f32
func.func private @__qblock_gpu_lut_gemm(memref<1152xi8>, memref<2x3x64xf32>, memref<2x3x20xf32>) attributes {qblock.gpu_lut_gemm = {batch = 2 : i64, bcq = #qblock.bcq<bits = 2, group = 32>, k = 64 : i64, n = 20 : i64}}
func.func @batched(%w: memref<1152xi8>, %a: memref<2x3x64xf32>, %o: memref<2x3x20xf32>) {
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<1152xi8>, memref<2x3x64xf32>, memref<2x3x20xf32>) -> ()
  return
}

// -----

func.func @batch_mismatch(%w: memref<1152xi8>, %a: memref<3x3x64xf32>, %o: memref<3x3x20xf32>) {
  // expected-error @+1 {{passes activations of type 'memref<3x3x64xf32>' and output of type 'memref<3x3x20xf32>' to a GPU LUT-GEMM stub for k = 64, n = 20, batch = 2; they must be memrefs [batch, M, k] and [batch, M, n], each of f32, f16 or bf16}}
  call @__qblock_gpu_lut_gemm(%w, %a, %o) : (memref<1152xi8>, memref<3x3x64xf32>, memref<3x3x20xf32>) -> ()
  return
}
func.func private @__qblock_gpu_lut_gemm(memref<1152xi8>, memref<3x3x64xf32>, memref<3x3x20xf32>) attributes {qblock.gpu_lut_gemm = {batch = 2 : i64, bcq = #qblock.bcq<bits = 2, group = 32>, k = 64 : i64, n = 20 : i64}}
