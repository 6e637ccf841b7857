// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx512 -split-input-file | FileCheck %s
// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx2 -split-input-file | FileCheck %s --check-prefix=AVX2
// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx512 --qblock-lower-lookups=target=avx512 -split-input-file | FileCheck %s --check-prefix=PERMVAR
// RUN: quant-opt %s --convert-qblock-to-cpu=target=generic --qblock-lower-lookups=target=generic -split-input-file | FileCheck %s --check-prefix=GENERIC

// The table of scaled dialect rows, zeros until filled, and the private
// function every matmul reading it calls first. A caller that finds the
// state word ready (2) returns after one atomic read; otherwise the caller
// that moves it from 0 to 1 fills the table and stores 2, and every caller
// waits for 2.
// CHECK: memref.global "private" @__qblock_scaled_rows_[[HASH:[0-9A-F]+]] : memref<256x16x16xf32> = dense<0.000000e+00> {alignment = 64 : i64}
// CHECK-NEXT: memref.global "private" @__qblock_scaled_rows_[[HASH]]_state : memref<i32> = dense<0>
// CHECK-NEXT: func.func private @__qblock_scaled_rows_[[HASH]]_fill_once() attributes {llvm.linkage = #llvm.linkage<internal>} {
// CHECK-DAG: %[[FDIALECTS:.*]] = memref.get_global @__qblock_dialects_{{.*}} : memref<16x16xf32>
// CHECK-DAG: %[[FSCALES:.*]] = memref.get_global @__qblock_e8m0_half_{{.*}} : memref<256xf32>
// CHECK-DAG: %[[STATE:.*]] = memref.get_global @__qblock_scaled_rows_[[HASH]]_state : memref<i32>
// CHECK-DAG: %[[FTABLE:.*]] = memref.get_global @__qblock_scaled_rows_[[HASH]] : memref<256x16x16xf32>
// CHECK-DAG: %[[EMPTY:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[FILLING:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[READY:.*]] = arith.constant 2 : i32
// CHECK: %[[FIRST:.*]] = memref.atomic_rmw ori %[[EMPTY]], %[[STATE]][] : (i32, memref<i32>) -> i32
// CHECK-NEXT: %[[NOTREADY:.*]] = arith.cmpi ne, %[[FIRST]], %[[READY]] : i32
// CHECK-NEXT: scf.if %[[NOTREADY]] {
// CHECK-NEXT: %[[PREV:.*]] = memref.atomic_rmw maxu %[[FILLING]], %[[STATE]][] : (i32, memref<i32>) -> i32
// CHECK-NEXT: %[[CLAIMED:.*]] = arith.cmpi eq, %[[PREV]], %[[EMPTY]] : i32
// CHECK-NEXT: scf.if %[[CLAIMED]] {
// CHECK: scf.for %[[D:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[DROW:.*]] = vector.load %[[FDIALECTS]][%[[D]], %{{.*}}] : memref<16x16xf32>, vector<16xf32>
// CHECK: scf.for %[[C:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[HS:.*]] = memref.load %[[FSCALES]][%[[C]]] : memref<256xf32>
// CHECK: %[[HSV:.*]] = vector.broadcast %[[HS]] : f32 to vector<16xf32>
// CHECK: %[[PRODUCT:.*]] = arith.mulf %[[DROW]], %[[HSV]] : vector<16xf32>
// CHECK: vector.store %[[PRODUCT]], %[[FTABLE]][%[[C]], %[[D]], %{{.*}}] : memref<256x16x16xf32>, vector<16xf32>
// CHECK: }
// CHECK-NEXT: }
// CHECK-NEXT: memref.atomic_rmw assign %[[READY]], %[[STATE]][] : (i32, memref<i32>) -> i32
// CHECK-NEXT: }
// CHECK-NEXT: scf.while
// CHECK-NEXT: %[[NOW:.*]] = memref.atomic_rmw ori %[[EMPTY]], %[[STATE]][] : (i32, memref<i32>) -> i32
// CHECK-NEXT: %[[WAIT:.*]] = arith.cmpi ne, %[[NOW]], %[[READY]] : i32
// CHECK-NEXT: scf.condition(%[[WAIT]])
// CHECK: return

