// The bf16 helpers of the W4A16 kernel, run on constants through each
// lowering: qblock.lookup of a 32-entry bf16 table (indices taken mod 32)
// and qblock.dot_bf16 (pairs of products added to f32 lanes). The expected
// lanes are acc[i] + w[2i] a[2i] + w[2i+1] a[2i+1], worked out by hand from
// the constants below; vpermw + vdpbf16ps (avx512) and the portable
// lowering (generic; folded to constants by the pipeline) must both give
// them.
//
// DEFINE: %{target} = generic
// DEFINE: %{run} = quant-opt %s --qblock-cpu-pipeline=target=%{target} \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: %{run}
// REDEFINE: %{target} = avx512
// RUN: %if cpu-avx512-bf16 %{ %{run} %}

// CHECK: ( -4.5, -10.25, 24, 34.25, 44.5, 54.75, -47, -52.75, -58.5, -64.25, 98, 108.25, 118.5, 128.75, -101, -106.75 )
func.func @main() {
  // Entries 0-15: -8 .. 7, repeated in 16-31.
  %row = arith.constant dense<[-8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, -8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : vector<32xbf16>
  // (7j + 3) mod 64: half of them past the table's 32 entries.
  %idx = arith.constant dense<[3, 10, 17, 24, 31, 38, 45, 52, 59, 2, 9, 16, 23, 30, 37, 44, 51, 58, 1, 8, 15, 22, 29, 36, 43, 50, 57, 0, 7, 14, 21, 28]> : vector<32xi16>
  // (-1)^j (j + 1) / 2.
  %a = arith.constant dense<[0.5, -1.0, 1.5, -2.0, 2.5, -3.0, 3.5, -4.0, 4.5, -5.0, 5.5, -6.0, 6.5, -7.0, 7.5, -8.0, 8.5, -9.0, 9.5, -10.0, 10.5, -11.0, 11.5, -12.0, 12.5, -13.0, 13.5, -14.0, 14.5, -15.0, 15.5, -16.0]> : vector<32xbf16>
  %acc = arith.constant dense<[0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75]> : vector<16xf32>
  %w = qblock.lookup %row[%idx] : vector<32xbf16>, vector<32xi16> -> vector<32xbf16>
  %r = qblock.dot_bf16 %acc, %w, %a : vector<16xf32>, vector<32xbf16>
  vector.print %r : vector<16xf32>
  return
}
