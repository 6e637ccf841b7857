// qblock-gpu-matmul-kernels (internal step of --qblock-gpu-pipeline): each
// call of a qblock.gpu_matmul stub becomes the W4A16 kernel's gpu.launch.
// RUN: quant-opt %s --qblock-gpu-matmul-kernels -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quant-opt %s --qblock-gpu-matmul-kernels=weight-decode=table -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=LOOKUP
// RUN: not quant-opt %s -split-input-file --qblock-gpu-matmul-kernels=weight-decode=bogus 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: error: qblock-gpu-matmul-kernels: weight-decode=bogus is unknown; use permute (the default) or table

// BlockDialect-32, K = 64, N = 13, M = 3: one thread block of 4 warps (16
// rows, 4 per warp) and one tile of 3 activation rows. Weights decode by
// byte permutes (the default, weight-decode=permute): each dialect is four
// words (the bf16 high bytes of its 8 magnitudes, then the low bytes), a
// constant global read per block; the workgroup table holds only the 256
// half scales.
// CHECK-DAG: memref.global "private" constant @[[WORDS:__qblock_gpu_permute_[0-9A-F]+]] : memref<64xi32> = dense<[1077952256,
// CHECK-DAG: memref.global "private" constant @[[TABLE:__qblock_gpu_decode_[0-9A-F]+]] : memref<256xf32>
// CHECK-LABEL: func.func @blockdialect
// CHECK-SAME: (%[[W:.*]]: memref<576xi8>, %[[A:.*]]: memref<3x64xf32>, %[[O:.*]]: memref<3x13xf32>)
// CHECK-NOT: call
// CHECK: gpu.launch {{.*}} workgroup(%[[SMEM:.*]] : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[GLOBAL:.*]] = memref.get_global @[[TABLE]] : memref<256xf32>
// CHECK: %[[WG:.*]] = memref.get_global @[[WORDS]] : memref<64xi32>
// CHECK: gpu.barrier
// CHECK: scf.for %[[CHUNK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// Each row's 16 code bytes are four words of 8 codes.
// CHECK: %[[CODES:.*]] = vector.load %[[W]][%{{.*}}] {alignment = 16 : i64} : memref<576xi8>, vector<16xi8>
// CHECK: %[[WORDS0:.*]] = vector.bitcast %[[CODES]] : vector<16xi8> to vector<4xi32>
// CHECK-COUNT-3: vector.bitcast %{{.*}} : vector<16xi8> to vector<4xi32>
// The block's scale code indexes the half scales from entry 0; its dialect
// nibble picks four words (one 16-byte load).
// CHECK: %[[SCODE:.*]] = memref.load %[[W]][%{{.*}}] : memref<576xi8>
// CHECK: %[[SIDX:.*]] = arith.index_castui %[[SCODE]] : i8 to index
// CHECK: %[[SENTRY:.*]] = arith.addi %{{.*}}, %[[SIDX]] : index
// CHECK: %[[HALF:.*]] = memref.load %[[SMEM]][%[[SENTRY]]] : memref<256xf32, #gpu.address_space<workgroup>>
// CHECK: %[[DNIB:.*]] = arith.andi %{{.*}}, %{{.*}} : i8
// CHECK: %[[ID:.*]] = arith.index_castui %[[DNIB]] : i8 to index
// CHECK: %[[AT:.*]] = arith.muli %[[ID]], %{{.*}} : index
// CHECK: %[[DW:.*]] = vector.load %[[WG]][%[[AT]]] {alignment = 16 : i64} : memref<64xi32>, vector<4xi32>
// CHECK: %[[H0:.*]] = vector.extract %[[DW]][0] : i32 from vector<4xi32>
// CHECK: %[[H1:.*]] = vector.extract %[[DW]][1] : i32 from vector<4xi32>
// CHECK: %[[L0:.*]] = vector.extract %[[DW]][2] : i32 from vector<4xi32>
// CHECK: %[[L1:.*]] = vector.extract %[[DW]][3] : i32 from vector<4xi32>
// Codes 0-3 of the first word: selectors without sign bits (0x77777777),
// the high and the low bf16 bytes of their magnitudes, the sign mask
// (0xD9C8 from w << 4 and w) into bit 7 of the high bytes; per two codes,
// one prmt interleaves them (0x5140: [lo0, hi0, lo1, hi1]), and a shift
// and an and make the two f32.
// CHECK: %[[WORD:.*]] = vector.extract %[[WORDS0]][0] : i32 from vector<4xi32>
// CHECK: %[[SEL:.*]] = arith.andi %[[WORD]], %{{.*}}2004318071{{.*}} : i32
// CHECK: %[[SHIFTED:.*]] = arith.shli %[[WORD]], %{{.*}} : i32
// CHECK: %[[HIGH:.*]] = nvvm.prmt <default> %[[SEL]], %[[H0]], %[[H1]] : i32
// CHECK: %[[LOW:.*]] = nvvm.prmt <default> %[[SEL]], %[[L0]], %[[L1]] : i32
// CHECK: %[[MASK:.*]] = nvvm.prmt <default> %{{.*}}55752{{.*}}, %[[SHIFTED]], %[[WORD]] : i32
// CHECK: %[[SIGNS:.*]] = arith.andi %[[MASK]], %{{.*}}-2139062144{{.*}} : i32
// CHECK: %[[SHIGH:.*]] = arith.ori %[[HIGH]], %[[SIGNS]] : i32
// CHECK: %[[PAIR:.*]] = nvvm.prmt <default> %{{.*}}20800{{.*}}, %[[LOW]], %[[SHIGH]] : i32
// CHECK: nvvm.prmt <default> %{{.*}}29538{{.*}}, %[[LOW]], %[[SHIGH]]
// Codes 4-7: the selectors' high half, the mask from bytes 2 and 3 (0xFBEA).
// CHECK: nvvm.prmt <default> %{{.*}}, %[[H0]], %[[H1]] : i32
// CHECK: nvvm.prmt <default> %{{.*}}64490{{.*}}, %[[SHIFTED]], %[[WORD]] : i32
// CHECK: %[[EVEN:.*]] = arith.shli %[[PAIR]], %{{.*}} : i32
// CHECK: %[[ODD:.*]] = arith.andi %[[PAIR]], %{{.*}}-65536{{.*}} : i32
// CHECK: %[[V0:.*]] = arith.bitcast %[[EVEN]] : i32 to f32
// CHECK: %[[V1:.*]] = arith.bitcast %[[ODD]] : i32 to f32
// Element 0 of row 0 meets activation 0.
// CHECK: %[[X:.*]] = vector.load %[[A]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<3x64xf32>, vector<4xf32>
// CHECK: %[[X0:.*]] = vector.extract %[[X]][0]
// CHECK: %[[P0:.*]] = llvm.intr.fma(%[[V0]], %[[X0]], %{{.*}})
// CHECK: %[[X1:.*]] = vector.extract %[[X]][1]
// CHECK: llvm.intr.fma(%[[V1]], %[[X1]], %[[P0]])
// One half-scale multiply per block and activation row.
// CHECK: llvm.intr.fma(%{{.*}}, %[[HALF]], %{{.*}})
// CHECK: scf.yield
// CHECK: gpu.shuffle xor
// CHECK: gpu.terminator
// The stub is gone.
// CHECK-NOT: func.func private @bd
// With weight-decode=table: the same kernel, each code looked up in a
// workgroup table.
// LOOKUP: memref.global "private" constant @[[TABLE:__qblock_gpu_decode_[0-9A-F]+]] : memref<512xf32>
// LOOKUP-LABEL: func.func @blockdialect
// LOOKUP-SAME: (%[[W:.*]]: memref<576xi8>, %[[A:.*]]: memref<3x64xf32>, %[[O:.*]]: memref<3x13xf32>)
// LOOKUP-NOT: call
// LOOKUP: %[[C1:.*]] = arith.constant 1 : index
// LOOKUP: %[[C128:.*]] = arith.constant 128 : index
// LOOKUP: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C1]], {{.*}} = %{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %[[C128]], {{.*}}) workgroup(%[[SMEM:.*]] : memref<512xf32, #gpu.address_space<workgroup>>)
// The decode table: 16 dialect rows of 16 signed magnitudes, then 256 half
// scales, copied into workgroup memory by all threads.
// LOOKUP: %[[GLOBAL:.*]] = memref.get_global @[[TABLE]] : memref<512xf32>
// LOOKUP: %[[TID:.*]] = gpu.thread_id x
// LOOKUP: scf.for %[[I:.*]] = %[[TID]] to %{{.*}} step %{{.*}} {
// LOOKUP: memref.load %[[GLOBAL]][%[[I]]]
// LOOKUP: memref.store %{{.*}}, %[[SMEM]][%[[I]]]
// LOOKUP: gpu.barrier
// LOOKUP: %[[LANE:.*]] = arith.remui %[[TID]], %{{.*}} : index
// LOOKUP: scf.if
// Lanes stride over the rows' 16-byte chunks, 12 accumulators (4 rows x 3
// activation rows).
// LOOKUP: scf.for %[[CHUNK:.*]] = %[[LANE]] to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// LOOKUP-COUNT-4: vector.load %[[W]][%{{.*}}] {alignment = 16 : i64} : memref<576xi8>, vector<16xi8>
// The block's scale code indexes the half scales after the 256 dialect
// entries; its dialect nibble (even blocks low, odd blocks high) picks a
// table row.
// LOOKUP: %[[SCODE:.*]] = memref.load %[[W]][%{{.*}}] : memref<576xi8>
// LOOKUP: %[[SIDX:.*]] = arith.index_castui %[[SCODE]] : i8 to index
// LOOKUP: %[[SENTRY:.*]] = arith.addi %{{.*}}, %[[SIDX]] : index
// LOOKUP: %[[HALF:.*]] = memref.load %[[SMEM]][%[[SENTRY]]] : memref<512xf32, #gpu.address_space<workgroup>>
// LOOKUP: %[[DBYTE:.*]] = memref.load %[[W]][%{{.*}}] : memref<576xi8>
// LOOKUP: %[[DNIB:.*]] = arith.shrui %[[DBYTE]], %{{.*}} : i8
// LOOKUP: arith.andi %[[DNIB]], %{{.*}} : i8
// Each code byte: the low nibble, then the high one, looked up.
// LOOKUP: %[[BYTE:.*]] = vector.extract %{{.*}}[0] : i8 from vector<16xi8>
// LOOKUP: %[[LO:.*]] = arith.andi %[[BYTE]], %{{.*}} : i8
// LOOKUP: %[[HI:.*]] = arith.shrui %[[BYTE]], %{{.*}} : i8
// LOOKUP: arith.index_castui %[[LO]] : i8 to index
// LOOKUP: %[[WLO:.*]] = memref.load %[[SMEM]]
// LOOKUP: arith.index_castui %[[HI]] : i8 to index
// LOOKUP: %[[WHI:.*]] = memref.load %[[SMEM]]
// Activations four at a time; even elements meet low nibbles.
// LOOKUP: %[[X:.*]] = vector.load %[[A]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<3x64xf32>, vector<4xf32>
// LOOKUP: %[[X0:.*]] = vector.extract %[[X]][0]
// LOOKUP: %[[X1:.*]] = vector.extract %[[X]][1]
// LOOKUP: %[[P0:.*]] = llvm.intr.fma(%[[WLO]], %[[X0]], %{{.*}})
// LOOKUP: llvm.intr.fma(%[[WHI]], %[[X1]], %[[P0]])
// One half-scale multiply per block and activation row.
// LOOKUP: llvm.intr.fma(%{{.*}}, %[[HALF]], %{{.*}})
// LOOKUP: scf.yield
// Butterfly over the warp, then lane 0 adds to the output (init).
// LOOKUP: gpu.shuffle xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// LOOKUP-COUNT-4: gpu.shuffle xor
// LOOKUP: %[[IS0:.*]] = arith.cmpi eq, %[[LANE]], %{{.*}} : index
// LOOKUP: scf.if %[[IS0]] {
// LOOKUP: scf.if
// LOOKUP: %[[OLD:.*]] = memref.load %[[O]][%{{.*}}, %{{.*}}] : memref<3x13xf32>
// LOOKUP: %[[NEW:.*]] = arith.addf %[[OLD]], %{{.*}} : f32
// LOOKUP: memref.store %[[NEW]], %[[O]][%{{.*}}, %{{.*}}] : memref<3x13xf32>
// LOOKUP: gpu.terminator
// The stub is gone.
// LOOKUP-NOT: func.func private @bd
func.func private @bd(memref<576xi8>, memref<3x64xf32>, memref<3x13xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 13 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @blockdialect(%w: memref<576xi8>, %a: memref<3x64xf32>, %o: memref<3x13xf32>) {
  call @bd(%w, %a, %o) : (memref<576xi8>, memref<3x64xf32>, memref<3x13xf32>) -> ()
  return
}

// -----

// NVFP4 (block 16, E4M3 scales, one dialect): a 16-byte chunk holds two
// blocks, each with its own scale; no dialect ids are read; the table is
// the 256 half scales, the one dialect's words are constants.
// CHECK-NOT: __qblock_gpu_permute_
// CHECK: memref.global "private" constant @{{.*}} : memref<256xf32>
// CHECK-NOT: __qblock_gpu_permute_
// CHECK-LABEL: func.func @nvfp4
// CHECK: gpu.launch {{.*}} workgroup(%[[SMEM:.*]] : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32) {
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<128xi8>, vector<16xi8>
// CHECK-NOT: arith.shrui %{{.*}}, %{{.*}} : i8
// CHECK: %[[S0:.*]] = memref.load %[[SMEM]]
// CHECK: %[[S1:.*]] = memref.load %[[SMEM]]
// CHECK: llvm.intr.fma(%{{.*}}, %[[S0]], %{{.*}})
// CHECK: llvm.intr.fma(%{{.*}}, %[[S1]], %{{.*}})
// CHECK: scf.yield
func.func private @nv(memref<128xi8>, memref<1x64xf32>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<nvfp4>}}
func.func @nvfp4(%w: memref<128xi8>, %a: memref<1x64xf32>, %o: memref<1x1xf32>) {
  call @nv(%w, %a, %o) : (memref<128xi8>, memref<1x64xf32>, memref<1x1xf32>) -> ()
  return
}

