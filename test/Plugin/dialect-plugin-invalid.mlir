// The plugin's dialect verifies with qblock's diagnostics.
// Debian's mlir-opt cannot load an ASan-instrumented plugin.
// UNSUPPORTED: sanitized
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin %s -split-input-file -verify-diagnostics

// expected-error @+1 {{axis 0 has size 48, which is not a multiple of the block size 32; use a block size that divides 48 (the largest below 32 is 24)}}
func.func @bad_block(%x: !qblock.qtensor<48x8xf32, #qblock.scheme<mxfp4>, axis = 0>) {
  return
}

// -----

// expected-error @+1 {{unknown scheme 'fp3'}}
func.func @bad_scheme(%x: !qblock.qtensor<64x8xf32, #qblock.scheme<fp3>, axis = 0>) {
  return
}