// The weight is read as bytes, decoded in registers and never written out
// as floats: the only stores go to the de-interleaved activations and the
// output.
// CHECK-LABEL: func.func @gemv
// CHECK-SAME: (%[[A:.*]]: tensor<1x64xf32>, %[[W:.*]]: tensor<1152xi8>, %[[INIT:.*]]: tensor<1x32xf32>)
// CHECK-DAG: %[[WB:.*]] = bufferization.to_buffer %[[W]] read_only : tensor<1152xi8> to memref<1152xi8>
// Activations and init are copied (a read bufferization orders), weights
// are viewed in place.
// CHECK-DAG: bufferization.materialize_in_destination %[[A]] in restrict writable %{{.*}} : (tensor<1x64xf32>, memref<1x64xf32>) -> ()
// CHECK-DAG: bufferization.materialize_in_destination %[[INIT]] in restrict writable %{{.*}} : (tensor<1x32xf32>, memref<1x32xf32>) -> ()
// CHECK-DAG: %[[DIALECTS:.*]] = memref.get_global @__qblock_dialects_{{.*}} : memref<16x16xf32>
// CHECK-DAG: %[[SCALES:.*]] = memref.get_global @__qblock_e8m0_half_{{.*}} : memref<256xf32>
// CHECK-DAG: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x32xf32>
// CHECK-DAG: memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK: scf.parallel
// Every block's dialect row times its half scale comes from a module
// global indexed [scale code, dialect]; the call returns once it is filled.
// CHECK: call @__qblock_scaled_rows_[[HASH]]_fill_once() : () -> ()
// CHECK-NEXT: %[[TABLE:.*]] = memref.get_global @__qblock_scaled_rows_[[HASH]] : memref<256x16x16xf32>
// CHECK: scf.parallel
// A GEMV (one activation row) takes whole weight rows per tile (4 rows),
// and each block-loop iteration prefetches its share of the tile two on
// (rows n0 + 8 .. n0 + 11) in address order. Only tiles whose later tile
// lies in the 32-row matrix prefetch, so the addresses need no clamp...
// CHECK: %[[ISGEMV:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : index
// CHECK: scf.if %[[ISGEMV]] {
// CHECK: scf.for %[[N0:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[C12:.*]] = arith.constant 12 : index
// CHECK: %[[LATEREND:.*]] = arith.addi %[[N0]], %[[C12]] : index
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[INMATRIX:.*]] = arith.cmpi sle, %[[LATEREND]], %[[C32]] : index
// CHECK: scf.if %[[INMATRIX]] {
// CHECK: scf.for {{.*}} iter_args
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: arith.addi %{{.*}}, %[[C8]] : index
// CHECK-NOT: arith.minsi
// CHECK: memref.prefetch %[[WB]][%{{.*}}], read, locality<3>, data : memref<1152xi8>
// ...the two blocks of an iteration share one dialect-id byte...
// CHECK: %[[IDS:.*]] = memref.load %[[WB]][%{{.*}}] : memref<1152xi8>
// CHECK: %[[LO:.*]] = arith.andi %[[IDS]], %{{.*}} : i8
// CHECK: %[[DIALECT:.*]] = arith.index_castui %[[LO]] : i8 to index
// CHECK: %[[HI4:.*]] = arith.shrui %[[IDS]], %{{.*}} : i8
// CHECK: arith.andi %[[HI4]], %{{.*}} : i8
// ...each block: its scaled row, one load at its scale code (a byte of the
// storage) and dialect, no multiply...
// CHECK: %[[SCALED:.*]] = vector.load %[[TABLE]][%{{.*}}, %[[DIALECT]], %{{.*}}] : memref<256x16x16xf32>, vector<16xf32>
// CHECK-NOT: arith.mulf
// ...then 16 code bytes, widened once: the low nibble is looked up in
// place (the lookup reads 4 index bits), the high one after a shift; then
// FMAs. No per-row prefetch here.
// CHECK: %[[CODES:.*]] = vector.load %[[WB]][%{{.*}}] : memref<1152xi8>, vector<16xi8>
// CHECK-NOT: memref.prefetch
// CHECK: %[[WIDE:.*]] = arith.extui %[[CODES]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[HI:.*]] = arith.shrui %[[WIDE]], %{{.*}} : vector<16xi32>
// CHECK: %[[EVEN:.*]] = qblock.lookup %[[SCALED]][%[[WIDE]]] : vector<16xf32>, vector<16xi32> -> vector<16xf32>
// CHECK: %[[ODD:.*]] = qblock.lookup %[[SCALED]][%[[HI]]] : vector<16xf32>, vector<16xi32> -> vector<16xf32>
// CHECK: vector.fma %{{.*}}, %[[EVEN]], %{{.*}} : vector<16xf32>
// CHECK: vector.fma %{{.*}}, %[[ODD]], %{{.*}} : vector<16xf32>
// Accumulators are summed in any order (a shuffle tree, not 15 chained
// scalar adds).
// CHECK: vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<16xf32> into f32
// ...and the last two tiles run the same loop without prefetches.
// CHECK: } else {
// CHECK-NOT: memref.prefetch
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: memref.prefetch
// CHECK: vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<16xf32> into f32
// More activation rows walk K in chunks and prefetch each row's codes a
// fixed distance ahead.
// CHECK: } else {
// CHECK: %[[CHUNKCODES:.*]] = vector.load %[[WB]][%{{.*}}] : memref<1152xi8>, vector<16xi8>
// CHECK: memref.prefetch %[[WB]][%{{.*}}], read, locality<0>, data : memref<1152xi8>
// CHECK: vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<16xf32> into f32
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// CHECK-NOT: qblock.matmul
// AVX2-LABEL: func.func @gemv
// AVX2: vector.load %{{.*}} : memref<256x16x16xf32>, vector<8xf32>
// AVX2: qblock.lookup %{{.*}} : vector<8xf32>, vector<8xi32> -> vector<8xf32>
// AVX2: arith.xori
// PERMVAR-LABEL: func.func @gemv
// PERMVAR: llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"(%{{.*}}, %{{.*}}) : (vector<16xf32>, vector<16xi32>) -> vector<16xf32>
// PERMVAR-NOT: qblock.lookup
// target=generic (the GPU pipeline's loops) multiplies per block: no
// table of scaled rows.
// GENERIC-NOT: @__qblock_scaled_rows
// GENERIC-LABEL: func.func @gemv
// GENERIC-NOT: @__qblock_scaled_rows
// GENERIC: arith.mulf %{{.*}} : vector<16xf32>
// GENERIC-NOT: llvm.call_intrinsic
// GENERIC: vector.extract %{{.*}}[%{{.*}}] : f32 from vector<16xf32>
func.func @gemv(%a: tensor<1x64xf32>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}

