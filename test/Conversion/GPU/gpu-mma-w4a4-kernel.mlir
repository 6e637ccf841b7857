// qblock-gpu-matmul-kernels with tensor-cores=true on W4A4/W4A8 stubs (an
// `act_scheme` entry: packed activations): the integer tensor-core kernel
// (lib/Conversion/QBlockToGPU/MmaMatmulKernel.cpp), one
// mma.sync.m16n8k32.s8 per unit of 32 inputs and 16 x 8 tile (m16n8k16
// for blocks of 16), where the decode is by permutes. Without the option,
// or with weight-decode=table, the CUDA-core integer kernel stays
// (gpu-w4a4-kernel.mlir). The activations' layout is
// built from run-time values, so the kernels are canonicalized first.
// RUN: quant-opt %s --qblock-gpu-matmul-kernels=tensor-cores=true -split-input-file | quant-opt -canonicalize -cse | FileCheck %s
// RUN: quant-opt %s --qblock-gpu-matmul-kernels="tensor-cores=true weight-decode=table" -split-input-file | FileCheck %s --check-prefix=OFF
// RUN: quant-opt %s --qblock-gpu-matmul-kernels -split-input-file | FileCheck %s --check-prefix=OFF
// OFF-NOT: nvvm.mma.sync

// BlockDialect weights (13 rows of K = 64: codes at 0, 32 bytes a row;
// dialect bytes at 448; scales at 512) against 3 BlockDialect activation
// rows (codes at 0, 32 bytes a row; dialect bytes at 128; scales at 192).
// Both books share one global of signed-byte dialect words; the workgroup
// table holds the weights' half scales (0-255), then the activations'
// (256-511). Lane (g, t) of a warp: weight row 32 * warp + g (+ 8, 16, 24
// for the other n tiles), activation rows g and g + 8 (clamped to row 2),
// inputs 8t .. 8t + 7 of each unit of 32 (code bytes 4t .. 4t + 3).
// CHECK: memref.global "private" constant @[[WORDS:__qblock_gpu_permute_[0-9A-F]+]] : memref<64xi32>
// CHECK-NOT: memref.global
// CHECK-LABEL: func.func @w4a4
// CHECK: gpu.launch {{.*}} workgroup(%[[TABLE:.*]] : memref<512xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[GW:.*]] = memref.get_global @[[WORDS]]
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK: %[[G:.*]] = arith.divui %[[LANE]], %c4
// CHECK: %[[T:.*]] = arith.remui %[[LANE]], %c4
// CHECK: %[[FIRSTM:.*]] = arith.muli %block_id_y, %c16
// CHECK: %[[WROW0:.*]] = arith.minui %{{.*}}, %c12
// CHECK: %[[AROWG:.*]] = arith.addi %[[FIRSTM]], %[[G]] : index
// CHECK: %[[AG:.*]] = arith.minui %[[AROWG]], %c2
// CHECK: %[[AROWG8:.*]] = arith.addi %[[AROWG]], %c8
// CHECK: %[[AG8:.*]] = arith.minui %[[AROWG8]], %c2
// CHECK: scf.for %[[UNIT:.*]] = %c0 to %c2 step %c1 iter_args(
// The lane's 4 code bytes of weight row 0 as one i32.
// CHECK: %[[UB:.*]] = arith.muli %[[UNIT]], %c16
// CHECK: %[[TB:.*]] = arith.muli %[[T]], %c4
// CHECK: %[[INROW:.*]] = arith.addi %[[UB]], %[[TB]]
// CHECK: %[[WSTART:.*]] = arith.muli %[[WROW0]], %c32
// CHECK: %[[WOFF:.*]] = arith.addi %[[WSTART]], %[[INROW]]
// CHECK: %[[WBYTES:.*]] = vector.load %arg0[%[[WOFF]]] {alignment = 4 : i64} : memref<576xi8>, vector<4xi8>
// CHECK: %[[WV:.*]] = vector.bitcast %[[WBYTES]] : vector<4xi8> to vector<1xi32>
// CHECK: %[[W:.*]] = vector.extract %[[WV]][0]
// Its dialect (byte 448 + row + unit / 2 for blocks of 32) picks 4 words.
// CHECK: %[[HALFUNIT:.*]] = arith.divui %[[UNIT]], %c2
// CHECK: %[[IDB:.*]] = arith.addi %[[WROW0]], %[[HALFUNIT]]
// CHECK: arith.addi %[[IDB]], %c448
// CHECK: %[[WW:.*]] = vector.load %[[GW]][%{{.*}}] {alignment = 16 : i64} : memref<64xi32>, vector<4xi32>
// CHECK: %[[WW0:.*]] = vector.extract %[[WW]][0]
// CHECK: %[[WW1:.*]] = vector.extract %[[WW]][1]
// CHECK: %[[WW2:.*]] = vector.extract %[[WW]][2]
// CHECK: %[[WW3:.*]] = vector.extract %[[WW]][3]
// Codes 0-3 and 4-7 as signed bytes: magnitudes and negations by the low
// 3 bits, then the one each code's sign picks (PermuteDecode.h).
// CHECK: %[[LOW3:.*]] = arith.andi %[[W]], %c2004318071_i32
// CHECK: %[[SHIFTED:.*]] = arith.shrui %[[W]], %c1_i32
// CHECK: %[[SIGNS:.*]] = arith.andi %[[SHIFTED]], %c1145324612_i32
// CHECK: %[[PICK:.*]] = arith.ori %[[SIGNS]], %c839922192_i32
// CHECK: %[[MAG:.*]] = nvvm.prmt <default> %[[LOW3]], %[[WW0]], %[[WW1]]
// CHECK: %[[NEG:.*]] = nvvm.prmt <default> %[[LOW3]], %[[WW2]], %[[WW3]]
// CHECK: %[[B0:.*]] = nvvm.prmt <default> %[[PICK]], %[[MAG]], %[[NEG]]
// CHECK-COUNT-2: nvvm.prmt
// CHECK: %[[B1:.*]] = nvvm.prmt <default> %{{.*}}, %{{.*}}, %{{.*}}
// The half scales of the lane's accumulator columns 2t and 2t + 1 (weight
// rows; bytes 512 + 2 * row + unit), from the table's first part.
// CHECK: %[[C0S:.*]] = arith.muli %{{.*}}, %c2
// CHECK: %[[C0I:.*]] = arith.addi %[[C0S]], %[[UNIT]]
// CHECK: %[[C0O:.*]] = arith.addi %[[C0I]], %c512
// CHECK: %[[C0CODE:.*]] = memref.load %arg0[%[[C0O]]]
// CHECK: %[[C0IDX:.*]] = arith.index_castui %[[C0CODE]]
// CHECK: %[[WS0:.*]] = memref.load %[[TABLE]][%[[C0IDX]]]
// CHECK: %[[WS1:.*]] = memref.load %[[TABLE]][%{{.*}}]
// Activation row g: its 4 code bytes at the same place in its row, its
// dialect (byte 128 + row + unit / 2) through the same words, its scale
// (byte 192 + 2 * row + unit) from the table's second part.
// CHECK: %[[ASTART:.*]] = arith.muli %[[AG]], %c32
// CHECK: %[[AOFF:.*]] = arith.addi %[[ASTART]], %[[INROW]]
// CHECK: %[[ABYTES:.*]] = vector.load %arg1[%[[AOFF]]] {alignment = 4 : i64} : memref<256xi8>, vector<4xi8>
// CHECK: %[[AIDB:.*]] = arith.addi %[[AG]], %[[HALFUNIT]]
// CHECK: arith.addi %[[AIDB]], %c128
// CHECK: vector.load %[[GW]]
// CHECK-COUNT-2: nvvm.prmt
// CHECK: %[[AG_0:.*]] = nvvm.prmt <default> %{{.*}}, %{{.*}}, %{{.*}}
// CHECK-COUNT-2: nvvm.prmt
// CHECK: %[[AG_1:.*]] = nvvm.prmt <default> %{{.*}}, %{{.*}}, %{{.*}}
// CHECK: %[[ASC:.*]] = arith.muli %[[AG]], %c2
// CHECK: %[[ASI:.*]] = arith.addi %[[ASC]], %[[UNIT]]
// CHECK: %[[ASO:.*]] = arith.addi %[[ASI]], %c192
// CHECK: %[[ACODE:.*]] = memref.load %arg1[%[[ASO]]]
// CHECK: %[[AIDX:.*]] = arith.index_castui %[[ACODE]]
// CHECK: %[[AIDX2:.*]] = arith.addi %[[AIDX]], %c256
// CHECK: %[[UNITG:.*]] = memref.load %[[TABLE]][%[[AIDX2]]]
// Activation row g + 8 the same.
// CHECK: %[[A8START:.*]] = arith.muli %[[AG8]], %c32
// CHECK-COUNT-2: nvvm.prmt
// CHECK: %[[AG8_0:.*]] = nvvm.prmt <default> %{{.*}}, %{{.*}}, %{{.*}}
// CHECK-COUNT-2: nvvm.prmt
// CHECK: %[[AG8_1:.*]] = nvvm.prmt <default> %{{.*}}, %{{.*}}, %{{.*}}
// CHECK: %[[UNITG8:.*]] = memref.load %[[TABLE]]
// n tile 0: A = (row g, k 4t..), (row g+8, k 4t..), (row g, k 16+4t..),
// (row g+8, k 16+4t..); B = the weight row's two registers; s32 sums from 0.
// CHECK: %[[D:.*]] = nvvm.mma.sync A[%[[AG_0]], %[[AG8_0]], %[[AG_1]], %[[AG8_1]]] B[%[[B0]], %[[B1]]] C[%c0_i32, %c0_i32, %c0_i32, %c0_i32] {intOverflowBehavior = #nvvm.mma_int_overflow<wrapped>, layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<s8>, multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 32>} : (i32, i32, i32) -> !llvm.struct<(i32, i32, i32, i32)>
// c0: row g, column 2t; c1: row g, column 2t + 1; c2: row g + 8, column 2t.
// CHECK: %[[D0:.*]] = llvm.extractvalue %[[D]][0]
// CHECK: %[[F0:.*]] = arith.sitofp %[[D0]] : i32 to f32
// CHECK: %[[S0:.*]] = arith.mulf %[[UNITG]], %[[WS0]]
// CHECK: llvm.intr.fma(%[[F0]], %[[S0]], %{{.*}})
// CHECK: %[[D1:.*]] = llvm.extractvalue %[[D]][1]
// CHECK: %[[F1:.*]] = arith.sitofp %[[D1]] : i32 to f32
// CHECK: %[[S1:.*]] = arith.mulf %[[UNITG]], %[[WS1]]
// CHECK: llvm.intr.fma(%[[F1]], %[[S1]], %{{.*}})
// CHECK: %[[D2:.*]] = llvm.extractvalue %[[D]][2]
// CHECK: %[[F2:.*]] = arith.sitofp %[[D2]] : i32 to f32
// CHECK: %[[S2:.*]] = arith.mulf %[[UNITG8]], %[[WS0]]
// CHECK: llvm.intr.fma(%[[F2]], %[[S2]], %{{.*}})
// Three more n tiles, 4 mma per unit in all.
// CHECK-COUNT-3: nvvm.mma.sync A[%[[AG_0]], %[[AG8_0]], %[[AG_1]], %[[AG8_1]]]
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.yield
func.func private @bdw4a4(memref<576xi8>, memref<256xi8>, memref<3x13xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<blockdialect, select = two_stage>, batch = 1 : i64, k = 64 : i64, n = 13 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @w4a4(%w: memref<576xi8>, %a: memref<256xi8>, %o: memref<3x13xf32>) {
  call @bdw4a4(%w, %a, %o) : (memref<576xi8>, memref<256xi8>, memref<3x13xf32>) -> ()
  return
}

// -----

// W4A8: INT8 activations (F16 scales) are the A registers as they lie:
// the lane's inputs 8t .. 8t + 7 are 8 bytes at row * 64 + unit * 32 + 8t
// (row 0 here),
// and a unit is half + half of the F16 scale. MXFP4 weights: one dialect,
// constant words; the table holds only the weights' 256 half scales.
// CHECK-LABEL: func.func @w4a8
// CHECK: gpu.launch {{.*}} workgroup(%{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for %[[UNIT:.*]] = %c0 to %c2 step %c1 iter_args(
// CHECK-COUNT-2: nvvm.prmt
// CHECK: %[[B0:.*]] = nvvm.prmt <default> %{{.*}}, %{{.*}}, %{{.*}}
// CHECK-COUNT-2: nvvm.prmt
// CHECK: %[[B1:.*]] = nvvm.prmt <default> %{{.*}}, %{{.*}}, %{{.*}}
// CHECK: %[[UA:.*]] = arith.muli %[[UNIT]], %c32
// CHECK: %[[TA:.*]] = arith.muli %{{.*}}, %c8
// CHECK: %[[IN:.*]] = arith.addi %[[UA]], %[[TA]]
// CHECK: %[[ABYTES:.*]] = vector.load %arg1[%[[IN]]] {alignment = 8 : i64} : memref<128xi8>, vector<8xi8>
// CHECK: %[[AW:.*]] = vector.bitcast %[[ABYTES]] : vector<8xi8> to vector<2xi32>
// CHECK: %[[A0:.*]] = vector.extract %[[AW]][0]
// CHECK: %[[A1:.*]] = vector.extract %[[AW]][1]
// CHECK: %[[F16:.*]] = arith.bitcast %{{.*}} : i16 to f16
// CHECK: arith.extf %[[F16]] : f16 to f32
// CHECK: %[[HALF:.*]] = arith.mulf %{{.*}}, %cst
// CHECK: %[[UNITA:.*]] = arith.addf %[[HALF]], %[[HALF]]
// One activation row: rows g and g + 8 are both row 0.
// CHECK: %[[D:.*]] = nvvm.mma.sync A[%[[A0]], %[[A0]], %[[A1]], %[[A1]]] B[%[[B0]], %[[B1]]]
// CHECK-SAME: multiplicandAPtxType = #nvvm.mma_type<s8>
// CHECK: arith.sitofp
// CHECK: arith.mulf %[[UNITA]], %{{.*}}
func.func private @w8(memref<128xi8>, memref<128xi8>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<int8>, batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @w4a8(%w: memref<128xi8>, %a: memref<128xi8>, %o: memref<1x1xf32>) {
  call @w8(%w, %a, %o) : (memref<128xi8>, memref<128xi8>, memref<1x1xf32>) -> ()
  return
}

// -----

// Blocks of 16 (K = 64: 4 units; weight rows of 32 code bytes, dialect
// bytes at 320, scales at 384): an m16n8k32's inputs would span two blocks
// with two scales, so each unit of 16 is one m16n8k16, whose lane holds k
// positions 4t .. 4t+3 only: inputs 4t .. 4t+3 of the unit, 2 code bytes at
// unit * 8 + 2t, zero-extended to the word the permutes decode; codes 0-3
// are the one register of A and of B.
// CHECK-LABEL: func.func @blocks_of_16
// CHECK-NOT: nvvm.dot.accumulate.4way
// CHECK: %[[T:.*]] = arith.remui %{{.*}}, %c4
// CHECK: %[[T2:.*]] = arith.muli %[[T]], %c2
// CHECK: scf.for %[[UNIT:.*]] = %c0 to %c4 step %c1 iter_args(
// CHECK: %[[UB:.*]] = arith.muli %[[UNIT]], %c8
// CHECK: %[[IN:.*]] = arith.addi %[[UB]], %[[T2]]
// CHECK: %[[BOFF:.*]] = arith.addi %{{.*}}, %[[IN]]
// CHECK: %[[BYTES:.*]] = vector.load %arg0[%[[BOFF]]] {alignment = 2 : i64} : memref<448xi8>, vector<2xi8>
// CHECK: %[[HALF:.*]] = vector.bitcast %[[BYTES]] : vector<2xi8> to vector<1xi16>
// CHECK: %[[H:.*]] = vector.extract %[[HALF]][0]
// CHECK: %[[W:.*]] = arith.extui %[[H]] : i16 to i32
// CHECK: arith.andi %[[W]], %c2004318071_i32
// CHECK-COUNT-2: nvvm.prmt
// CHECK: %[[B0:.*]] = nvvm.prmt
// CHECK-NOT: nvvm.prmt
// CHECK: arith.addi %{{.*}}, %c384
// CHECK: %[[D:.*]] = nvvm.mma.sync A[%{{.*}}, %{{.*}}] B[%[[B0]]] C[%c0_i32, %c0_i32, %c0_i32, %c0_i32]
// CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK-COUNT-3: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.yield
func.func private @b16(memref<448xi8>, memref<192xi8>, memref<2x9xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<blockdialect, block = 16>, batch = 1 : i64, k = 64 : i64, n = 9 : i64, scheme = #qblock.scheme<blockdialect, block = 16>}}
func.func @blocks_of_16(%w: memref<448xi8>, %a: memref<192xi8>, %o: memref<2x9xf32>) {
  call @b16(%w, %a, %o) : (memref<448xi8>, memref<192xi8>, memref<2x9xf32>) -> ()
  return
}

// -----

// A custom book of two dialects for both operands: ids 2..15 name padding
// rows (only a corrupt buffer holds them). An s8 register cannot be NaN, so
// each lane checks the ids its outputs depend on: the weight rows of its
// accumulator columns (not the B column it decodes), whose half scales
// become NaN, and its activation rows, whose units do.
// CHECK-LABEL: func.func @custom_book
// CHECK: %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// CHECK: scf.for
// CHECK: %[[HALF:.*]] = memref.load %{{.*}} : memref<512xf32, #gpu.address_space<workgroup>>
// CHECK: %[[CID:.*]] = arith.index_castui %{{.*}} : i8 to index
// CHECK: %[[CVALID:.*]] = arith.cmpi ult, %[[CID]], %c2 : index
// CHECK: arith.select %[[CVALID]], %[[HALF]], %[[NAN]] : f32
// CHECK: vector.load %arg1
// CHECK: %[[AID:.*]] = arith.index_castui %{{.*}} : i8 to index
// CHECK: %[[UNIT:.*]] = memref.load %{{.*}} : memref<512xf32, #gpu.address_space<workgroup>>
// CHECK: %[[AVALID:.*]] = arith.cmpi ult, %[[AID]], %c2 : index
// CHECK: arith.select %[[AVALID]], %[[UNIT]], %[[NAN]] : f32
// CHECK: nvvm.mma.sync
func.func private @cbi(memref<?xi8>, memref<?xi8>, memref<16x8xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 6, 8, 12], [0, 1, 2, 3, 4, 5, 6, 12]]>, scale = e8m0>, batch = 1 : i64, k = 64 : i64, n = 8 : i64, scheme = #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 6, 8, 12], [0, 1, 2, 3, 4, 5, 6, 12]]>, scale = e8m0>}}
func.func @custom_book(%w: memref<?xi8>, %a: memref<?xi8>, %o: memref<16x8xf32>) {
  call @cbi(%w, %a, %o) : (memref<?xi8>, memref<?xi8>, memref<16x8xf32>) -> ()
  return
}
