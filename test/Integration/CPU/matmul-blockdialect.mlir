// W4A16 matmuls with blockdialect weights, compiled for every target and run; outputs
// are checked against activations times the weights as decoded by the
// numerics core (check_matmul.py, double precision, rtol 1e-5): a wrong
// scale, dialect table, nibble order or layout fails by orders of magnitude.
//
// DEFINE: %{target} = host
// DEFINE: %{block} = 32
// DEFINE: %{run} = quant-opt %t.mlir --qblock-quantize-linalg="scheme=blockdialect block=%{block}" --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && qblock-inspect %t.q.mlir --values --blocks=0 > %t.w \
// DEFINE:   && quant-opt %t.q.mlir --qblock-cpu-pipeline="target=%{target}" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out \
// DEFINE:   && %python %S/Inputs/check_matmul.py %t.out %t.json %t.w | FileCheck %s
// CHECK: check_matmul: PASS

// GEMM with odd M and N.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 13 --k 64 --seed 11 --acts-out %t.json > %t.mlir
// The AVX-512 kernels run only where the CPU has AVX-512 (lit feature).
// REDEFINE: %{target} = avx512
// RUN: %if cpu-avx512 %{ %{run} %}
// REDEFINE: %{target} = avx2
// RUN: %{run}
// REDEFINE: %{target} = generic
// RUN: %{run}

// GEMV (M = 1) with outlier weights, transposed (N x K) weight.
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 37 --k 256 --transposed --outliers --seed 12 --acts-out %t.json > %t.mlir
// REDEFINE: %{target} = host
// RUN: %{run}

// A GEMV whose M is dynamic (1 at run time): whole-row tiles with their
// later-tile prefetches; K = 2080 has an odd number of blocks (one block
// per iteration), K = 4096 an even one (two blocks sharing an id byte).
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 37 --k 2080 --dynamic-m --seed 17 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 21 --k 4096 --dynamic-m --seed 18 --acts-out %t.json > %t.mlir
// RUN: %{run}

// More than one activation row and K = 2112: three K chunks (32, 32 and 2
// blocks), so block pairs and their shared id byte start past block 0.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 13 --k 2112 --seed 19 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 9 --n 6 --k 2112 --seed 20 --acts-out %t.json > %t.mlir
// RUN: %{run}

// 16-element blocks: on AVX-512 two blocks decode as one vector with both
// dialects' rows in one table (GEMV and GEMM, dynamic M), elsewhere 8
// lanes; K = 48 has an odd number of blocks (no pairs).
// REDEFINE: %{block} = 16
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 21 --k 256 --dynamic-m --outliers --seed 21 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 5 --n 19 --k 2080 --seed 22 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 7 --k 48 --seed 23 --acts-out %t.json > %t.mlir
// RUN: %{run}
// REDEFINE: %{target} = avx2
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 9 --k 256 --seed 24 --acts-out %t.json > %t.mlir
// RUN: %{run}
// REDEFINE: %{target} = host
// REDEFINE: %{block} = 32

// Dynamic M, 9 rows (exercises the 4-row tiles and their remainder).
// RUN: %python %S/Inputs/gen_matmul.py --m 9 --n 20 --k 128 --dynamic-m --seed 13 --acts-out %t.json > %t.mlir
// RUN: %{run}
// Dynamic M = 15: one 8-row group, then groups of 4, 2 and 1 rows (M mod 8
// chosen at run time), over three K chunks, on every target; static M = 6
// (groups of 4 and 2) with 16-element blocks decoded in pairs.
// RUN: %python %S/Inputs/gen_matmul.py --m 15 --n 11 --k 2112 --dynamic-m --seed 26 --acts-out %t.json > %t.mlir
// RUN: %{run}
// REDEFINE: %{target} = avx2
// RUN: %{run}
// REDEFINE: %{target} = generic
// RUN: %{run}
// REDEFINE: %{target} = avx512
// REDEFINE: %{block} = 16
// RUN: %python %S/Inputs/gen_matmul.py --m 6 --n 9 --k 2080 --seed 27 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512 %{ %{run} %}
// REDEFINE: %{block} = 32
// REDEFINE: %{target} = host

