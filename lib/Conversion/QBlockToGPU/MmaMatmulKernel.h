//===- MmaMatmulKernel.h - Matmuls on tensor cores --------------*- C++ -*-===//
//
// Internal to lib/Conversion/QBlockToGPU: the tensor-core (mma.sync) variant
// of the matmul kernels: W4A16 for f16/bf16 activations, and W4A4/W4A8 for
// packed 4-bit or INT8 activations through integer mma (docs/gpu-lowering.md,
// "Tensor cores"). GPUMatmulKernels.cpp asks
// planMmaMatmul whether a stub qualifies and launches it with
// emitMmaMatmul.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_MMAMATMULKERNEL_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_MMAMATMULKERNEL_H

#include "PermuteDecode.h"

#include "qblock/Numerics/BlockQuant.h"
#include "qblock/Numerics/Layout.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

#include <optional>
#include <string>
#include <vector>

namespace qblock::gpukernel {

/// Everything about a tensor-core kernel fixed at compile time.
struct MmaPlan {
  explicit MmaPlan(numerics::Scheme scheme) : scheme(std::move(scheme)) {}
  numerics::Scheme scheme;
  numerics::BlockLayout layout;
  int64_t k = 0, n = 0, batch = 1;
  bool batched = false;
  /// Packed weight rows (batch * n).
  int64_t rows = 0;
  /// Activations (f16 or bf16, the mma operand type; null for packed
  /// activations) and output (f32, f16 or bf16) element types.
  mlir::Type actElement, outElement;
  /// W4A4/W4A8: the scheme of the packed activations (4-bit codes or INT8,
  /// rows batch * M), multiplied as signed bytes by mma.sync m16n8k32 (or
  /// m16n8k16 for units of 16) s8 with s32 sums; none for f16/bf16
  /// activations.
  std::optional<numerics::Scheme> actScheme;
  /// Elements of K one pass of the warp's loop covers (32, or 16 for
  /// blocks that are not a multiple of 32; the integer mma's k): it lies
  /// inside one block, and each lane of a 4-lane group takes a quarter of
  /// it.
  int64_t unit = 0;
  /// 16-row and 8-column mma tiles per warp.
  int64_t mTiles = 1, nTiles = 1;
  /// Dialect tables of the book (16, or 1 for one-dialect books).
  int64_t dialects = 1;
  /// Per dialect, for each code byte the B register of its two codes
  /// (dialects x 256 entries; built once, by planMmaMatmul), for the table
  /// decode.
  std::vector<int32_t> pairs;
  /// B registers built by byte permutes of the dialect's magnitude bytes
  /// (weight-decode=permute, PermuteDecode.h) instead of looked up in the
  /// workgroup table of pairs.
  bool permuteDecode = false;

  bool integer() const { return actScheme.has_value(); }
  /// What the permute decode's dialect words hold: signed bytes for the
  /// integer mma, else the activations' half type.
  PermuteValues permuteValues() const {
    if (integer())
      return PermuteValues::SignedBytes;
    return actElement.isBF16() ? PermuteValues::BF16 : PermuteValues::F16;
  }
};

/// The tensor-core plan for a W4A16 stub, or nullopt where the kernel does
/// not apply: activations other than f16/bf16, blocks that are not a
/// multiple of 16, book magnitudes that f16/bf16 do not hold exactly, or
/// batched weights whose N is not a multiple of 8. With `actScheme` (a
/// W4A4/W4A8 stub; `actElement` null) the integer plan: it needs the
/// permute decode (signed-byte operands).
/// `staticM` (when known)
/// picks one 16-row tile per warp for M <= 16 (a GEMV pads its one row to
/// 16: tensor throughput is not what bounds it). Where the kernel does not
/// apply, `whyNot` (when given) says which condition failed.
std::optional<MmaPlan>
planMmaMatmul(const numerics::Scheme &scheme, int64_t k, int64_t n,
              int64_t batch, bool batched, mlir::Type actElement,
              mlir::Type outElement, std::optional<int64_t> staticM,
              bool permuteDecode,
              const std::optional<numerics::Scheme> &actScheme = std::nullopt,
              std::string *whyNot = nullptr);

/// Launches the kernel over all `m` activation rows (m > 0; grids of more
/// than 65535 row tiles in slabs). Adds the constant tables it needs to
/// `module`.
void emitMmaMatmul(mlir::ImplicitLocOpBuilder &b, mlir::ModuleOp module,
                   mlir::SymbolTable &symbols, const MmaPlan &plan,
                   mlir::Value packed, mlir::Value activations,
                   mlir::Value out, mlir::Value m);

} // namespace qblock::gpukernel

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_MMAMATMULKERNEL_H