// -----

// INT4's F16 scales: two bytes, little endian, extended exactly, halved.
// With the permute decode INT4 needs no table at all: no global, no
// workgroup memory, no barrier.
// CHECK-NOT: memref.global
// CHECK-LABEL: func.func @int4
// CHECK: gpu.launch
// CHECK-NOT: workgroup
// CHECK-NOT: gpu.barrier
// CHECK: %[[LO:.*]] = memref.load %{{.*}} : memref<128xi8>
// CHECK: %[[HI:.*]] = memref.load %{{.*}} : memref<128xi8>
// CHECK: %[[LO16:.*]] = arith.extui %[[LO]] : i8 to i16
// CHECK: %[[HI16:.*]] = arith.extui %[[HI]] : i8 to i16
// CHECK: %[[SHL:.*]] = arith.shli %[[HI16]], %{{.*}} : i16
// CHECK: %[[BITS:.*]] = arith.ori %[[LO16]], %[[SHL]] : i16
// CHECK: %[[F16:.*]] = arith.bitcast %[[BITS]] : i16 to f16
// CHECK: %[[F32:.*]] = arith.extf %[[F16]] : f16 to f32
// An infinite scale becomes NaN (x + (x - x)), as the numerics core decodes it.
// CHECK: %[[ZERO_OR_NAN:.*]] = arith.subf %[[F32]], %[[F32]] : f32
// CHECK: %[[CHECKED:.*]] = arith.addf %[[F32]], %[[ZERO_OR_NAN]] : f32
// CHECK: arith.mulf %[[CHECKED]], %{{.*}} : f32
func.func private @i4(memref<128xi8>, memref<1x64xf32>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<int4>}}
func.func @int4(%w: memref<128xi8>, %a: memref<1x64xf32>, %o: memref<1x1xf32>) {
  call @i4(%w, %a, %o) : (memref<128xi8>, memref<1x64xf32>, memref<1x1xf32>) -> ()
  return
}