// Batched, transposed, dynamic M.
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 5 --k 64 --batch 3 --transposed --dynamic-m --seed 14 --acts-out %t.json > %t.mlir
// RUN: %{run}
// An N x K constant turned K x N by linalg.transpose (torch-mlir's
// nn.Linear): the constant is quantized in its own layout, with K last,
// and the transpose goes; plain and batched.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 11 --k 96 --transpose-op --seed 41 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: quant-opt %t.mlir --qblock-quantize-linalg | FileCheck %s --check-prefix=NOTRANSPOSE
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 5 --k 64 --batch 2 --transpose-op --seed 42 --acts-out %t.json > %t.mlir
// RUN: %{run}
// The same transpose as a linalg.generic copy (older torch-mlir's aten.t),
// and an f16 constant widened by a linalg.generic extf (an f16 parameter in
// an f32 model), alone or in the transposing generic: both lose nothing, so
// the constant is quantized in its own layout and type. They stayed in
// float with a remark to run -canonicalize, which folds neither.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 11 --k 96 --transpose-op generic --seed 45 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: quant-opt %t.mlir --qblock-quantize-linalg | FileCheck %s --check-prefix=NOTRANSPOSE
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 5 --k 64 --batch 2 --transpose-op generic --widen-weight --seed 46 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 9 --k 64 --widen-weight --seed 47 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: quant-opt %t.mlir --qblock-quantize-linalg | FileCheck %s --check-prefix=WIDENED
// One 2-D weight shared by every batch (torch.matmul of a 3-D activation
// and a 2-D weight): by batch_matmul's B map, or by a linalg.broadcast of
// the constant; the leading dimensions collapse into one M and the weight
// is quantized once.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 21 --k 64 --batch 2 --shared-weight map --dynamic-m --seed 43 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 5 --n 19 --k 96 --batch 3 --shared-weight broadcast --transposed --seed 44 --acts-out %t.json > %t.mlir
// RUN: %{run}
// nn.Linear on a 3-D input as torch-mlir lowers it: the N x K constant
// transposed, then broadcast over the batch (it used to stay in float).
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 11 --k 64 --batch 2 --shared-weight broadcast --transpose-op --dynamic-m --seed 48 --acts-out %t.json > %t.mlir
// RUN: %{run}
// Batch and M both dynamic: the product goes back through tensor.reshape.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 21 --k 64 --batch 2 --shared-weight map --dynamic-m --dynamic-batch --seed 47 --acts-out %t.json > %t.mlir
// RUN: %{run}
// GEMV on vectors: linalg.matvec (torch.mv, W: N x K, here with a
// dynamic K) and linalg.vecmat (W: K x N) run as 1 x K rows.
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 37 --k 128 --vector matvec --dynamic-k --seed 45 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 21 --k 64 --vector vecmat --seed 46 --acts-out %t.json > %t.mlir
// RUN: %{run}
// NOTRANSPOSE: qblock.quantize %{{.*}} : tensor<11x96xf32> -> !qblock.qtensor<11x96xf32, #qblock.scheme<blockdialect>, axis = 1>
// NOTRANSPOSE-NOT: linalg.transpose
// NOTRANSPOSE-NOT: linalg.generic
// WIDENED: qblock.quantize %{{.*}} : tensor<64x9xf16> -> !qblock.qtensor<64x9xf16, #qblock.scheme<blockdialect>, axis = 0>
// WIDENED-NOT: linalg.generic
// Batched with dynamic M = 9 and K = 2048: the de-interleaved activation
// rows are padded (4 KiB half-rows, otherwise all at one offset modulo
// 4 KiB) and each batch's rows go through one 8-row group and a leftover
// row.
// RUN: %python %S/Inputs/gen_matmul.py --m 9 --n 6 --k 2048 --batch 2 --dynamic-m --seed 25 --acts-out %t.json > %t.mlir
// RUN: %{run}

