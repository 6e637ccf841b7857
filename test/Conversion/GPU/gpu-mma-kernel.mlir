// qblock-gpu-matmul-kernels with tensor-cores=true: W4A16 stubs with f16 or
// bf16 activations (any M) become the mma.sync kernel
// (lib/Conversion/QBlockToGPU/MmaMatmulKernel.cpp); the rest keep the
// CUDA-core kernel (gpu-matmul-kernels.mlir), as does every stub without
// the option.
// RUN: quant-opt %s --qblock-gpu-matmul-kernels="tensor-cores=true weight-decode=table" -split-input-file | FileCheck %s
// RUN: quant-opt %s --qblock-gpu-matmul-kernels=tensor-cores=true -split-input-file | FileCheck %s --check-prefix=PERM
// RUN: quant-opt %s --qblock-gpu-matmul-kernels -split-input-file | FileCheck %s --check-prefix=OFF
// OFF-NOT: nvvm.mma.sync

// BlockDialect-32, bf16 activations, M = 20 (two 16-row tiles per warp),
// N = 13, K = 64 (two units of 32 inputs). CHECK lines: weight-decode=table,
// each code byte's B register looked up in a workgroup table of pairs.
//
// PERM (weight-decode=permute, the default): no table of pairs; the block's
// dialect is four words, the high bytes of its 8 magnitudes as bf16, then
// the low bytes (one 16-byte load; the same global as the CUDA-core
// kernel's). Per 4 codes, prmt looks up high and low bytes, a
// sign-replicating prmt makes the mask, which goes into bit 7 of the high
// bytes; each code byte's register is then one prmt interleaving them
// (0x5140 / 0x7362): two bf16 values, the B operand as it is.
// PERM-NOT: __qblock_gpu_mma_pairs_
// PERM: memref.global "private" constant @[[WORDS:__qblock_gpu_permute_[0-9A-F]+]] : memref<64xi32> = dense<[1077952256,
// PERM-LABEL: func.func @bf16_gemm
// PERM: gpu.launch {{.*}} workgroup(%{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>) {
// PERM: %[[MG:.*]] = memref.get_global @[[WORDS]] : memref<64xi32>
// PERM: scf.for
// PERM: %[[CODES:.*]] = vector.load %{{.*}} {alignment = 4 : i64} : memref<576xi8>, vector<4xi8>
// PERM: %[[ID:.*]] = arith.index_castui %{{.*}} : i8 to index
// PERM: %[[AT:.*]] = arith.muli %[[ID]], %c4{{.*}} : index
// PERM: %[[DW:.*]] = vector.load %[[MG]][%[[AT]]] {alignment = 16 : i64} : memref<64xi32>, vector<4xi32>
// PERM: %[[H0:.*]] = vector.extract %[[DW]][0] : i32 from vector<4xi32>
// PERM: %[[H1:.*]] = vector.extract %[[DW]][1] : i32 from vector<4xi32>
// PERM: %[[L0:.*]] = vector.extract %[[DW]][2] : i32 from vector<4xi32>
// PERM: %[[L1:.*]] = vector.extract %[[DW]][3] : i32 from vector<4xi32>
// PERM: %[[WV:.*]] = vector.bitcast %[[CODES]] : vector<4xi8> to vector<1xi32>
// PERM: %[[WORD:.*]] = vector.extract %[[WV]][0] : i32 from vector<1xi32>
// PERM: %[[SEL:.*]] = arith.andi %[[WORD]], %{{.*}}2004318071{{.*}} : i32
// PERM: %[[SHIFTED:.*]] = arith.shli %[[WORD]], %{{.*}} : i32
// PERM: %[[HIGH:.*]] = nvvm.prmt <default> %[[SEL]], %[[H0]], %[[H1]] : i32
// PERM: %[[LOW:.*]] = nvvm.prmt <default> %[[SEL]], %[[L0]], %[[L1]] : i32
// PERM: %[[MASK:.*]] = nvvm.prmt <default> %{{.*}}55752{{.*}}, %[[SHIFTED]], %[[WORD]] : i32
// PERM: %[[SIGNS:.*]] = arith.andi %[[MASK]], %{{.*}}-2139062144{{.*}} : i32
// PERM: %[[SHIGH:.*]] = arith.ori %[[HIGH]], %[[SIGNS]] : i32
// PERM: %[[B0:.*]] = nvvm.prmt <default> %{{.*}}20800{{.*}}, %[[LOW]], %[[SHIGH]] : i32
// PERM: %[[B1:.*]] = nvvm.prmt <default> %{{.*}}29538{{.*}}, %[[LOW]], %[[SHIGH]] : i32
// Codes 4-7: the selectors' high half, the mask from bytes 2 and 3.
// PERM: nvvm.prmt <default> %{{.*}}64490{{.*}}, %[[SHIFTED]], %[[WORD]] : i32
// The bf16 B operand is the i32 register itself.
// PERM: nvvm.mma.sync A[{{.*}}] B[%[[B0]], %[[B1]]] C[{{.*}}]
// CHECK-DAG: memref.global "private" constant @[[PAIRS:__qblock_gpu_mma_pairs_[0-9A-F]+]] : memref<4096xi32>
// CHECK-DAG: memref.global "private" constant @[[SCALES:__qblock_gpu_decode_[0-9A-F]+]] : memref<256xf32>
// CHECK-LABEL: func.func @bf16_gemm
// CHECK-SAME: (%[[W:.*]]: memref<576xi8>, %[[A:.*]]: memref<20x64xbf16>, %[[O:.*]]: memref<20x13xf32>)
// CHECK-NOT: call
// One thread block of 4 warps (32 columns each), one tile of 32 rows, no split.
// CHECK: gpu.launch {{.*}} threads({{.*}}) workgroup(%[[SP:.*]] : memref<4096xi32, #gpu.address_space<workgroup>>, %[[SS:.*]] : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: memref.get_global @[[PAIRS]]
// CHECK: memref.get_global @[[SCALES]]
// CHECK: gpu.barrier
// Lane = (group g, quarter t).
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %{{.*}} : index
// CHECK: %[[G:.*]] = arith.divui %[[LANE]], %{{.*}} : index
// CHECK: %[[T:.*]] = arith.remui %[[LANE]], %{{.*}} : index
// 2 m tiles x 4 n tiles x 4 accumulators.
// CHECK: scf.for %[[U:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC0:[^ ]*]] = %[[INIT:[^,]*]], %[[ACC1:[^ ]*]] = %[[INIT]], {{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// The lane's quarter of the unit: 4 code bytes of its weight row (16 bytes
// per unit, 32 per row).
// CHECK: %[[UB:.*]] = arith.muli %[[U]], %c16{{.*}} : index
// CHECK: %[[QB:.*]] = arith.muli %[[T]], %c4{{.*}} : index
// CHECK: %[[INROW:.*]] = arith.addi %[[UB]], %[[QB]] : index
// CHECK: %[[ROWB:.*]] = arith.muli %{{.*}}, %c32{{.*}} : index
// CHECK: arith.addi %[[ROWB]], %[[INROW]] : index
// CHECK: %[[CODES:.*]] = vector.load %[[W]][%{{.*}}] {alignment = 4 : i64} : memref<576xi8>, vector<4xi8>
// The block's dialect nibble selects 256 pairs (dialect ids at byte 448).
// CHECK: %[[DB:.*]] = memref.load %[[W]][%{{.*}}] : memref<576xi8>
// CHECK: %[[DN:.*]] = arith.shrui %[[DB]], %{{.*}} : i8
// CHECK: %[[ID:.*]] = arith.andi %[[DN]], %{{.*}} : i8
// CHECK: %[[IDX:.*]] = arith.index_castui %[[ID]] : i8 to index
// CHECK: %[[BASE:.*]] = arith.muli %[[IDX]], %{{.*}} : index
// Each code byte is one B register, looked up whole.
// CHECK: %[[BY0:.*]] = vector.extract %[[CODES]][0] : i8 from vector<4xi8>
// CHECK: %[[E0:.*]] = arith.index_castui %[[BY0]] : i8 to index
// CHECK: %[[X0:.*]] = arith.addi %[[BASE]], %[[E0]] : index
// CHECK: %[[P0:.*]] = memref.load %[[SP]][%[[X0]]] : memref<4096xi32, #gpu.address_space<workgroup>>
// CHECK: vector.extract %[[CODES]][1]
// CHECK: %[[P1:.*]] = memref.load %[[SP]]
// CHECK: vector.extract %[[CODES]][2]
// CHECK: %[[P2:.*]] = memref.load %[[SP]]
// CHECK: vector.extract %[[CODES]][3]
// CHECK: %[[P3:.*]] = memref.load %[[SP]]
// Half scales of the accumulator columns 2t and 2t + 1 (scale codes at
// byte 512).
// CHECK: %[[SC0:.*]] = memref.load %[[W]][%{{.*}}] : memref<576xi8>
// CHECK: %[[SI0:.*]] = arith.index_castui %[[SC0]] : i8 to index
// CHECK: %[[H0:.*]] = memref.load %[[SS]][%{{.*}}] : memref<256xf32, #gpu.address_space<workgroup>>
// CHECK: memref.load %[[W]]
// CHECK: %[[H1:.*]] = memref.load %[[SS]][%{{.*}}] : memref<256xf32, #gpu.address_space<workgroup>>
// A: 8 activations (16 bytes) of rows g and g + 8 per m tile, at
// 32 * unit + 8 * t, as four registers of two bf16 each.
// CHECK: %[[AU:.*]] = arith.muli %[[U]], %c32{{.*}} : index
// CHECK: %[[AQ:.*]] = arith.muli %[[T]], %c8{{.*}} : index
// CHECK: %[[AK:.*]] = arith.addi %[[AU]], %[[AQ]] : index
// CHECK: %[[LG:.*]] = vector.load %[[A]][%{{.*}}, %[[AK]]] {alignment = 16 : i64} : memref<20x64xbf16>, vector<8xbf16>
// CHECK: %[[RG:.*]] = vector.bitcast %[[LG]] : vector<8xbf16> to vector<4xi32>
// CHECK: %[[RG0:.*]] = vector.extract %[[RG]][0] : i32 from vector<4xi32>
// CHECK: %[[RG1:.*]] = vector.extract %[[RG]][1] : i32 from vector<4xi32>
// CHECK: %[[RG2:.*]] = vector.extract %[[RG]][2] : i32 from vector<4xi32>
// CHECK: %[[RG3:.*]] = vector.extract %[[RG]][3] : i32 from vector<4xi32>
// CHECK: %[[L8:.*]] = vector.load %[[A]][%{{.*}}, %[[AK]]] {alignment = 16 : i64} : memref<20x64xbf16>, vector<8xbf16>
// CHECK: %[[R8:.*]] = vector.bitcast %[[L8]] : vector<8xbf16> to vector<4xi32>
// CHECK: %[[R80:.*]] = vector.extract %[[R8]][0] : i32 from vector<4xi32>
// CHECK: %[[R81:.*]] = vector.extract %[[R8]][1] : i32 from vector<4xi32>
// CHECK: %[[R82:.*]] = vector.extract %[[R8]][2] : i32 from vector<4xi32>
// CHECK: %[[R83:.*]] = vector.extract %[[R8]][3] : i32 from vector<4xi32>
// CHECK-COUNT-2: vector.load %[[A]]
// Step 0: inputs 0-3 of the quarter (k positions 2t.. and 2t+8..), step 1:
// inputs 4-7, accumulated in the mma; the unit's sum is scaled once.
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[D0:.*]] = nvvm.mma.sync A[%[[RG0]], %[[R80]], %[[RG1]], %[[R81]]]  B[%[[P0]], %[[P1]]]  C[%[[Z]], %[[Z]], %[[Z]], %[[Z]]]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: %[[C0:.*]] = llvm.extractvalue %[[D0]][0]
// CHECK: %[[C1:.*]] = llvm.extractvalue %[[D0]][1]
// CHECK: %[[C2:.*]] = llvm.extractvalue %[[D0]][2]
// CHECK: %[[C3:.*]] = llvm.extractvalue %[[D0]][3]
// CHECK: %[[D1:.*]] = nvvm.mma.sync A[%[[RG2]], %[[R82]], %[[RG3]], %[[R83]]]  B[%[[P2]], %[[P3]]]  C[%[[C0]], %[[C1]], %[[C2]], %[[C3]]]
// CHECK: %[[S0:.*]] = llvm.extractvalue %[[D1]][0]
// CHECK: %[[S1:.*]] = llvm.extractvalue %[[D1]][1]
// CHECK: %[[S2:.*]] = llvm.extractvalue %[[D1]][2]
// CHECK: %[[S3:.*]] = llvm.extractvalue %[[D1]][3]
// CHECK: llvm.intr.fma(%[[S0]], %[[H0]], %[[ACC0]])
// CHECK: llvm.intr.fma(%[[S1]], %[[H1]], %[[ACC1]])
// CHECK: llvm.intr.fma(%[[S2]], %[[H0]], %{{.*}})
// CHECK: llvm.intr.fma(%[[S3]], %[[H1]], %{{.*}})
// CHECK-COUNT-14: nvvm.mma.sync
// CHECK: scf.yield
// Each accumulator that exists: init + sum, no atomics.
// CHECK-NOT: memref.atomic_rmw
// CHECK: memref.load %[[O]]
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}, %[[O]]
// CHECK-NOT: func.func private @bd
func.func private @bd(memref<576xi8>, memref<20x64xbf16>, memref<20x13xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 13 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @bf16_gemm(%w: memref<576xi8>, %a: memref<20x64xbf16>, %o: memref<20x13xf32>) {
  call @bd(%w, %a, %o) : (memref<576xi8>, memref<20x64xbf16>, memref<20x13xf32>) -> ()
  return
}

// -----

// f16 activations and result, M = 16 (one m tile), MXFP4 (one dialect: 256
// pairs, no dialect nibble). The A and B registers are vector<2xf16>; the
// result is rounded once.
// With the permute decode (PERM), the one dialect's words are constants:
// E2M1's magnitudes 0, 1, 2, 3 and 4, 6, 8, 12 as f16 have the high bytes
// 0x00, 0x3C, 0x40, 0x42 and 0x44, 0x46, 0x48, 0x4A and zero low bytes; no
// table at all but the half scales, and the registers are vector<2xf16>.
// PERM-LABEL: func.func @f16_gemm
// PERM: gpu.launch {{.*}} workgroup(%{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>) {
// PERM-NOT: memref.load {{.*}}xi32
// PERM: nvvm.prmt <default> %{{.*}}, %c1111505920_i32, %c1246250564_i32 : i32
// PERM: %[[F16B:.*]] = nvvm.prmt <default> %{{.*}}20800{{.*}} : i32
// PERM: %[[F16V:.*]] = vector.broadcast %[[F16B]] : i32 to vector<1xi32>
// PERM: %[[F16P:.*]] = vector.bitcast %[[F16V]] : vector<1xi32> to vector<2xf16>
// PERM: nvvm.mma.sync A[{{.*}}] B[%[[F16P]], %{{.*}}] {{.*}} : (vector<2xf16>, vector<2xf16>, f32)
// CHECK-LABEL: func.func @f16_gemm
// CHECK: gpu.launch {{.*}} workgroup(%[[SP:.*]] : memref<256xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK: %[[CODES:.*]] = vector.load %{{.*}} {alignment = 4 : i64} : memref<{{.*}}xi8>, vector<4xi8>
// CHECK-NOT: arith.shrui
// CHECK: %[[P:.*]] = memref.load %[[SP]]
// CHECK: %[[PV:.*]] = vector.broadcast %[[P]] : i32 to vector<1xi32>
// CHECK: vector.bitcast %[[PV]] : vector<1xi32> to vector<2xf16>
// CHECK: %[[L:.*]] = vector.load %{{.*}} {alignment = 16 : i64} : memref<16x64xf16>, vector<8xf16>
// CHECK: vector.shuffle %[[L]], %[[L]] [0, 1] : vector<8xf16>, vector<8xf16>
// CHECK: vector.shuffle %[[L]], %[[L]] [6, 7] : vector<8xf16>, vector<8xf16>
// (f16 operand types are implied by the vector<2xf16> operands.)
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-COUNT-7: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.yield
// CHECK-NOT: memref.atomic_rmw
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func private @mx(memref<1408xi8>, memref<16x64xf16>, memref<16x40xf16>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 40 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @f16_gemm(%w: memref<1408xi8>, %a: memref<16x64xf16>, %o: memref<16x40xf16>) {
  call @mx(%w, %a, %o) : (memref<1408xi8>, memref<16x64xf16>, memref<16x40xf16>) -> ()
  return
}

// -----

// NVFP4: blocks of 16, so units of 16 inputs (2 code bytes, 4 activations
// per lane) and one mma step. INT4: F16 scales, converted in the kernel, so
// no scale table in shared memory.
// With the permute decode, units of 16 give a lane 2 code bytes: one i16,
// widened, of which only codes 0-3 are decoded (two registers).
// PERM-LABEL: func.func @nvfp4_unit16
// PERM: %[[C2:.*]] = vector.bitcast %{{.*}} : vector<2xi8> to vector<1xi16>
// PERM: %[[W16:.*]] = vector.extract %[[C2]][0] : i16 from vector<1xi16>
// PERM: arith.extui %[[W16]] : i16 to i32
// PERM-COUNT-2: nvvm.prmt <default> %{{.*}}
// PERM-NOT: 64490
// PERM: nvvm.mma.sync
// CHECK-LABEL: func.func @nvfp4_unit16
// CHECK: scf.for
// CHECK: vector.load %{{.*}} {alignment = 2 : i64} : memref<{{.*}}xi8>, vector<2xi8>
// CHECK: vector.load %{{.*}} {alignment = 8 : i64} : memref<24x64xbf16>, vector<4xbf16>
// CHECK: vector.bitcast %{{.*}} : vector<4xbf16> to vector<2xi32>
// CHECK-COUNT-8: nvvm.mma.sync {{.*}} C[%cst
// CHECK: scf.yield
// CHECK-LABEL: func.func @int4_f16_scales
// CHECK: gpu.launch {{.*}} workgroup(%{{.*}} : memref<256xi32, #gpu.address_space<workgroup>>) {
// CHECK: scf.for
// CHECK: arith.bitcast %{{.*}} : i16 to f16
// CHECK: nvvm.mma.sync
func.func private @nv(memref<2304xi8>, memref<24x64xbf16>, memref<24x64xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 64 : i64, scheme = #qblock.scheme<nvfp4>}}
func.func @nvfp4_unit16(%w: memref<2304xi8>, %a: memref<24x64xbf16>, %o: memref<24x64xf32>) {
  call @nv(%w, %a, %o) : (memref<2304xi8>, memref<24x64xbf16>, memref<24x64xf32>) -> ()
  return
}
func.func private @i4(memref<2304xi8>, memref<16x64xf16>, memref<16x64xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 64 : i64, scheme = #qblock.scheme<int4>}}
func.func @int4_f16_scales(%w: memref<2304xi8>, %a: memref<16x64xf16>, %o: memref<16x64xf32>) {
  call @i4(%w, %a, %o) : (memref<2304xi8>, memref<16x64xf16>, memref<16x64xf32>) -> ()
  return
}

// -----

// A dynamic M: one row takes the plan of a static M = 1 (one 16-row tile,
// split K: N = 64 is one thread block, K = 4096 has 128 units, 32 splits of
// 4), more rows the general plan (two 16-row tiles per warp, no split),
// none nothing. No CUDA-core kernel is left.
// CHECK-LABEL: func.func @dynamic_m
// CHECK: %[[M:.*]] = memref.dim
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[M]], %{{.*}}
// CHECK: scf.if %[[ONE]] {
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}, {{.*}}, %{{.*}} = %c32{{(_[0-9]+)?}})
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK: memref.atomic_rmw addf
// CHECK: } else {
// CHECK: %[[SEVERAL:.*]] = arith.cmpi ugt, %[[M]], %{{.*}}
// CHECK: scf.if %[[SEVERAL]] {
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}, {{.*}}, %{{.*}} = %c1{{(_[0-9]+)?}})
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK-NOT: memref.atomic_rmw
// CHECK: return
// CHECK-NOT: shuffle
func.func private @dyn(memref<143360xi8>, memref<?x4096xf16>, memref<?x64xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 4096 : i64, n = 64 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @dynamic_m(%w: memref<143360xi8>, %a: memref<?x4096xf16>, %o: memref<?x64xf32>) {
  call @dyn(%w, %a, %o) : (memref<143360xi8>, memref<?x4096xf16>, memref<?x64xf32>) -> ()
  return
}

// -----

// Batched weights: a warp's columns share a batch, so N = 16 takes two n
// tiles per warp and the batch index is the warp's first column / N.
// CHECK-LABEL: func.func @batched
// CHECK: scf.if
// CHECK: arith.divui %{{.*}}, %c16
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK: vector.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<2x20x64xbf16>, vector<8xbf16>
// CHECK-COUNT-8: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.yield
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : memref<2x20x16xf32>
func.func private @bat(memref<1152xi8>, memref<2x20x64xbf16>, memref<2x20x16xf32>) attributes {qblock.gpu_matmul = {batch = 2 : i64, k = 64 : i64, n = 16 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @batched(%w: memref<1152xi8>, %a: memref<2x20x64xbf16>, %o: memref<2x20x16xf32>) {
  call @bat(%w, %a, %o) : (memref<1152xi8>, memref<2x20x64xbf16>, memref<2x20x16xf32>) -> ()
  return
}

// -----

// Few columns and a long K: split K over grid z (128 units of 32 inputs,
// 32 splits of 4), partial sums meet in the output with atomic adds.
// CHECK-LABEL: func.func @split_k
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}, {{.*}}, %{{.*}} = %c32{{(_[0-9]+)?}})
// CHECK: %[[Z:.*]] = gpu.block_id  z
// CHECK: %[[FIRST:.*]] = arith.muli %[[Z]], %c4{{.*}} : index
// CHECK: scf.for %{{.*}} = %[[FIRST]] to
// CHECK: nvvm.mma.sync
// CHECK: memref.atomic_rmw addf
func.func private @sk(memref<143360xi8>, memref<16x4096xbf16>, memref<16x64xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 4096 : i64, n = 64 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @split_k(%w: memref<143360xi8>, %a: memref<16x4096xbf16>, %o: memref<16x64xf32>) {
  call @sk(%w, %a, %o) : (memref<143360xi8>, memref<16x4096xbf16>, memref<16x64xf32>) -> ()
  return
}

// -----

// Where the CUDA-core kernel stays: f32 activations, batched weights whose
// N is not a multiple of 8, blocks that are not a multiple of 16.
// CHECK-LABEL: func.func @stays
// CHECK-NOT: nvvm.mma.sync
// CHECK: return
func.func private @f32acts(memref<576xi8>, memref<20x64xf32>, memref<20x13xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 13 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func private @bat5(memref<640xi8>, memref<3x20x64xbf16>, memref<3x20x5xf32>) attributes {qblock.gpu_matmul = {batch = 3 : i64, k = 64 : i64, n = 5 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func private @mx12(memref<128xi8>, memref<20x36xbf16>, memref<20x2xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 36 : i64, n = 2 : i64, scheme = #qblock.scheme<mxfp4, block = 12>}}
func.func @stays(%w: memref<576xi8>, %a: memref<20x64xf32>, %o: memref<20x13xf32>,
                 %w3: memref<640xi8>, %a3: memref<3x20x64xbf16>, %o3: memref<3x20x5xf32>,
                 %w4: memref<128xi8>, %a4: memref<20x36xbf16>, %o4: memref<20x2xf32>) {
  call @f32acts(%w, %a, %o) : (memref<576xi8>, memref<20x64xf32>, memref<20x13xf32>) -> ()
  call @bat5(%w3, %a3, %o3) : (memref<640xi8>, memref<3x20x64xbf16>, memref<3x20x5xf32>) -> ()
  call @mx12(%w4, %a4, %o4) : (memref<128xi8>, memref<20x36xbf16>, memref<20x2xf32>) -> ()
  return
}

// -----

// A custom book of two dialects: ids 2..15 name padding rows (only a corrupt
// buffer holds them), whose B registers become two f16 NaNs (0x7E00), as
// the pair table's NaN rows do.
// PERM-LABEL: func.func @custom_book
// PERM: %[[ID:.*]] = arith.index_castui %{{.*}} : i8 to index
// PERM: %[[PAIR:.*]] = nvvm.prmt <default> %{{.*}}20800{{.*}} : i32
// PERM: %[[VALID:.*]] = arith.cmpi ult, %[[ID]], %c2{{.*}} : index
// PERM: arith.select %[[VALID]], %[[PAIR]], %c2113961472_i32 : i32
// PERM: nvvm.mma.sync
func.func private @cb(memref<?xi8>, memref<16x64xf16>, memref<16x8xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 8 : i64, scheme = #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 6, 8, 12], [0, 1, 2, 3, 4, 5, 6, 12]]>, scale = e8m0>}}
func.func @custom_book(%w: memref<?xi8>, %a: memref<16x64xf16>, %o: memref<16x8xf32>) {
  call @cb(%w, %a, %o) : (memref<?xi8>, memref<16x64xf16>, memref<16x8xf32>) -> ()
  return
}
