// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx512 | FileCheck %s
// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx2 | FileCheck %s --check-prefix=AVX2

// Few activation rows (below w4a4-tile-rows) with AVX-512 byte ops: the
// integer GEMV kernel. A byte table of dialect magnitudes + 128 (entry 8 of
// dialect 0: codes 0-7 are 0x80 + 0, 1, 2, 3, 4, 6, 11, 15; codes 8-15 the
// negatives, 0x80 - ...), activations
// packed once per pair of blocks, one vpermb lookup and one vpdpbusd per
// column and pair of blocks, the 16 columns' lane sums transposed, the bias
// 128 x (activation block sum) subtracted, and per column
// acc + float(dot) * (unitA * unitW).
// CHECK: memref.global "private" constant @__qblock_byte_table_{{.*}} : memref<256xi8> = dense<"0x8081828384868B8F807F7E7D7C7A7571
// CHECK-LABEL: func.func @gemv
// CHECK: scf.parallel
// CHECK: vector.reduction <add>
// CHECK: arith.shli %{{.*}}, %c7_i32
// CHECK: scf.parallel
// CHECK: qblock.lookup %{{.*}}[%{{.*}}] : vector<64xi8>, vector<64xi8> -> vector<64xi8>
// CHECK-COUNT-16: qblock.dot_bytes
// CHECK: arith.subi
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.mulf
// CHECK: arith.addf %{{.*}} : vector<16xf32>
// Without VNNI/VBMI, the per-element kernel.
// AVX2-LABEL: func.func @gemv
// AVX2-NOT: qblock.dot_bytes
// AVX2-NOT: __qblock_byte_table
func.func @gemv(%x: tensor<1x128xf32>, %w: tensor<4480xi8>, %init: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %q = qblock.from_storage %w : tensor<4480xi8> -> !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%x, %q : tensor<1x128xf32>, !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x64xf32>) {act_scheme = #qblock.scheme<blockdialect, select = two_stage>} -> tensor<1x64xf32>
  return %r : tensor<1x64xf32>
}