// -----

// One-dialect books read no dialect array; F16 scales are converted, not
// looked up: each tile converts its rows' scales 16 at a time (a masked
// read of 32 bytes) into a task-local buffer of half scales, which the
// block loop reads.
// CHECK-LABEL: func.func @int4
// CHECK-NOT: @__qblock_e8m0_half
// CHECK: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<4x16xf32>
// CHECK: %[[BYTES:.*]] = vector.transfer_read %{{.*}}[%{{.*}}], %{{.*}} : memref<320xi8>, vector<32xi8>
// CHECK: %[[HALVES:.*]] = vector.bitcast %[[BYTES]] : vector<32xi8> to vector<16xf16>
// CHECK: %[[WIDE:.*]] = arith.extf %[[HALVES]] : vector<16xf16> to vector<16xf32>
// An infinite stored scale is a NaN scale: x + (x - x).
// CHECK: %[[ZERO_OR_NAN:.*]] = arith.subf %[[WIDE]], %[[WIDE]] : vector<16xf32>
// CHECK: %[[SCALE:.*]] = arith.addf %[[WIDE]], %[[ZERO_OR_NAN]] : vector<16xf32>
// CHECK: %[[HALF:.*]] = arith.mulf %[[SCALE]], %{{.*}} : vector<16xf32>
// CHECK: vector.store %[[HALF]], %[[BUF]][%{{.*}}, %{{.*}}] : memref<4x16xf32>, vector<16xf32>
// CHECK: memref.load %[[BUF]][%{{.*}}, %{{.*}}] : memref<4x16xf32>
func.func @int4(%a: tensor<2x64xf32>, %w: tensor<320xi8>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %q = qblock.from_storage %w : tensor<320xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<int4>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<2x64xf32>, !qblock.qtensor<64x8xf32, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// NVFP4's 16-element blocks (8 code bytes) decode two at a time on AVX-512:
// both blocks' scaled rows form one 32-entry table, and index bit 4 picks
// the block (lanes 8-15 belong to the second one), so one vpermt2ps covers
// 16 lanes. AVX2 keeps 8-lane lookups of magnitudes plus a sign flip.
// CHECK-LABEL: func.func @nvfp4_pairs
// CHECK: %[[FIRST:.*]] = vector.load %{{.*}} : memref<256x1x16xf32>, vector<16xf32>
// CHECK: %[[SECOND:.*]] = vector.load %{{.*}} : memref<256x1x16xf32>, vector<16xf32>
// CHECK: %[[TABLE:.*]] = vector.shuffle %[[FIRST]], %[[SECOND]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31] : vector<16xf32>, vector<16xf32>
// CHECK: %[[CODES:.*]] = vector.load %{{.*}} : memref<320xi8>, vector<16xi8>
// CHECK: %[[HALVES:.*]] = arith.constant dense<[0, 0, 0, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16, 16]> : vector<16xi32>
// CHECK: %[[FIFTEEN:.*]] = arith.constant dense<15> : vector<16xi32>
// CHECK: %[[WIDE:.*]] = arith.extui %[[CODES]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[LOWNIB:.*]] = arith.andi %[[WIDE]], %[[FIFTEEN]] : vector<16xi32>
// CHECK: %[[LOW:.*]] = arith.ori %[[LOWNIB]], %[[HALVES]] : vector<16xi32>
// CHECK: %[[HIGHNIB:.*]] = arith.shrui %[[WIDE]], %{{.*}} : vector<16xi32>
// CHECK: %[[HIGH:.*]] = arith.ori %[[HIGHNIB]], %[[HALVES]] : vector<16xi32>
// CHECK: qblock.lookup %[[TABLE]][%[[LOW]]] : vector<32xf32>, vector<16xi32> -> vector<16xf32>
// CHECK: qblock.lookup %[[TABLE]][%[[HIGH]]] : vector<32xf32>, vector<16xi32> -> vector<16xf32>
// PERMVAR-LABEL: func.func @nvfp4_pairs
// PERMVAR: %[[FIRSTROW:.*]] = vector.extract_strided_slice %[[PAIRTABLE:.*]] {offsets = [0], sizes = [16], strides = [1]} : vector<32xf32> to vector<16xf32>
// PERMVAR: %[[SECONDROW:.*]] = vector.extract_strided_slice %[[PAIRTABLE]] {offsets = [16], sizes = [16], strides = [1]} : vector<32xf32> to vector<16xf32>
// PERMVAR: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.ps.512"(%[[FIRSTROW]], %{{.*}}, %[[SECONDROW]]) : (vector<16xf32>, vector<16xi32>, vector<16xf32>) -> vector<16xf32>
// PERMVAR-NOT: qblock.lookup
// AVX2-LABEL: func.func @nvfp4_pairs
// AVX2-NOT: vector<32xf32>
// AVX2: qblock.lookup %{{.*}} : vector<8xf32>, vector<8xi32> -> vector<8xf32>
// GENERIC-LABEL: func.func @nvfp4_pairs
// GENERIC-NOT: llvm.call_intrinsic
func.func @nvfp4_pairs(%a: tensor<2x64xf32>, %w: tensor<320xi8>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %q = qblock.from_storage %w : tensor<320xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<nvfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<2x64xf32>, !qblock.qtensor<64x8xf32, #qblock.scheme<nvfp4>, axis = 0>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// An odd number of blocks per row cannot be paired: 8-lane lookups.
// CHECK-LABEL: func.func @nvfp4_odd
// CHECK-NOT: vector<32xf32>
// CHECK: qblock.lookup %{{.*}} : vector<8xf32>, vector<8xi32> -> vector<8xf32>
// CHECK-NOT: vector<32xf32>
// CHECK: return
func.func @nvfp4_odd(%a: tensor<2x48xf32>, %w: tensor<256xi8>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %q = qblock.from_storage %w : tensor<256xi8> -> !qblock.qtensor<48x8xf32, #qblock.scheme<nvfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<2x48xf32>, !qblock.qtensor<48x8xf32, #qblock.scheme<nvfp4>, axis = 0>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// A GEMM tile reads the same K chunk of 8 activation rows' evens and odds
// at once. Both halves of a row share one buffer row, each padded so that
// the 16 half-rows do not all start at one offset modulo 4 KiB (K = 4096:
// 2048 floats = 8 KiB, padded by 64 floats), and the kernel reads them
// through strided views. Small rows (the GEMV above: 32 floats) need none.
// CHECK-LABEL: func.func @gemm_padded_halves
// CHECK: %[[HALVES:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x4224xf32>
// CHECK: %[[EVENS:.*]] = memref.subview %[[HALVES]][0, 0] [%{{.*}}, 2048] [1, 1] : memref<?x4224xf32> to memref<?x2048xf32, strided<[4224, 1]>>
// CHECK: %[[ODDS:.*]] = memref.subview %[[HALVES]][0, 2112] [%{{.*}}, 2048] [1, 1] : memref<?x4224xf32> to memref<?x2048xf32, strided<[4224, 1], offset: 2112>>
// CHECK: memref.store %{{.*}}, %[[EVENS]][%{{.*}}, %{{.*}}]
// CHECK: memref.store %{{.*}}, %[[ODDS]][%{{.*}}, %{{.*}}]
// CHECK-DAG: vector.load %[[EVENS]][%{{.*}}, %{{.*}}] : memref<?x2048xf32, strided<[4224, 1]>>, vector<16xf32>
// CHECK-DAG: vector.load %[[ODDS]][%{{.*}}, %{{.*}}] : memref<?x2048xf32, strided<[4224, 1], offset: 2112>>, vector<16xf32>
func.func @gemm_padded_halves(%a: tensor<8x4096xf32>, %w: tensor<34816xi8>, %init: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %q = qblock.from_storage %w : tensor<34816xi8> -> !qblock.qtensor<4096x16xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<8x4096xf32>, !qblock.qtensor<4096x16xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

// -----

// bf16 activations on AVX-512 (BF16): one-row tiles multiply them as they
// come, in bf16. Each block's unscaled dialect row (32 bf16 entries, the
// 16 values twice) is looked up with 16-bit indices built from 16 code
// bytes (d | d << 12: element 2j's index in the low half, 2j + 1's in the
// high half), vdpbf16ps sums the products against 32 activations in
// element order, and the block's sum is scaled once. Only when every
// activation is zero or normal below 2^100 (checked on the bits: subnormal
// is magnitude - 1 < 0x7F, too large is >= 0xE3 << 7); else, and for the
// tiles of 2 to 8 rows (M >= 2), the de-interleaved f32 activations are
// made, and given rows.
// CHECK-LABEL: func.func @gemv_bf16
// CHECK-DAG: %[[ROWS:.*]] = memref.get_global @__qblock_dialects_bf16_{{.*}} : memref<16x32xbf16>
// CHECK-DAG: %[[SCALES:.*]] = memref.get_global @__qblock_e8m0_half_{{.*}} : memref<256xf32>
// CHECK: %[[ACTS:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x64xbf16>
// CHECK: scf.parallel
// CHECK: memref.store %{{.*}}, %[[ACTS]][%{{.*}}, %{{.*}}] : memref<?x64xbf16>
// CHECK: vector.load %[[ACTS]][%{{.*}}, %{{.*}}] : memref<?x64xbf16>, vector<32xbf16>
// CHECK: %[[SIGNLESS:.*]] = arith.constant dense<32767> : vector<32xi16>
// CHECK: %[[MAGNITUDE:.*]] = arith.andi %{{.*}}, %[[SIGNLESS]] : vector<32xi16>
// CHECK: %[[ONE:.*]] = arith.constant dense<1> : vector<32xi16>
// CHECK: %[[MINUS:.*]] = arith.subi %[[MAGNITUDE]], %[[ONE]] : vector<32xi16>
// CHECK: %[[SUBNORMALS:.*]] = arith.constant dense<127> : vector<32xi16>
// CHECK: arith.cmpi ult, %[[MINUS]], %[[SUBNORMALS]] : vector<32xi16>
// CHECK: %[[LARGE:.*]] = arith.constant dense<29056> : vector<32xi16>
// CHECK: arith.cmpi uge, %[[MAGNITUDE]], %[[LARGE]] : vector<32xi16>
// CHECK: %[[BAD:.*]] = vector.reduction <or>, %{{.*}} : vector<32xi16> into i16
// CHECK: %[[INRANGE:.*]] = arith.cmpi eq, %[[BAD]], %{{.*}} : i16
// CHECK: %[[OUT:.*]] = arith.xori %[[INRANGE]], %{{.*}} : i1
// CHECK: %[[TWO:.*]] = arith.cmpi uge, %{{.*}}, %{{.*}} : index
// CHECK: %[[GROUPED:.*]] = arith.ori %[[TWO]], %[[OUT]] : i1
// CHECK: %[[F32ROWS:.*]] = arith.select %[[GROUPED]], %{{.*}}, %{{.*}} : index
// CHECK: memref.alloc(%[[F32ROWS]]) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK: scf.if %[[GROUPED]] {
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: scf.if
// CHECK: scf.if %[[INRANGE]] {
// CHECK: scf.for {{.*}} iter_args
// CHECK: %[[SCALE:.*]] = memref.load %[[SCALES]][%{{.*}}] : memref<256xf32>
// CHECK: %[[ROW:.*]] = vector.load %[[ROWS]][%{{.*}}, %{{.*}}] : memref<16x32xbf16>, vector<32xbf16>
// CHECK: %[[TWELVE:.*]] = arith.constant dense<12> : vector<16xi32>
// CHECK: %[[SUMS:.*]]:4 = scf.for {{.*}} iter_args
// CHECK: %[[A:.*]] = vector.load %[[ACTS]][%{{.*}}, %{{.*}}] : memref<?x64xbf16>, vector<32xbf16>
// CHECK: %[[CODES:.*]] = vector.load %{{.*}}[%{{.*}}] : memref<1152xi8>, vector<16xi8>
// CHECK: %[[WIDE:.*]] = arith.extui %[[CODES]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[SHIFTED:.*]] = arith.shli %[[WIDE]], %[[TWELVE]] : vector<16xi32>
// CHECK: %[[BOTH:.*]] = arith.ori %[[WIDE]], %[[SHIFTED]] : vector<16xi32>
// CHECK: %[[INDEX:.*]] = vector.bitcast %[[BOTH]] : vector<16xi32> to vector<32xi16>
// CHECK: %[[W:.*]] = qblock.lookup %[[ROW]][%[[INDEX]]] : vector<32xbf16>, vector<32xi16> -> vector<32xbf16>
// CHECK: qblock.dot_bf16 %{{.*}}, %[[W]], %[[A]] : vector<16xf32>, vector<32xbf16>
// CHECK: %[[SPLAT:.*]] = vector.broadcast %[[SCALE]] : f32 to vector<16xf32>
// CHECK: vector.fma %[[SPLAT]], %[[SUMS]]#0, %{{.*}} : vector<16xf32>
// CHECK: vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<16xf32> into f32
// Out of range, the same tile in f32.
// CHECK: } else {
// CHECK: vector.load %{{.*}} : memref<?x32xf32, strided<[64, 1]{{.*}}>>, vector<16xf32>
// CHECK-NOT: qblock.dot_bf16
// CHECK: vector.reduction <add>
// The 8-row tiles of the same kernel stay in f32, with the scaled rows
// read from the table.
// CHECK: vector.load %{{.*}} : memref<256x16x16xf32>, vector<16xf32>
// AVX2-LABEL: func.func @gemv_bf16
// AVX2-NOT: qblock.dot_bf16
// AVX2: qblock.lookup %{{.*}} : vector<8xf32>, vector<8xi32> -> vector<8xf32>
// AVX2-NOT: qblock.dot_bf16
// PERMVAR-LABEL: func.func @gemv_bf16
// PERMVAR: llvm.call_intrinsic "llvm.x86.avx512.permvar.hi.512"
// PERMVAR: llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// GENERIC-LABEL: func.func @gemv_bf16
// GENERIC-NOT: bf16_
// GENERIC: vector.extract %{{.*}}[%{{.*}}] : f32 from vector<16xf32>
func.func @gemv_bf16(%a: tensor<1x64xbf16>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xbf16, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x64xbf16>, !qblock.qtensor<64x32xbf16, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}
