//===- Pipelines.h - qblock end-to-end pipelines ----------------*- C++ -*-===//

#ifndef QBLOCK_PIPELINES_PIPELINES_H
#define QBLOCK_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <optional>
#include <string>

namespace qblock {

struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Decode fast paths: generic, avx2, avx512 (with BW, "
                     "VBMI, VNNI and BF16), or host (ask the machine)"),
      llvm::cl::init("host")};
  Option<std::string> lutTables{
      *this, "lut-tables",
      llvm::cl::desc("LUT-GEMM table precision: f32 (exact partial sums) or "
                     "i8 (int8 tables, byte permutes; see docs/lut-gemm.md)"),
      llvm::cl::init("f32")};
  Option<bool> cpuCheck{
      *this, "cpu-check",
      llvm::cl::desc("On x86, public functions first check (once, with "
                     "cpuid) that the CPU has the features they were "
                     "compiled for, and exit with a message if not; a JIT "
                     "that runs the output must initialize the native asm "
                     "parser, as mlir-runner does"),
      llvm::cl::init(true)};
};

/// qblock (mixed with func/arith/tensor/linalg/memref) down to the LLVM
/// dialect: qblock-select-formats (constant weights quantized at compile
/// time), convert-qblock-to-cpu, one-shot bufferization across function
/// boundaries, buffer deallocation, loops, scf.parallel -> OpenMP, LLVM.
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options);

/// What is wrong with `options` (an unknown target or table precision), in
/// words that say what to use instead; empty when buildCPUPipeline can take
/// them.
std::string checkCPUPipelineOptions(const CPUPipelineOptions &options);

struct GPUPipelineOptions
    : public mlir::PassPipelineOptions<GPUPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("NVIDIA GPU architecture"),
                           llvm::cl::init("sm_90a")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("isa (PTX, needs no CUDA) or bin (cubin, uses ptxas)"),
      llvm::cl::init("isa")};
  Option<bool> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc("W4A16 matmuls with f16/bf16 activations, and W4A4/W4A8 "
                     "matmuls, on tensor cores (mma.sync); not yet run on a "
                     "GPU, so off by default"),
      llvm::cl::init(false)};
  Option<std::string> weightDecode{
      *this, "weight-decode",
      llvm::cl::desc("How the W4A16 and W4A4 kernels decode 4-bit codes: "
                     "permute (prmt byte permutes in registers; W4A4 then "
                     "multiplies signed bytes with dp4a) or table (a "
                     "workgroup-memory lookup per code or code byte)"),
      llvm::cl::init("permute")};
};

/// qblock down to the LLVM dialect plus gpu.binary for NVIDIA GPUs
/// (constant weights quantized at compile time): W4A16, W4A4 and LUT-GEMM
/// matmuls get their own kernels, the rest the first, correctness-first
/// kernels (see lib/Pipelines/GPUPipeline.cpp). `options` must pass
/// checkGPUPipelineOptions.
void buildGPUPipeline(mlir::OpPassManager &pm,
                      const GPUPipelineOptions &options);

/// --qblock-gpu-emulation-pipeline: the GPU pipeline's options and one of
/// its own.
struct GPUEmulationPipelineOptions : public GPUPipelineOptions {
  Option<bool> bankConflicts{
      *this, "bank-conflicts",
      llvm::cl::desc("Also count the kernels' shared-memory bank "
                     "conflicts, printed on stderr at exit (the "
                     "qblock-emulate-gpu-on-cpu pass's option of that "
                     "name; docs/gpu-lowering.md)"),
      llvm::cl::init(false)};
};

/// For testing the GPU kernels where there is no GPU: the kernels
/// buildGPUPipeline builds, with every thread block run as a team of CPU
/// threads (lib/Pipelines/EmulateGPUOnCPU.cpp), down to the LLVM dialect
/// for the host. The code calls libqblock_gpu_emulator.so and libomp.
void buildGPUEmulationPipeline(mlir::OpPassManager &pm,
                               const GPUEmulationPipelineOptions &options);
/// What is wrong with `options` (an unsupported chip or format, tensor
/// cores on a chip without mma.sync for f16/bf16), in words that say what
/// to use instead; empty when buildGPUPipeline can take them.
std::string checkGPUPipelineOptions(const GPUPipelineOptions &options);

/// checkGPUPipelineOptions, and for format=bin that ptxas can be found
/// (findPtxasToolkit): what qblock-gpu-pipeline checks when it is parsed.
std::string checkGPUCompilePipelineOptions(const GPUPipelineOptions &options);

/// Where ptxas is for format=bin: "" when gpu-module-to-binary's own search
/// (PATH, then the toolkit $CUDA_ROOT, $CUDA_HOME or $CUDA_PATH names)
/// finds it, the default CUDA toolkit directory (/usr/local/cuda) when only
/// that has it, with its libdevice (buildGPUPipeline then names it to
/// gpu-module-to-binary), std::nullopt when there is none.
std::optional<std::string> findPtxasToolkit();

/// The PTX ISA version the pipeline emits for `chip` (e.g. "ptx80" for
/// sm_90a): the oldest one that has the chip, so that the PTX JIT of older
/// drivers accepts it. Empty for chips the pipeline does not support.
llvm::StringRef ptxVersionFor(llvm::StringRef chip);

/// Registers --qblock-cpu-pipeline, --qblock-gpu-pipeline and
/// --qblock-gpu-emulation-pipeline.
void registerQBlockPipelines();

} // namespace qblock

#endif // QBLOCK_PIPELINES_PIPELINES_H