// -----

// Rows of 24 code bytes (K = 48) are read in 8-byte chunks; 9-byte rows of
// 6-element blocks (K = 18) a byte at a time, with activations two at a
// time (K is not a multiple of 4).
// CHECK-LABEL: func.func @narrow
// CHECK: vector.load %{{.*}} {alignment = 8 : i64} : memref<128xi8>, vector<8xi8>
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<1x48xf32>, vector<4xf32>
// CHECK: gpu.launch
// CHECK: vector.load %{{.*}} {alignment = 1 : i64} : memref<128xi8>, vector<1xi8>
// CHECK: vector.load %{{.*}} {alignment = 8 : i64} : memref<1x18xf32>, vector<2xf32>
func.func private @nv48(memref<128xi8>, memref<1x48xf32>, memref<1x2xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 48 : i64, n = 2 : i64, scheme = #qblock.scheme<nvfp4>}}
func.func private @mx18(memref<128xi8>, memref<1x18xf32>, memref<1x2xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 18 : i64, n = 2 : i64, scheme = #qblock.scheme<mxfp4, block = 6>}}
func.func @narrow(%w: memref<128xi8>, %a: memref<1x48xf32>, %o: memref<1x2xf32>,
                  %w2: memref<128xi8>, %a2: memref<1x18xf32>, %o2: memref<1x2xf32>) {
  call @nv48(%w, %a, %o) : (memref<128xi8>, memref<1x48xf32>, memref<1x2xf32>) -> ()
  call @mx18(%w2, %a2, %o2) : (memref<128xi8>, memref<1x18xf32>, memref<1x2xf32>) -> ()
  return
}

// -----

// A dynamic M: the GEMV kernel (one activation row per warp) for M = 1, the
// tiled one (4 rows per warp, ceil(rows / 4) tiles) for M > 1 in slabs of
// at most 65535 tiles (the grid's y limit), no launch for M = 0.
// CHECK-LABEL: func.func @dynamic_m
// CHECK: %[[M:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x64xf32>
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[M]], %{{.*}} : index
// CHECK: scf.if %[[ONE]] {
// CHECK: gpu.launch
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32) {
// CHECK: } else {
// CHECK: %[[MORE:.*]] = arith.cmpi ugt, %[[M]], %{{.*}} : index
// CHECK: scf.if %[[MORE]] {
// CHECK: %[[SLAB:.*]] = arith.constant 262140 : index
// CHECK: scf.for %[[FIRST:.*]] = %{{.*}} to %[[M]] step %[[SLAB]] {
// CHECK: %[[LEFT:.*]] = arith.subi %[[M]], %[[FIRST]] : index
// CHECK: %[[ROWS:.*]] = arith.minui %[[SLAB]], %[[LEFT]] : index
// CHECK: %[[M3:.*]] = arith.addi %[[ROWS]], %{{.*}} : index
// CHECK: %[[TILES:.*]] = arith.divui %[[M3]], %{{.*}} : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}, {{.*}} = %[[TILES]], {{.*}})
// CHECK: %[[Y:.*]] = gpu.block_id y
// CHECK: %[[TILE0:.*]] = arith.muli %[[Y]], %{{.*}} : index
// CHECK: arith.addi %[[FIRST]], %[[TILE0]] : index
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
func.func private @dyn(memref<2240xi8>, memref<?x64xf32>, memref<?x64xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 64 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @dynamic_m(%w: memref<2240xi8>, %a: memref<?x64xf32>, %o: memref<?x64xf32>) {
  call @dyn(%w, %a, %o) : (memref<2240xi8>, memref<?x64xf32>, memref<?x64xf32>) -> ()
  return
}

// -----

// Batched, N = 5: a warp's rows must share a batch, so one row per warp;
// 15 rows in 4 thread blocks; the batch of a row is row / N.
// CHECK-LABEL: func.func @batched
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C4]], {{.*}})
// CHECK: %[[BATCH:.*]] = arith.divui %{{.*}}, %c5 : index
// CHECK: scf.for {{.*}} -> (f32, f32) {
// CHECK: vector.load %{{.*}}[%[[BATCH]], %{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<3x2x64xf32>, vector<4xf32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[BATCH]], %{{.*}}, %{{.*}}] : memref<3x2x5xf32>
func.func private @bat(memref<640xi8>, memref<3x2x64xf32>, memref<3x2x5xf32>) attributes {qblock.gpu_matmul = {batch = 3 : i64, k = 64 : i64, n = 5 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @batched(%w: memref<640xi8>, %a: memref<3x2x64xf32>, %o: memref<3x2x5xf32>) {
  call @bat(%w, %a, %o) : (memref<640xi8>, memref<3x2x64xf32>, memref<3x2x5xf32>) -> ()
  return
}

// -----

func.func private @bad(memref<100xi8>, memref<1x64xf32>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @wrong_size(%w: memref<100xi8>, %a: memref<1x64xf32>, %o: memref<1x1xf32>) {
  // expected-error @below {{passes packed weights of type 'memref<100xi8>' to a GPU matmul stub whose scheme and shape need memref<128xi8>}}
  call @bad(%w, %a, %o) : (memref<100xi8>, memref<1x64xf32>, memref<1x1xf32>) -> ()
  return
}

// -----

func.func private @bad(memref<128xi8>, memref<1x64xf32>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {k = 64 : i64, n = 1 : i64}}
func.func @no_scheme(%w: memref<128xi8>, %a: memref<1x64xf32>, %o: memref<1x1xf32>) {
  // expected-error @below {{calls a GPU matmul stub whose 'qblock.gpu_matmul' attribute lacks scheme, k, n or batch}}
  call @bad(%w, %a, %o) : (memref<128xi8>, memref<1x64xf32>, memref<1x1xf32>) -> ()
  return
}

// -----

func.func private @bad(memref<128xi8>, memref<1x64xf32>, memref<1x1xi32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @i32_out(%w: memref<128xi8>, %a: memref<1x64xf32>, %o: memref<1x1xi32>) {
  // expected-error @below {{passes activations of type 'memref<1x64xf32>' and output of type 'memref<1x1xi32>' to a GPU matmul stub; they must be memrefs of rank 2 ([M, K], [M, N]) or 3 (with a leading batch dimension) of f32, f16 or bf16}}
  call @bad(%w, %a, %o) : (memref<128xi8>, memref<1x64xf32>, memref<1x1xi32>) -> ()
  return
}

// -----

func.func private @bad(memref<128xi8>, memref<1x64xi16>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @i16_acts(%w: memref<128xi8>, %a: memref<1x64xi16>, %o: memref<1x1xf32>) {
  // expected-error @below {{passes activations of type 'memref<1x64xi16>' and output of type 'memref<1x1xf32>' to a GPU matmul stub; they must be memrefs}}
  call @bad(%w, %a, %o) : (memref<128xi8>, memref<1x64xi16>, memref<1x1xf32>) -> ()
  return
}

// -----

// f16 and bf16 activations: loaded 16 bytes (8 elements) at a time, widened
// exactly to f32 for the products; the sums and the output stay f32. With
// K = 36 (a multiple of 4, not of 8) the loads take 4 elements.
// CHECK-LABEL: func.func @half_activations
// CHECK: gpu.launch
// CHECK: %[[X:.*]] = vector.load %{{.*}} {alignment = 16 : i64} : memref<3x64xf16>, vector<8xf16>
// CHECK: %[[X0:.*]] = vector.extract %[[X]][0] : f16 from vector<8xf16>
// CHECK: %[[W0:.*]] = arith.extf %[[X0]] : f16 to f32
// CHECK: %[[P:.*]] = llvm.intr.fma(%{{.*}}, %[[W0]], %{{.*}}) : (f32, f32, f32) -> f32
// CHECK: %[[X1:.*]] = vector.extract %[[X]][1] : f16 from vector<8xf16>
// CHECK: %[[W1:.*]] = arith.extf %[[X1]] : f16 to f32
// CHECK: llvm.intr.fma(%{{.*}}, %[[W1]], %[[P]]) : (f32, f32, f32) -> f32
// CHECK: memref.store %{{.*}} : memref<3x13xf32>
// CHECK: gpu.launch
// CHECK: %[[Y:.*]] = vector.load %{{.*}} {alignment = 16 : i64} : memref<1x64xbf16>, vector<8xbf16>
// CHECK: %[[Y0:.*]] = vector.extract %[[Y]][0] : bf16 from vector<8xbf16>
// CHECK: arith.extf %[[Y0]] : bf16 to f32
// CHECK: gpu.launch
// CHECK: vector.load %{{.*}} {alignment = 8 : i64} : memref<1x36xbf16>, vector<4xbf16>
func.func private @bd16(memref<576xi8>, memref<3x64xf16>, memref<3x13xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 13 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func private @nvb16(memref<128xi8>, memref<1x64xbf16>, memref<1x1xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 1 : i64, scheme = #qblock.scheme<nvfp4>}}
func.func private @mx36(memref<128xi8>, memref<1x36xbf16>, memref<1x2xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 36 : i64, n = 2 : i64, scheme = #qblock.scheme<mxfp4, block = 12>}}
func.func @half_activations(%w: memref<576xi8>, %a: memref<3x64xf16>, %o: memref<3x13xf32>,
                            %w2: memref<128xi8>, %a2: memref<1x64xbf16>, %o2: memref<1x1xf32>,
                            %w3: memref<128xi8>, %a3: memref<1x36xbf16>, %o3: memref<1x2xf32>) {
  call @bd16(%w, %a, %o) : (memref<576xi8>, memref<3x64xf16>, memref<3x13xf32>) -> ()
  call @nvb16(%w2, %a2, %o2) : (memref<128xi8>, memref<1x64xbf16>, memref<1x1xf32>) -> ()
  call @mx36(%w3, %a3, %o3) : (memref<128xi8>, memref<1x36xbf16>, memref<1x2xf32>) -> ()
  return
}

// -----

// f16 and bf16 outputs: init + the f32 sum, rounded once. The split-K
// shape below (N = 64, K = 4096) runs unsplit (grid z = 1), with a plain
// read-add-write instead of f32 atomics: split partial sums would each be
// rounded to the output type.
// CHECK-LABEL: func.func @half_out
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4, {{.*}} = %{{.*}}, {{.*}} = %c1{{[_0-9]*}}) threads
// CHECK-NOT: memref.atomic_rmw
// CHECK: %[[OLD:.*]] = memref.load %{{.*}} : memref<1x64xf16>
// CHECK: %[[WIDE:.*]] = arith.extf %[[OLD]] : f16 to f32
// CHECK: %[[SUM:.*]] = arith.addf %[[WIDE]], %{{.*}} : f32
// CHECK: %[[NARROW:.*]] = arith.truncf %[[SUM]] : f32 to f16
// CHECK: memref.store %[[NARROW]], %{{.*}} : memref<1x64xf16>
// CHECK: gpu.launch
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}} : memref<2x8xbf16>
func.func private @hk(memref<143360xi8>, memref<1x4096xf16>, memref<1x64xf16>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 4096 : i64, n = 64 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func private @bk(memref<320xi8>, memref<2x64xbf16>, memref<2x8xbf16>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 8 : i64, scheme = #qblock.scheme<nvfp4>}}
func.func @half_out(%w: memref<143360xi8>, %a: memref<1x4096xf16>, %o: memref<1x64xf16>,
                    %w2: memref<320xi8>, %a2: memref<2x64xbf16>, %o2: memref<2x8xbf16>) {
  call @hk(%w, %a, %o) : (memref<143360xi8>, memref<1x4096xf16>, memref<1x64xf16>) -> ()
  call @bk(%w2, %a2, %o2) : (memref<320xi8>, memref<2x64xbf16>, memref<2x8xbf16>) -> ()
  return
}

// -----

// Split-K: a GEMV with few rows (N = 64: 4 thread blocks) and long rows
// (K = 4096: 128 chunks of 16 bytes) runs 4 splits of 32 chunks (grid z),
// each lane one chunk per split, and the splits meet in the output through
// atomic adds.
// CHECK-LABEL: func.func @split_k
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4, {{.*}} = %{{.*}}, {{.*}} = %c4_{{[0-9]+}}) threads
// CHECK: %[[Z:.*]] = gpu.block_id z
// CHECK: %[[START:.*]] = arith.muli %[[Z]], %c32{{.*}} : index
// CHECK: %[[END0:.*]] = arith.addi %[[START]], %c32{{.*}} : index
// CHECK: %[[END:.*]] = arith.minui %[[END0]], %c128{{.*}} : index
// CHECK: %[[FIRST:.*]] = arith.addi %[[START]], %{{.*}} : index
// CHECK: scf.for %{{.*}} = %[[FIRST]] to %[[END]] step %c32{{.*}} iter_args
// CHECK: gpu.shuffle xor
// CHECK: memref.atomic_rmw addf %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : (f32, memref<1x64xf32>) -> f32
// CHECK-NOT: memref.store %{{.*}} : memref<1x64xf32>
// CHECK: gpu.terminator
func.func private @sk(memref<143360xi8>, memref<1x4096xf32>, memref<1x64xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 4096 : i64, n = 64 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @split_k(%w: memref<143360xi8>, %a: memref<1x4096xf32>, %o: memref<1x64xf32>) {
  call @sk(%w, %a, %o) : (memref<143360xi8>, memref<1x4096xf32>, memref<1x64xf32>) -> ()
  return
}

// -----

// The same weights with M = 8 (two tiles of activation rows): the grid has
// enough blocks along y, so no split and a plain read-add-write.
// CHECK-LABEL: func.func @no_split_for_tiles
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4, {{.*}} = %{{.*}}, {{.*}} = %c1{{(_[0-9]+)?}}) threads
// CHECK-NOT: gpu.block_id z
// CHECK-NOT: memref.atomic_rmw
// CHECK: memref.store %{{.*}} : memref<8x64xf32>
// CHECK: gpu.terminator
func.func private @ns(memref<143360xi8>, memref<8x4096xf32>, memref<8x64xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 4096 : i64, n = 64 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @no_split_for_tiles(%w: memref<143360xi8>, %a: memref<8x4096xf32>, %o: memref<8x64xf32>) {
  call @ns(%w, %a, %o) : (memref<143360xi8>, memref<8x4096xf32>, memref<8x64xf32>) -> ()
  return
}

// -----

// A custom book of two dialects stores 4-bit ids, of which 2..15 name
// padding rows (only a corrupt buffer holds them): their words are those of
// zeros, and the block's half scale becomes NaN, as the numerics core
// decodes such blocks.
// CHECK: memref.global "private" constant @{{__qblock_gpu_permute_[0-9A-F]+}} : memref<64xi32>
// CHECK-LABEL: func.func @custom_book
// CHECK: %[[HALF:.*]] = memref.load %{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>
// CHECK: %[[ID:.*]] = arith.index_castui %{{.*}} : i8 to index
// CHECK: vector.load %{{.*}} : memref<64xi32>, vector<4xi32>
// CHECK: %[[VALID:.*]] = arith.cmpi ult, %[[ID]], %c2{{.*}} : index
// CHECK: %[[SCALE:.*]] = arith.select %[[VALID]], %[[HALF]], %cst{{.*}} : f32
// CHECK: nvvm.prmt
// CHECK: llvm.intr.fma(%{{.*}}, %[[SCALE]], %{{.*}})
func.func private @cb(memref<?xi8>, memref<1x64xf32>, memref<1x4xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 4 : i64, scheme = #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 6, 8, 12], [0, 1, 2, 3, 4, 5, 6, 12]]>, scale = e8m0>}}
func.func @custom_book(%w: memref<?xi8>, %a: memref<1x64xf32>, %o: memref<1x4xf32>) {
  call @cb(%w, %a, %o) : (memref<?xi8>, memref<1x64xf32>, memref<1x4xf32>) -> ()
  return
}

// -----

// Blocks of 6 elements (3 bytes) cannot hold a 32-bit word of codes: they
// keep the table decode, 16 signed magnitudes before the half scales.
// CHECK-LABEL: func.func @small_blocks
// CHECK: gpu.launch {{.*}} workgroup(%[[SMEM:.*]] : memref<272xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: nvvm.prmt
// CHECK: memref.load %[[SMEM]]
// CHECK-NOT: nvvm.prmt
// CHECK: gpu.terminator
func.func private @mx6(memref<?xi8>, memref<1x18xf32>, memref<1x2xf32>) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 18 : i64, n = 2 : i64, scheme = #qblock.scheme<mxfp4, block = 6>}}
func.func @small_blocks(%w: memref<?xi8>, %a: memref<1x18xf32>, %o: memref<1x2xf32>) {
  call @mx6(%w, %a, %o) : (memref<?xi8>, memref<1x18xf32>, memref<1x2xf32>) -> ()
  return
}