// f16 and bf16 activations (and weights); results accumulate in f32.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 8 --k 64 --act-type f16 --seed 15 --acts-out %t.json > %t.mlir
// RUN: %{run}
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 8 --k 96 --act-type bf16 --transposed --seed 16 --acts-out %t.json > %t.mlir
// RUN: %{run}
// f16 and bf16 results (and activations), as a half model's matmul comes:
// the kernels sum into an f32 copy of init and each output is rounded
// once, at the end, so each output is within half an ulp (in its format)
// of the reference (check_matmul --rounded-to; until 2026-12-04 the bound
// was a fraction of the largest output that a correctly rounded output can
// exceed, so these checks passed by their seeds); rounding the partial
// sums of each K chunk (8 chunks here) would exceed it. The
// elementwise arith.extf that widens the result for printing goes through
// convert-elementwise-to-linalg. A GEMV (whole rows) and a chunked GEMM.
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 13 --k 256 --act-type f16 --out-type f16 --seed 17 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats -o %t.q.mlir
// RUN: qblock-inspect %t.q.mlir --values --blocks=0 > %t.w
// RUN: quant-opt %t.q.mlir --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out
// RUN: %python %S/Inputs/check_matmul.py %t.out %t.json %t.w --rounded-to f16 | FileCheck %s
// RUN: %python %S/Inputs/gen_matmul.py --m 9 --n 13 --k 8192 --act-type bf16 --out-type bf16 --seed 18 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats -o %t.q.mlir
// RUN: qblock-inspect %t.q.mlir --values --blocks=0 > %t.w
// RUN: quant-opt %t.q.mlir --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out
// RUN: %python %S/Inputs/check_matmul.py %t.out %t.json %t.w --rounded-to bf16 | FileCheck %s
// The same for LUT-GEMM (f16, M = 3, 2 groups per row and tile).
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 21 --k 512 --act-type f16 --out-type f16 --seed 19 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=256" --qblock-select-formats -o %t.q.mlir
// RUN: qblock-inspect %t.q.mlir --values --blocks=0 > %t.w
// RUN: quant-opt %t.q.mlir --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out
// RUN: %python %S/Inputs/check_matmul.py %t.out %t.json %t.w --rounded-to f16 | FileCheck %s

// bf16 activations on AVX-512 with BF16 (target=avx512, or a host that has
// it): one-row tiles multiply them in bf16 (vpermw of the unscaled dialect
// row, vdpbf16ps, one scale per block). A GEMV with odd N and an odd
// number of blocks (K = 2080: one block per iteration), dynamic M with an
// even number (two blocks sharing an id byte), M = 9 (one f32 8-row tile
// and a bf16 leftover row), M = 8, a batched transposed case, blocks of 64 (two
// dot products per block), and a NaN activation (only its row is NaN).
// REDEFINE: %{target} = avx512
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 37 --k 2080 --act-type bf16 --outliers --seed 31 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 21 --k 4096 --act-type bf16 --dynamic-m --seed 32 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// RUN: %python %S/Inputs/gen_matmul.py --m 9 --n 13 --k 2112 --act-type bf16 --seed 33 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// M = 8 exactly: one 8-row tile, which needs the f32 copy (M >= 2).
// RUN: %python %S/Inputs/gen_matmul.py --m 8 --n 13 --k 256 --act-type bf16 --dynamic-m --seed 37 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// M = 7, dynamic: f32 groups of 4 and 2 rows, then one bf16 row.
// RUN: %python %S/Inputs/gen_matmul.py --m 7 --n 13 --k 2112 --act-type bf16 --dynamic-m --seed 38 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 6 --k 256 --batch 2 --transposed --dynamic-m --act-type bf16 --seed 34 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// REDEFINE: %{block} = 64
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 19 --k 640 --act-type bf16 --seed 35 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// REDEFINE: %{block} = 32
// Activations outside the bf16 tiles' range take the f32 path
// (emitBF16RangeCheck), here in a GEMV and in M = 3's last row. Large
// ones against small weights, whose unscaled block sums (about 2^125)
// overflowed to inf in bf16 although every output is finite; and
// subnormal ones against large weights, which vdpbf16ps flushed to zero.
// REDEFINE: %{target} = avx512
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 19 --k 256 --act-type bf16 --act-scale 3e37 --weight-std 1e-6 --seed 39 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 19 --k 256 --act-type bf16 --act-scale 1e-38 --weight-std 1e6 --seed 40 --acts-out %t.json > %t.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// The last module compiled for the host: it takes the bf16 path when the
// CPU has AVX512-BF16, the f32 one otherwise.
// REDEFINE: %{target} = host
// RUN: %{run}
// A NaN activation (out of the bf16 range: the whole call runs in f32):
// exactly its output row is NaN, and every other output
// agrees with the f32 kernel (target=generic).
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 21 --k 256 --act-type bf16 --nan-row 1 --seed 36 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats -o %t.q.mlir
// RUN: quant-opt %t.q.mlir --qblock-cpu-pipeline="target=generic" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.generic.out
// RUN: %if cpu-avx512-bf16 %{ quant-opt %t.q.mlir --qblock-cpu-pipeline="target=avx512" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.bf16.out %}
// RUN: %if cpu-avx512-bf16 %{ %python %S/Inputs/check_close.py %t.bf16.out %t.generic.out --expect-nan-rows 1 | FileCheck %s --check-prefix=NAN %}
// NAN: check_close: PASS
