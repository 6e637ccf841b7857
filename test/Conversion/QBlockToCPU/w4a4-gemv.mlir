// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx512 | FileCheck %s
// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx2 | FileCheck %s --check-prefix=AVX2

// Few activation rows (below w4a4-tile-rows) with AVX-512 byte ops: the
// integer GEMV kernel. A byte table with one 32-byte row per dialect-id byte
// (both blocks of a pair): the even block's dialect magnitudes + 128, then
// the odd block's. Row 0x00 (dialect 0 twice: codes 0-7 are 0x80 + 0, 1,
// 2, 3, 4, 6, 11, 15; codes 8-15 the negatives) and row 0x01 (dialect 1,
// whose code 6 is 9, for the even block) start it. Activations are packed
// once per pair of blocks; per column a block pair's 32 code bytes go into
// both halves of a vector, the upper half shifted by 4 (low nibbles, then
// high ones), masked, the odd block's bytes moved to entries 16-31; one
// vpermb lookup in the row the id byte selects and one vpdpbusd. Sixteen
// columns' lane sums are reduced by shuffles and adds to each block's dots,
// the bias 128 x (activation block sum) subtracted, E8M0 weight scales
// decoded arithmetically ((code - 1) << 23), and per column
// acc + float(dot) * (unitA * unitW).
// CHECK: memref.global "private" constant @__qblock_pair_table_{{.*}} : memref<8224xi8> = dense<"0x8081828384868B8F807F7E7D7C7A75718081828384868B8F807F7E7D7C7A7571808182838486898F807F7E7D7C7A7771
// CHECK-LABEL: func.func @gemv
// CHECK: scf.parallel
// CHECK: vector.reduction <add>
// CHECK: arith.shli %{{.*}}, %c7_i32
// CHECK: scf.parallel
// CHECK: %[[CODES:.*]] = vector.load %{{.*}} : memref<4480xi8>, vector<32xi8>
// CHECK: %[[BOTH:.*]] = vector.shuffle %[[CODES]], %[[CODES]] [0, 1, {{.*}}, 30, 31, 0, 1, {{.*}}, 30, 31]
// CHECK: %[[WORDS:.*]] = vector.bitcast %[[BOTH]] : vector<64xi8> to vector<32xi16>
// CHECK: arith.shrui %[[WORDS]], %{{.*}} : vector<32xi16>
// CHECK: arith.andi
// CHECK: %[[INDICES:.*]] = arith.ori
// CHECK: %[[ROW:.*]] = vector.load %{{.*}} : memref<8224xi8>, vector<64xi8>
// CHECK: %[[WEIGHTS:.*]] = qblock.lookup %[[ROW]][%[[INDICES]]] : vector<64xi8>, vector<64xi8> -> vector<64xi8>
// CHECK: qblock.dot_bytes %{{.*}}, %[[WEIGHTS]], %{{.*}} : vector<16xi32>, vector<64xi8>
// CHECK-COUNT-15: qblock.dot_bytes
// CHECK-COUNT-14: arith.addi %{{.*}} : vector<16xi32>
// CHECK: vector.shuffle %{{.*}} : vector<16xi32>, vector<16xi32>
// CHECK: vector.shuffle %{{.*}} : vector<16xi32>, vector<16xi32>
// CHECK: vector.load %{{.*}} : memref<4480xi8>, vector<2xi8>
// CHECK: arith.shli %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: arith.subi %{{.*}} : vector<16xi32>
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.mulf
// CHECK: arith.addf %{{.*}} : vector<16xf32>
// Without VNNI/VBMI, the per-element kernel.
// AVX2-LABEL: func.func @gemv
// AVX2-NOT: qblock.dot_bytes
// AVX2-NOT: __qblock_pair_table
func.func @gemv(%x: tensor<1x128xf32>, %w: tensor<4480xi8>, %init: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %q = qblock.from_storage %w : tensor<4480xi8> -> !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%x, %q : tensor<1x128xf32>, !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x64xf32>) {act_scheme = #qblock.scheme<blockdialect, select = two_stage>} -> tensor<1x64xf32>
  return %r : tensor<1x64xf32>
}
