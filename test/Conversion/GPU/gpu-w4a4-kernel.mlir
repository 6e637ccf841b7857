// qblock-gpu-matmul-kernels on W4A4 stubs (an `act_scheme` entry: the
// activations operand holds packed bytes). The activations' layout is built
// from run-time values, so the kernels are canonicalized before checking.
// The CHECK lines are the weights' table decode (weight-decode=table); the
// default permute decode of the weights (PERM) leaves the activations'
// part of the table as it is, at the start of the table.
// RUN: quant-opt %s --qblock-gpu-matmul-kernels="weight-decode=table" -split-input-file -verify-diagnostics | quant-opt -canonicalize -cse | FileCheck %s
// RUN: quant-opt %s --qblock-gpu-matmul-kernels -split-input-file -verify-diagnostics | quant-opt -canonicalize -cse | FileCheck %s --check-prefix=PERM

// W4A4 (act_scheme): the activations operand holds the packed bytes of 3
// BlockDialect rows of K = 64 (codes at 0, dialect bytes at 128, scales at
// 192). The table grows by the activations' dialect rows (from 512) and
// half scales (from 768). Per chunk, each tile row's 16 code bytes are one
// load at row * 32 + chunk * 16; per block, its dialect nibble and scale
// code come from the activation bytes, and the block sum (an integer dot
// product) is scaled by unitA * unitW once.
// CHECK: memref.global "private" constant @[[T4:__qblock_gpu_decode_[0-9A-F]+]] : memref<1024xf32>
// CHECK-LABEL: func.func @w4a4
// CHECK-SAME: (%[[W:.*]]: memref<576xi8>, %[[A:.*]]: memref<256xi8>, %[[O:.*]]: memref<3x13xf32>)
// CHECK: gpu.launch {{.*}} workgroup(%[[SMEM:.*]] : memref<1024xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for %[[CHUNK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK-COUNT-4: vector.load %[[W]]
// Activation row 0's dialect: byte 128 + row + block / 2, row 512 + 16 * id.
// CHECK: %[[ADOFF:.*]] = arith.addi %{{.*}}, %c128{{.*}} : index
// CHECK: %[[ADBYTE:.*]] = memref.load %[[A]][%[[ADOFF]]] : memref<256xi8>
// CHECK: %[[ADNIB:.*]] = arith.shrui %[[ADBYTE]]
// CHECK: %[[ADID:.*]] = arith.andi %[[ADNIB]]
// CHECK: %[[ADIDX:.*]] = arith.index_castui %[[ADID]] : i8 to index
// CHECK: %[[ADROW16:.*]] = arith.muli %[[ADIDX]], %c16
// CHECK: %[[ADROW:.*]] = arith.addi %[[ADROW16]], %c512
// Its scale: byte 192 + row * 2 + block, half scale at 768 + code.
// CHECK: %[[ASOFF:.*]] = arith.addi %{{.*}}, %c192{{.*}} : index
// CHECK: %[[ASCODE:.*]] = memref.load %[[A]][%[[ASOFF]]] : memref<256xi8>
// CHECK: %[[ASIDX:.*]] = arith.index_castui %[[ASCODE]] : i8 to index
// CHECK: %[[ASENTRY:.*]] = arith.addi %[[ASIDX]], %c768
// CHECK: %[[UNITA:.*]] = memref.load %[[SMEM]][%[[ASENTRY]]]
// The chunk's activation codes of row 0, decoded through its dialect row.
// CHECK: %[[ACODES:.*]] = vector.load %[[A]][%{{.*}}] {alignment = 16 : i64} : memref<256xi8>, vector<16xi8>
// CHECK: %[[AB:.*]] = vector.extract %[[ACODES]][0] : i8 from vector<16xi8>
// CHECK: %[[ALO:.*]] = arith.andi %[[AB]], %{{.*}} : i8
// CHECK: %[[ALOIDX:.*]] = arith.index_castui %[[ALO]] : i8 to index
// CHECK: %[[AENTRY:.*]] = arith.addi %[[ADROW]], %[[ALOIDX]] : index
// CHECK: %[[AVAL:.*]] = memref.load %[[SMEM]][%[[AENTRY]]]
// CHECK: llvm.intr.fma(%{{.*}}, %[[AVAL]], %{{.*}})
// CHECK: %[[UNITS:.*]] = arith.mulf %[[UNITA]], %{{.*}} : f32
// CHECK: llvm.intr.fma(%{{.*}}, %[[UNITS]], %{{.*}})
// CHECK: gpu.shuffle xor
// CHECK: memref.store %{{.*}}, %[[O]][%{{.*}}, %{{.*}}] : memref<3x13xf32>
// With the permute decode both operands' 4-bit codes become signed bytes
// by prmt (PermuteDecode.h) and dp4a sums their products in i32. Both
// books are BlockDialect, so weights and activations share one global of
// dialect words (16 ids x 4: magnitudes, then negations); the table holds
// the weights' half scales (256), then the activations' (from 256), and no
// dialect rows.
// PERM: memref.global "private" constant @[[WORDS:__qblock_gpu_permute_[0-9A-F]+]] : memref<64xi32>
// PERM: memref.global "private" constant @{{.*}} : memref<512xf32>
// PERM-LABEL: func.func @w4a4
// PERM-SAME: (%[[W:.*]]: memref<576xi8>, %[[A:.*]]: memref<256xi8>, %[[O:.*]]: memref<3x13xf32>)
// PERM-DAG: %[[LOW3:.*]] = arith.constant 2004318071 : i32
// PERM-DAG: %[[SIGNS:.*]] = arith.constant 1145324612 : i32
// PERM-DAG: %[[IDENTITY:.*]] = arith.constant 839922192 : i32
// PERM: gpu.launch {{.*}} workgroup(%[[SMEM:.*]] : memref<512xf32, #gpu.address_space<workgroup>>)
// PERM: %[[TABLE:.*]] = memref.get_global @[[WORDS]]
// PERM: scf.for
// Weight row 0's codes, then activation row 0's, as i32 words.
// PERM: %[[WCODES:.*]] = vector.load %[[W]]{{.*}} vector<16xi8>
// PERM: %[[WWORDS:.*]] = vector.bitcast %[[WCODES]] : vector<16xi8> to vector<4xi32>
// PERM: %[[ACODES:.*]] = vector.load %[[A]]{{.*}} vector<16xi8>
// PERM: %[[AWORDS:.*]] = vector.bitcast %[[ACODES]] : vector<16xi8> to vector<4xi32>
// Weight row 0's dialect words: 4 * its id.
// PERM: %[[WNIB:.*]] = arith.andi %{{.*}}, %c15_i8 : i8
// PERM: %[[WID:.*]] = arith.index_castui %[[WNIB]] : i8 to index
// PERM: %[[WAT:.*]] = arith.muli %[[WID]], %c4
// PERM: %[[WD:.*]] = vector.load %[[TABLE]][%[[WAT]]] {alignment = 16 : i64} : memref<64xi32>, vector<4xi32>
// PERM-DAG: %[[WD0:.*]] = vector.extract %[[WD]][0]
// PERM-DAG: %[[WD1:.*]] = vector.extract %[[WD]][1]
// PERM-DAG: %[[WD2:.*]] = vector.extract %[[WD]][2]
// PERM-DAG: %[[WD3:.*]] = vector.extract %[[WD]][3]
// Activation row 0: its scale (byte 192 + 2 * row + block; half scale at
// 256 + code), then its dialect (byte 128 + row + block / 2).
// PERM: %[[ASOFF:.*]] = arith.addi %{{.*}}, %c192 : index
// PERM: %[[ASCODE:.*]] = memref.load %[[A]][%[[ASOFF]]] : memref<256xi8>
// PERM: %[[ASIDX:.*]] = arith.index_castui %[[ASCODE]] : i8 to index
// PERM: %[[ASENTRY:.*]] = arith.addi %[[ASIDX]], %c256
// PERM: %[[UNITA:.*]] = memref.load %[[SMEM]][%[[ASENTRY]]]
// PERM: %[[ADOFF:.*]] = arith.addi %{{.*}}, %c128 : index
// PERM: memref.load %[[A]][%[[ADOFF]]] : memref<256xi8>
// PERM: %[[AD:.*]] = vector.load %[[TABLE]]
// PERM-DAG: %[[AD0:.*]] = vector.extract %[[AD]][0]
// PERM-DAG: %[[AD1:.*]] = vector.extract %[[AD]][1]
// PERM-DAG: %[[AD2:.*]] = vector.extract %[[AD]][2]
// PERM-DAG: %[[AD3:.*]] = vector.extract %[[AD]][3]
// Weight word 0, codes 0-3: magnitudes and negations by the low 3 bits,
// then per code the one its sign (bit 3, moved to bit 2) picks.
// PERM: %[[WW:.*]] = vector.extract %[[WWORDS]][0] : i32 from vector<4xi32>
// PERM: %[[WSEL:.*]] = arith.andi %[[WW]], %[[LOW3]] : i32
// PERM: %[[WSHR:.*]] = arith.shrui %[[WW]], %c1_i32 : i32
// PERM: %[[WSGN:.*]] = arith.andi %[[WSHR]], %[[SIGNS]] : i32
// PERM: %[[WPICK:.*]] = arith.ori %[[WSGN]], %[[IDENTITY]] : i32
// PERM: %[[WMAG:.*]] = nvvm.prmt <default> %[[WSEL]], %[[WD0]], %[[WD1]] : i32
// PERM: %[[WNEG:.*]] = nvvm.prmt <default> %[[WSEL]], %[[WD2]], %[[WD3]] : i32
// PERM: %[[WLO:.*]] = nvvm.prmt <default> %[[WPICK]], %[[WMAG]], %[[WNEG]] : i32
// Codes 4-7 from the upper halves of the selectors.
// PERM: %[[WSEL1:.*]] = arith.shrui %[[WSEL]], %c16_i32 : i32
// PERM: %[[WPICK1:.*]] = arith.shrui %[[WPICK]], %c16_i32 : i32
// PERM: %[[WMAG1:.*]] = nvvm.prmt <default> %[[WSEL1]], %[[WD0]], %[[WD1]] : i32
// PERM: %[[WNEG1:.*]] = nvvm.prmt <default> %[[WSEL1]], %[[WD2]], %[[WD3]] : i32
// PERM: %[[WHI:.*]] = nvvm.prmt <default> %[[WPICK1]], %[[WMAG1]], %[[WNEG1]] : i32
// Activation row 0's word 0, decoded the same way with its own dialect.
// PERM: %[[AW:.*]] = vector.extract %[[AWORDS]][0] : i32 from vector<4xi32>
// PERM: %[[ASEL:.*]] = arith.andi %[[AW]], %[[LOW3]] : i32
// PERM: nvvm.prmt <default> %[[ASEL]], %[[AD0]], %[[AD1]] : i32
// PERM: nvvm.prmt <default> %[[ASEL]], %[[AD2]], %[[AD3]] : i32
// PERM: %[[ALO:.*]] = nvvm.prmt <default>
// PERM: nvvm.prmt <default> %{{.*}}, %[[AD0]], %[[AD1]] : i32
// PERM: nvvm.prmt <default> %{{.*}}, %[[AD2]], %[[AD3]] : i32
// PERM: %[[AHI:.*]] = nvvm.prmt <default>
// The block sum of weight row 0 and activation row 0: a dp4a chain from
// 0, codes 0-3 against codes 0-3, 4-7 against 4-7.
// PERM: %[[WLO1:.*]] = vector.broadcast %[[WLO]] : i32 to vector<1xi32>
// PERM: %[[WLOB:.*]] = vector.bitcast %[[WLO1]] : vector<1xi32> to vector<4xi8>
// PERM: %[[ALO1:.*]] = vector.broadcast %[[ALO]] : i32 to vector<1xi32>
// PERM: %[[ALOB:.*]] = vector.bitcast %[[ALO1]] : vector<1xi32> to vector<4xi8>
// PERM: %[[D0:.*]] = nvvm.dot.accumulate.4way %[[WLOB]] <signed>, %[[ALOB]] <signed>, %c0_i32
// PERM: %[[WHI1:.*]] = vector.broadcast %[[WHI]] : i32 to vector<1xi32>
// PERM: %[[WHIB:.*]] = vector.bitcast %[[WHI1]] : vector<1xi32> to vector<4xi8>
// PERM: %[[AHI1:.*]] = vector.broadcast %[[AHI]] : i32 to vector<1xi32>
// PERM: %[[AHIB:.*]] = vector.bitcast %[[AHI1]] : vector<1xi32> to vector<4xi8>
// PERM: %[[D1:.*]] = nvvm.dot.accumulate.4way %[[WHIB]] <signed>, %[[AHIB]] <signed>, %[[D0]]
// ... words 1-3 chain on, with no float arithmetic; each of the 12
// block sums (4 weight rows x 3 activation rows) is exact in f32 and
// scaled by unitA * unitW once.
// PERM-NOT: llvm.intr.fma
// PERM: %[[UNITS:.*]] = arith.mulf %[[UNITA]], %{{.*}} : f32
// PERM: %[[SUM:.*]] = arith.sitofp %{{.*}} : i32 to f32
// PERM: llvm.intr.fma(%[[SUM]], %[[UNITS]], %{{.*}})
// PERM-COUNT-11: llvm.intr.fma
// PERM-NOT: llvm.intr.fma
// PERM: gpu.shuffle xor
func.func private @bdw4a4(memref<576xi8>, memref<256xi8>, memref<3x13xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<blockdialect, select = two_stage>, batch = 1 : i64, k = 64 : i64, n = 13 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @w4a4(%w: memref<576xi8>, %a: memref<256xi8>, %o: memref<3x13xf32>) {
  call @bdw4a4(%w, %a, %o) : (memref<576xi8>, memref<256xi8>, memref<3x13xf32>) -> ()
  return
}

// -----

// W4A8: INT8 activations (F16 scales, no dialects): 32 code bytes per
// chunk, each converted to f32; the unit is the whole F16 scale (half +
// half, as numerics::referenceIntegerGemm has it). MXFP4 weights: one
// dialect row, 16 + 256 table entries, nothing for the activations.
// CHECK: memref.global "private" constant @{{.*}} : memref<272xf32>
// CHECK-LABEL: func.func @w4a8
// CHECK-SAME: (%[[W:.*]]: memref<128xi8>, %[[A:.*]]: memref<128xi8>, %[[O:.*]]: memref<1x1xf32>)
// CHECK: scf.for
// CHECK: %[[LO:.*]] = memref.load %[[A]][%{{.*}}] : memref<128xi8>
// CHECK: %[[HI:.*]] = memref.load %[[A]][%{{.*}}] : memref<128xi8>
// CHECK: %[[HALF:.*]] = arith.bitcast %{{.*}} : i16 to f16
// CHECK: %[[WIDE:.*]] = arith.extf %[[HALF]] : f16 to f32
// CHECK: %[[ZERO_OR_NAN:.*]] = arith.subf %[[WIDE]], %[[WIDE]] : f32
// CHECK: %[[SCALE:.*]] = arith.addf %[[WIDE]], %[[ZERO_OR_NAN]] : f32
// CHECK: %[[HALFSCALE:.*]] = arith.mulf %[[SCALE]], %{{.*}} : f32
// CHECK: %[[UNIT:.*]] = arith.addf %[[HALFSCALE]], %[[HALFSCALE]] : f32
// CHECK: %[[CODES:.*]] = vector.load %[[A]][%{{.*}}] {alignment = 16 : i64} : memref<128xi8>, vector<32xi8>
// CHECK: %[[C0:.*]] = vector.extract %[[CODES]][0] : i8 from vector<32xi8>
// CHECK: %[[X0:.*]] = arith.sitofp %[[C0]] : i8 to f32
// CHECK: llvm.intr.fma(%{{.*}}, %[[X0]], %{{.*}})
// CHECK: arith.mulf %[[UNIT]], %{{.*}} : f32
// With the permute decode: MXFP4's one dialect as constant words (its
// magnitudes 0 1 2 3 | 4 6 8 12 half units as bytes, then their
// negations), no table of dialect rows (only the 256 half scales), and
// the INT8 codes used as they are: weight word w (elements 8w ... 8w + 7)
// pairs with activation words 2w and 2w + 1.
// PERM: memref.global "private" constant @{{.*}} : memref<256xf32>
// PERM-LABEL: func.func @w4a8
// PERM-DAG: %[[MAG0:.*]] = arith.constant 50462976 : i32
// PERM-DAG: %[[MAG1:.*]] = arith.constant 201852420 : i32
// PERM-DAG: %[[NEG0:.*]] = arith.constant -33620224 : i32
// PERM-DAG: %[[NEG1:.*]] = arith.constant -185009412 : i32
// PERM: %[[WCODES:.*]] = vector.bitcast %{{.*}} : vector<16xi8> to vector<4xi32>
// PERM: %[[ACODES:.*]] = vector.bitcast %{{.*}} : vector<32xi8> to vector<8xi32>
// PERM: vector.extract %[[WCODES]][0]
// PERM: nvvm.prmt <default> %{{.*}}, %[[MAG0]], %[[MAG1]] : i32
// PERM: nvvm.prmt <default> %{{.*}}, %[[NEG0]], %[[NEG1]] : i32
// PERM: %[[A0:.*]] = vector.extract %[[ACODES]][0] : i32 from vector<8xi32>
// PERM: %[[A1:.*]] = vector.extract %[[ACODES]][1] : i32 from vector<8xi32>
// PERM: vector.broadcast %[[A0]]
// PERM: %[[D0:.*]] = nvvm.dot.accumulate.4way %{{.*}} <signed>, %{{.*}} <signed>, %c0_i32
// PERM: vector.broadcast %[[A1]]
// PERM: nvvm.dot.accumulate.4way %{{.*}} <signed>, %{{.*}} <signed>, %[[D0]]
// PERM: vector.extract %[[WCODES]][1]
// PERM: vector.extract %[[ACODES]][2] : i32 from vector<8xi32>
// PERM: vector.extract %[[ACODES]][3] : i32 from vector<8xi32>
// PERM-NOT: arith.sitofp %{{.*}} : i8
// PERM: arith.sitofp %{{.*}} : i32 to f32
func.func private @w8(memref<128xi8>, memref<128xi8>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<int8>, batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @w4a8(%w: memref<128xi8>, %a: memref<128xi8>, %o: memref<1x1xf32>) {
  call @w8(%w, %a, %o) : (memref<128xi8>, memref<128xi8>, memref<1x1xf32>) -> ()
  return
}

// -----

// W4A4 with a dynamic M (taken from the output) and batched weights: the
// activations' layout is computed in the kernel from batch * M rows, and
// tile row t of batch b reads packed row b * M + t.
// CHECK-LABEL: func.func @w4a4_batched_dynamic
// CHECK-SAME: (%[[W:.*]]: memref<{{[0-9]+}}xi8>, %[[A:.*]]: memref<?xi8>, %[[O:.*]]: memref<2x?x4xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[O]], %c1
// CHECK: gpu.launch
// Code bytes: 2 * M rows of 32 bytes (folded).
// CHECK: arith.muli %[[M]], %c64
// CHECK: %[[BATCH:.*]] = arith.divui %{{.*}}, %c4
// CHECK: %[[BASE:.*]] = arith.muli %[[BATCH]], %[[M]]
// CHECK: %[[PROW:.*]] = arith.addi %[[BASE]], %{{.*}} : index
// CHECK: scf.for
// CHECK: arith.muli %[[PROW]], %c32
func.func private @bdyn(memref<320xi8>, memref<?xi8>, memref<2x?x4xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<mxfp4>, batch = 2 : i64, k = 64 : i64, n = 4 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @w4a4_batched_dynamic(%w: memref<320xi8>, %a: memref<?xi8>, %o: memref<2x?x4xf32>) {
  call @bdyn(%w, %a, %o) : (memref<320xi8>, memref<?xi8>, memref<2x?x4xf32>) -> ()
  return
}

// -----

func.func private @bad(memref<128xi8>, memref<100xi8>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<mxfp4>, batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @w4a4_wrong_size(%w: memref<128xi8>, %a: memref<100xi8>, %o: memref<1x1xf32>) {
  // expected-error @below {{passes packed activations of type 'memref<100xi8>' to a GPU matmul stub whose act_scheme and shape need memref<128xi8>}}
  call @bad(%w, %a, %o) : (memref<128xi8>, memref<100xi8>, memref<1x1xf32>) -> ()
  return
}

// -----

func.func private @bad(memref<128xi8>, memref<?xi8>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<mxfp4, block = 16>, batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @w4a4_block_mismatch(%w: memref<128xi8>, %a: memref<?xi8>, %o: memref<1x1xf32>) {
  // expected-error @below {{W4A4 kernels need 4-bit weights and the same block size}}
  call @bad(%w, %a, %o) : (memref<128xi8>, memref<?xi8>, memref<1x1xf32>) -> ()
  return
}

// -----

func.func private @bad(memref<128xi8>, memref<1x64xf32>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<mxfp4>, batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @w4a4_float_acts(%w: memref<128xi8>, %a: memref<1x64xf32>, %o: memref<1x1xf32>) {
  // expected-error @below {{the activations (act_scheme) packed bytes memref<?xi8>}}
  call @bad(%w, %a, %o) : (memref<128xi8>, memref<1x64xf32>, memref<1x1xf32>) -> ()
  return
}
