//===- Passes.td - qblock conversion passes ----------------*- tablegen -*-===//

#ifndef QBLOCK_CONVERSION_PASSES_TD
#define QBLOCK_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertQBlockToCPU : Pass<"convert-qblock-to-cpu", "::mlir::ModuleOp"> {
  let summary = "Lower qblock ops to scf/vector/arith/memref loop nests";
  let description = [{
    Runs on tensors, before bufferization. Every quantized value becomes its
    packed bytes (`qblock.constant` -> an `arith.constant` of `i8`,
    `qblock.quantize` -> a loop nest that quantizes into a new buffer), and
    `qblock.matmul` / `qblock.dequantize` become loop nests over
    `bufferization.to_buffer` views of their operands that write a fresh
    buffer returned through `bufferization.to_tensor`.

    `qblock.matmul` decodes weights in registers, one block at a time: the
    block's dialect row of signed magnitudes is scaled once, codes are split
    into nibbles and looked up (`vpermps` through `llvm.call_intrinsic` for
    `target=avx512`/`avx2`, a `vector.gather` from the table otherwise), and
    the decoded vectors feed FMAs against de-interleaved activations. With
    bf16 activations on AVX512-BF16, one-row tiles instead decode to the
    unscaled bf16 magnitudes (`vpermw`), multiply with `vdpbf16ps`
    (`qblock.dot_bf16`) and scale each block's sum once. Output rows are
    distributed with `scf.parallel`. Weights are never dequantized to
    memory.

    Quantized values must not cross function boundaries: pass packed bytes
    as `tensor<Nxi8>` and view them with `qblock.from_storage`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"];
  let options = [
    Option<"target", "target", "std::string", "\"host\"",
           "Instruction set for the decode fast paths: generic, avx2, avx512 "
           "(AVX-512 with BW, VBMI, VNNI and BF16: Zen 4, Sapphire Rapids "
           "and later), or host (detect the machine running the compiler)">,
    Option<"w4a4TileRows", "w4a4-tile-rows", "int64_t", "0",
           "Activation rows from which a W4A4 matmul uses the tiled kernel "
           "(weight blocks decoded once per tile of columns and reused by "
           "all rows) instead of one output element at a time; both give "
           "identical results. 0 (default): 9 where the AVX-512 VNNI GEMV "
           "kernel applies, 4 elsewhere (a tuning and testing knob)">,
    Option<"lutTables", "lut-tables", "std::string", "\"f32\"",
           "Precision of LUT-GEMM's tables of partial sums: f32 (exact "
           "partial sums), or i8 (each group's tables quantized to int8 "
           "with one f32 scale, looked up with byte permutes and summed "
           "in int32: faster, with a small error, see docs/lut-gemm.md)">,
    Option<"kernelRemarks", "kernel-remarks", "bool", "true",
           "Report the kernel each op gets as optimization remarks in the "
           "category qblock-cpu (printed only where --remarks-filter asks "
           "for them). The GPU pipelines turn it off: the ops they leave "
           "to these loop nests are reported in qblock-gpu">,
  ];
}

def QBlockLowerLookups : Pass<"qblock-lower-lookups", "::mlir::ModuleOp"> {
  let summary = "Lower qblock.lookup, qblock.dot_bytes and qblock.dot_bf16 to target instructions";
  let description = [{
    Replaces every f32 `qblock.lookup` with `vpermps` (`llvm.call_intrinsic`
    of `llvm.x86.avx512.permvar.sf.512` for 16-entry tables and 16 lanes,
    `llvm.x86.avx2.permps` for 8 and 8, two of those and a blend per 8 lanes
    for 16-entry tables on AVX2) or, for 32-entry tables and 16 lanes on
    AVX-512, `vpermt2ps` (`llvm.x86.avx512.vpermi2var.ps.512`) when the
    target has it, and with one dynamic `vector.extract` per lane otherwise.
    On `target=avx512` (or a `host` with AVX512-VBMI and AVX512-VNNI), i8
    lookups become `vpermb` (`llvm.x86.avx512.permvar.qi.512`) and
    `qblock.dot_bytes` becomes
    `vpdpbusd` (`llvm.x86.avx512.vpdpbusd.512`); elsewhere per-lane
    extracts and shifts, multiplies and adds. On `target=avx512` (or a
    `host` with AVX512-BF16 and AVX512-BW), 32-entry bf16 lookups become
    `vpermw` (`llvm.x86.avx512.permvar.hi.512`) and `qblock.dot_bf16`
    becomes `vdpbf16ps` (`llvm.x86.avx512bf16.dpbf16ps.512`); elsewhere
    per-lane extracts and widening multiplies and adds. Runs after
    bufferization.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"target", "target", "std::string", "\"host\"",
           "generic, avx2, avx512, or host">,
  ];
}

def ConvertMatmulToGPU : Pass<"qblock-convert-matmul-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Hand W4A16/W4A4 qblock.matmul and qblock.lut_gemm ops to "
                "the GPU kernels (internal step of --qblock-gpu-pipeline)";
  let description = [{
    Runs on tensors, before `convert-qblock-to-cpu`. Every `qblock.matmul`
    the GPU kernels handle (f32, f16 or bf16 activations and result,
    block-quantized weights of static shape from `qblock.constant` or
    `qblock.from_storage`, no online activation quantization) becomes a
    call of a kernel stub: a private function declaration whose
    `qblock.gpu_matmul` attribute holds the scheme and the shape, called
    with the packed weight bytes (a read-only `bufferization.to_buffer`
    view), a copy of the activations and an output buffer that starts as a
    copy of `init`. A W4A4/W4A8 matmul (`act_scheme`, or activations from
    `qblock.quantize`, `qblock.from_storage` or `qblock.constant`) passes
    the activations' packed bytes instead, quantized right before the call
    by the run-time quantizer's loops where needed, and its stub attribute
    adds their scheme as `act_scheme`. A `qblock.lut_gemm` with such BCQ weights (and an
    f32, f16 or bf16 result) becomes a call of a `qblock.gpu_lut_gemm` stub (the BCQ scheme,
    K, N and, for batched weights, the batch) with the same three buffers.
    After bufferization, `qblock-gpu-matmul-kernels` replaces each call by
    the kernel's `gpu.launch`.

    The kernel is built after bufferization because buffer deallocation
    rejects the ops a kernel needs (`gpu.barrier` has no declared memory
    effects); the stub call is what crosses bufferization in its place.
    A weight quantized at run time (`qblock.quantize` of a block scheme)
    gets the run-time quantizer's loops before the call, as quantized
    activations do. Ops this pass leaves alone (weights of dynamic shape,
    INT8 right-hand sides) go to the generic loop nests.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect"];
}

def GPUMatmulKernels : Pass<"qblock-gpu-matmul-kernels", "::mlir::ModuleOp"> {
  let summary = "Build the GPU kernels behind qblock-convert-matmul-to-gpu's "
                "stubs (internal step of --qblock-gpu-pipeline)";
  let description = [{
    Runs on memrefs, after bufferization. Each call of a `qblock.gpu_matmul`
    stub becomes a `gpu.launch` (docs/gpu-lowering.md):

    - a warp per group of weight rows (output columns); its lanes read
      consecutive 16-byte chunks of the rows' packed codes (`vector.load`
      of `vector<16xi8>`, `ld.global.v4` in PTX) where the row length and
      block size allow, narrower chunks otherwise;
    - nibbles are decoded in registers: with `weight-decode=permute` (the
      default), the block's dialect is four words, the high bytes and then
      the low bytes of its 8 magnitudes' bf16 bits, and `prmt` byte
      permutes look up 4 codes at once and interleave each code's two
      bytes into an exact f32; with
      `weight-decode=table`, each code indexes a table of the book's signed
      magnitudes that each thread block copies into workgroup memory (the
      half scales of 8-bit scale codes are such a table either way);
    - per block, the products of magnitudes and activations are summed and
      multiplied by the block's half scale once;
    - lanes' sums are combined with `gpu.shuffle xor`, and lane 0 adds them
      to the output, which holds `init`;
    - M > 1 runs tiles of up to 4 activation rows per warp, each decoded
      weight serving every row of the tile; a dynamic M picks the M = 1 or
      the tiled kernel at run time;
    - with `act_scheme` in the stub attribute (W4A4, W4A8), the activations
      are packed bytes, and each block's exact integer dot product is
      multiplied by `unitA * unitW` once. With `weight-decode=permute` both
      operands' 4-bit codes become signed bytes by `prmt` (INT8 codes are
      bytes already) and `dp4a` sums the products in 32-bit integers; with
      `weight-decode=table` both decode to f32 (the activations' codes
      through their own part of the workgroup table, INT8 codes converted)
      and FMAs sum them;
    - with `tensor-cores`, W4A16 matmuls with f16 or bf16 activations (any
      M; a GEMV pads its row to the mma's 16) use `mma.sync.m16n8k16`
      instead: the fragments' k positions take
      contiguous inputs per lane, the B operand holds the decoded codes (a
      code byte is one register, built by byte permutes of the dialect's
      magnitudes, or with `weight-decode=table` looked up whole in a
      workgroup table), and
      each 32- or 16-input unit's f32 sum is multiplied by its block's half
      scale once; W4A4/W4A8 matmuls with the permute decode use
      `mma.sync.m16n8k32` (`m16n8k16` for blocks of 16) on signed bytes the
      same way, each unit's s32 sum converted and multiplied by
      `unitA * unitW` once.
      Matmuls it does not apply to keep the kernels above.

    Each call of a `qblock.gpu_lut_gemm` stub becomes the LUT-GEMM kernel:
    grid (tiles of 512 weight rows, chunks of 256 inputs along K, M); each
    thread block builds the mu = 8 tables of its chunk and activation row
    (32 x 256 f32 partial sums) in workgroup memory, then its warps read
    4-byte words of the rows' bit planes (8 lanes per row), look each byte
    up in its sub-vector's table, scale the plane sums by the group's
    alphas (and add the offset times the group's input sum), reduce a row's
    lanes with `gpu.shuffle xor` and add the chunk's result to the output
    with an atomic add.
  }];
  let options = [
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"false",
           "Run W4A16 matmuls with f16/bf16 activations, and W4A4/W4A8 "
           "matmuls, on tensor cores (mma.sync; not yet run on a GPU, so "
           "off by default)">,
    Option<"weightDecode", "weight-decode", "std::string",
           /*default=*/"\"permute\"",
           "How the W4A16 and W4A4 kernels decode 4-bit codes: permute "
           "(byte permutes of the dialect's magnitudes in registers; W4A4 "
           "then multiplies signed bytes with dp4a) or table (a "
           "workgroup-memory lookup per code, per code byte on tensor "
           "cores); the CUDA-core kernel's blocks of fewer than 8 elements "
           "always use the table">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"];
}

#endif // QBLOCK_CONVERSION_PASSES_TD
