// The prefetches that run a tile or more ahead of a GEMV fill every cache
// level, except for target=host on a Zen 4, where filling L2 only measured
// faster (TargetInfo::farPrefetchLocality in
// lib/Conversion/QBlockToCPU/TargetInfo.h).
// The locality follows the machine only for target=host: an explicit
// target keeps every level wherever it is compiled.
// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx512 -split-input-file | FileCheck %s --check-prefix=EVERY
// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx2 -split-input-file | FileCheck %s --check-prefix=EVERY
// RUN: quant-opt %s --convert-qblock-to-cpu=target=host -split-input-file \
// RUN:   | FileCheck %s --check-prefix=%if host-cpu-znver4 %{L2%} %else %{EVERY%}

// EVERY-LABEL: func.func @gemv
// EVERY: memref.prefetch %{{.*}}, read, locality<3>, data : memref<1152xi8>
// EVERY-NOT: locality<2>
// L2-LABEL: func.func @gemv
// L2: memref.prefetch %{{.*}}, read, locality<2>, data : memref<1152xi8>
// L2-NOT: locality<3>
func.func @gemv(%a: tensor<1x64xf32>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}

// -----

// EVERY-LABEL: func.func @lut_gemv
// EVERY: memref.prefetch %{{.*}}, read, locality<3>, data : memref<3584xi8>
// EVERY-NOT: locality<2>
// L2-LABEL: func.func @lut_gemv
// L2: memref.prefetch %{{.*}}, read, locality<2>, data : memref<3584xi8>
// L2-NOT: locality<3>
func.func @lut_gemv(%x: tensor<1x512xf32>, %w: tensor<3584xi8>, %init: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %q = qblock.from_storage %w : tensor<3584xi8> -> !qblock.qtensor<512x16xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%x, %q : tensor<1x512xf32>, !qblock.qtensor<512x16xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %r : tensor<1x16xf32>
}
