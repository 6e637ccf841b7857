//===- KernelBuilding.h - IR pieces both GPU kernels use --------*- C++ -*-===//
//
// Internal to lib/Conversion/QBlockToGPU: small builders the W4A16 kernel
// (GPUMatmulKernels.cpp) and the LUT-GEMM kernel (LutGemmKernel.cpp) share.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_KERNELBUILDING_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_KERNELBUILDING_H

#include "qblock/Conversion/CUDALimits.h"
#include "qblock/Numerics/FormatBook.h"
#include "qblock/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>

namespace qblock::gpukernel {

constexpr int64_t kWarpSize = 32;
/// The most blocks a grid's y or z dimension may have.
constexpr int64_t kMaxGridBlocks = cuda::kMaxGridYZ;
/// Thread blocks a W4A16 launch should have at least: split-K cuts rows
/// into this many pieces of work when there are fewer row groups (about 8
/// per SM of a 132-SM Hopper; untuned, never measured).
constexpr int64_t kTargetBlocks = 1024;

/// Emits `body` inside `scf.if cond` (no results, no else).
inline void inThen(mlir::ImplicitLocOpBuilder &b, mlir::Value cond,
                   llvm::function_ref<void()> body) {
  auto ifOp = mlir::scf::IfOp::create(b, cond, /*withElseRegion=*/false);
  mlir::OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  body();
}

/// The index of element [batch,] row, column of an activations or output
/// buffer: the batch index only when the buffers have a batch dimension.
inline llvm::SmallVector<mlir::Value> bufferIndex(bool batched,
                                                  mlir::Value batch,
                                                  mlir::Value row,
                                                  mlir::Value column) {
  llvm::SmallVector<mlir::Value> index;
  if (batched)
    index.push_back(batch);
  index.push_back(row);
  index.push_back(column);
  return index;
}

/// a * x + c rounded once. llvm.intr.fma, not math.fma: convert-gpu-to-nvvm
/// turns math.fma into a libdevice call (see ExpandMathForGPU.cpp).
inline mlir::Value fma(mlir::ImplicitLocOpBuilder &b, mlir::Value a,
                       mlir::Value x, mlir::Value c) {
  return mlir::LLVM::FMAOp::create(b, a, x, c);
}

/// c + the dot product of the four signed bytes of the i32 `a` with those
/// of the i32 `x` (`dp4a.s32.s32`), wrapping in 32 bits.
mlir::Value dp4a(mlir::ImplicitLocOpBuilder &b, mlir::Value a, mlir::Value x,
                 mlir::Value c);

/// The f32 sum of `value` over each aligned group of `lanes` consecutive
/// lanes of a 32-lane warp (a power of two; 32: the whole warp), in every
/// lane of the group: a butterfly of gpu.shuffle xor. Every lane of the
/// warp must reach it.
inline mlir::Value sumOverLanes(mlir::ImplicitLocOpBuilder &b,
                                mlir::Value value, int64_t lanes) {
  mlir::Value width = mlir::arith::ConstantIntOp::create(b, b.getI32Type(), 32);
  for (int64_t offset = lanes / 2; offset > 0; offset /= 2) {
    mlir::Value mask =
        mlir::arith::ConstantIntOp::create(b, b.getI32Type(), offset);
    mlir::Value other =
        mlir::gpu::ShuffleOp::create(b, value, mask, width,
                                     mlir::gpu::ShuffleMode::XOR)
            .getShuffleResult();
    value = mlir::arith::AddFOp::create(b, value, other);
  }
  return value;
}

/// Every one of `threads` threads (`tid` its index) copies a strided share
/// of the 1-D `global` into `shared`, of the same size; the caller adds the
/// barrier after.
void copyToWorkgroup(mlir::ImplicitLocOpBuilder &b, mlir::Value global,
                     mlir::Value shared, mlir::Value tid, int64_t threads);

/// Calls `launch(first, rows)` inside a loop over `m` rows in slabs of at
/// most `slabRows` (a grid dimension holds at most kMaxGridBlocks blocks);
/// nothing runs for m = 0.
void forEachSlab(mlir::ImplicitLocOpBuilder &b, mlir::Value m,
                 int64_t slabRows,
                 llvm::function_ref<void(mlir::Value first, mlir::Value rows)>
                     launch);

/// The f16 (`bf16` false) or bf16 bits of `value` when that type holds it
/// exactly (NaN: the quiet NaN), nothing otherwise.
std::optional<uint16_t> exactHalfBits(float value, bool bf16);

/// The signed magnitude (half units) of 4-bit `code` (bit 3: the sign) in
/// dialect `d` of `book`; NaN for ids past the book (only a corrupt buffer
/// holds them, and the numerics core decodes those to NaN too).
float signedMagnitude(const numerics::FormatBook &book, int64_t d, int code);

/// out[index] += total (f32): an atomic add when other thread blocks add to
/// the same element (split K); else read, add and write, an f16/bf16 output
/// widened, added to in f32 and rounded once.
void addToOutput(mlir::ImplicitLocOpBuilder &b, mlir::Value out,
                 mlir::ValueRange index, mlir::Value total, bool atomic);

/// A private f32 constant global of `values` named __qblock_gpu_decode_
/// + their hash (getOrCreateConstantTable).
llvm::StringRef getOrCreateDecodeTable(mlir::ImplicitLocOpBuilder &b,
                                       mlir::ModuleOp module,
                                       mlir::SymbolTable &symbols,
                                       llvm::ArrayRef<float> values);

/// A private constant global of `values` (a 1-D tensor) named `prefix` +
/// the hash of their bytes, so each table exists once per module (each kind
/// of table has a prefix of its own). Kernel
/// outlining copies it into the GPU module of every kernel that reads it.
llvm::StringRef getOrCreateConstantTable(mlir::ImplicitLocOpBuilder &b,
                                         mlir::ModuleOp module,
                                         mlir::SymbolTable &symbols,
                                         mlir::DenseElementsAttr values,
                                         llvm::StringRef prefix);

/// The 4-bit dialect id (as i8) of block `block`, whose nibble is in the byte
/// at `offset` of `buffer`: even blocks sit in the low nibble, odd blocks in
/// the high one (docs/formats.md section 7).
mlir::Value loadDialectId(mlir::ImplicitLocOpBuilder &b, mlir::Value buffer,
                          mlir::Value offset, mlir::Value block);

/// Whether the dialect id `id` (index) names one of `book`'s dialects (i1),
/// or null where no id can name a padding dialect (no id, or a book of all
/// 16 ids): only a corrupt buffer names one past a custom book's last.
mlir::Value paddingIdValid(mlir::ImplicitLocOpBuilder &b,
                           const numerics::FormatBook &book, mlir::Value id);

/// `value` (f32), or NaN where `id` names a padding dialect of `book`
/// (paddingIdValid), as the numerics core decodes such a block.
mlir::Value nanForPaddingId(mlir::ImplicitLocOpBuilder &b,
                            const numerics::FormatBook &book, mlir::Value id,
                            mlir::Value value);

/// 0.5 * the scale whose code is at `offset` of `buffer` (f32,
/// numerics::halfScale): an 8-bit code indexes the f32 workgroup `table`
/// from `tableBase`; an F16 scale (two bytes, little endian) is converted.
mlir::Value loadHalfScale(mlir::ImplicitLocOpBuilder &b, mlir::Value buffer,
                          mlir::Value offset, numerics::ScaleKind kind,
                          mlir::Value table, int64_t tableBase);

} // namespace qblock::gpukernel

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_KERNELBUILDING_H
