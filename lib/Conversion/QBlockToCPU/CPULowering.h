//===- CPULowering.h - What the qblock-to-CPU lowerings share ---*- C++ -*-===//
//
// Internal to lib/Conversion/QBlockToCPU. --convert-qblock-to-cpu
// (QBlockToCPU.cpp) checks its options and rewrites what needs no kernel;
// every op that needs a loop nest goes to a CPULowering, which holds one
// run's settings and state. Its member functions live by concept:
//
//  * CPULowering.cpp: the small builders below and the members every
//    lowering uses (operands' bytes and sizes, a matmul's output frame);
//  * MatmulW4A16.cpp: qblock.matmul with float activations;
//  * MatmulW4A4.cpp: qblock.matmul with quantized activations (W4A4, W4A8);
//  * LutGemm.cpp: qblock.lut_gemm;
//  * Dequantize.cpp: qblock.dequantize.
//
// Shared members are documented here; the others where they are defined.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_CPULOWERING_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_CPULOWERING_H

#include "Decode.h"
#include "PackedLayout.h"

#include "qblock/IR/QBlockOps.h"
#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/BlockQuant.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace qblock::cpu {

/// An index constant.
mlir::Value cst(mlir::ImplicitLocOpBuilder &b, int64_t v);

/// Prefetches share `index` of `shares` equal shares of the byte run
/// [start, start + bytes) of `storage`, one prefetch per cache line. A task
/// that streams many rows at once (more than hardware prefetchers follow)
/// walks a later task's runs this way, in address order, a share per step
/// of its own loop, which keeps DRAM streaming (measurements in
/// docs/cpu-lowering.md). A share shorter than a line prefetches the line
/// it starts in, so consecutive shares repeat a line (nearly free when it
/// is in flight) rather than run ahead of the run.
///
/// Every address lies in the run. With `lastByte`, each is also clamped to
/// it on its own, with no branch, for runs that may leave the storage:
/// clamping a share once and guarding it with a branch put the prefetches
/// in a block of their own, issued in one burst instead of among the
/// kernel's other instructions, and made the LUT-GEMM GEMV 0.8-0.96 ->
/// 1.5 ms (dropping the clamps there was as slow, 0.67-0.76 -> 1.10-1.16
/// ms: they are what spaces its 64 prefetches per chunk out). Without
/// `lastByte` the caller guarantees the run lies in the storage.
///
/// `locality` is the prefetches' memref.prefetch locality
/// (TargetInfo::farPrefetchLocality).
void prefetchShare(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                   mlir::Value start, int64_t bytes, mlir::Value index,
                   int64_t shares, mlir::Value lastByte, int64_t locality);

/// Whether prefetchPackedRowsShare's rows may run past the matrix.
enum class PrefetchRows {
  /// They may: every line clamps to the storage's last byte
  /// (prefetchShare).
  MayRunPast,
  /// The caller guarantees they lie in the matrix, so the lines need no
  /// clamp. The W4A16 GEMV issues four prefetches per step among few other
  /// instructions; their clamps, or even one loop-invariant clamp of the
  /// first row (which keeps LLVM from addressing them off the tile's own
  /// pointers), cost it 12-17% with the weights in L3.
  InMatrix,
};

/// prefetchShare over what packed block-format rows [firstRow, firstRow +
/// rows) read: their codes, scales and dialect ids, three runs of the
/// storage, in address order.
void prefetchPackedRowsShare(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                             const PackedLayout &layout, mlir::Value firstRow,
                             int64_t rows, mlir::Value index, int64_t shares,
                             PrefetchRows rowsBound, int64_t locality);

/// Sizes of every dimension of a shaped value (tensor.dim / memref.dim for
/// dynamic ones).
llvm::SmallVector<mlir::Value> dimSizes(mlir::ImplicitLocOpBuilder &b,
                                        mlir::Value shaped);

/// memref.alloc with the dynamic sizes of `sizes` for a shape.
mlir::Value allocLike(mlir::ImplicitLocOpBuilder &b,
                      llvm::ArrayRef<int64_t> shape, mlir::Type elementType,
                      llvm::ArrayRef<mlir::Value> sizes);

/// A fresh buffer holding the tensor's current value. The copy is a
/// bufferization.materialize_in_destination, a read that one-shot
/// bufferization orders correctly against in-place writes elsewhere (a
/// to_buffer view is not: an op later in the function may reuse the
/// tensor's buffer in place before the view is read).
mlir::Value snapshot(mlir::ImplicitLocOpBuilder &b, mlir::Value tensor);

mlir::Value toF32(mlir::ImplicitLocOpBuilder &b, mlir::Value v);

mlir::Value fromF32(mlir::ImplicitLocOpBuilder &b, mlir::Value v,
                    mlir::Type type);

/// The lowerings of one --convert-qblock-to-cpu run in one module.
struct CPULowering {
  CPULowering(mlir::ModuleOp module, const TargetInfo &target,
              llvm::StringRef targetOption, int64_t w4a4TileRows,
              llvm::StringRef lutTables, bool kernelRemarks);

  /// The module the lowered ops sit in (one CPULowering per module, nested
  /// ones included): where their tables and helper functions go.
  mlir::ModuleOp module;
  /// What the `target` option lets the kernels use, resolved once per run.
  TargetInfo targetInfo;
  /// The pass options of the same names.
  int64_t w4a4TileRows;
  std::string lutTables;
  /// The `target` option as written ("host" included), for remarks.
  std::string targetOption;
  /// Whether to emit kernel remarks (option kernel-remarks;
  /// KernelRemarks.h).
  bool kernelRemarks;
  /// Dimension sizes of quantized values whose shape is only known at run
  /// time (they come from a run-time qblock.quantize).
  llvm::DenseMap<mlir::Value, llvm::SmallVector<mlir::Value>> logicalSizes;
  std::unique_ptr<mlir::SymbolTable> symbols;

  //===--------------------------------------------------------------------===//
  // Shared by every lowering (CPULowering.cpp)
  //===--------------------------------------------------------------------===//

  /// The packed bytes behind a quantized value, as a memref.
  mlir::FailureOr<mlir::Value> getStorage(mlir::ImplicitLocOpBuilder &b,
                                          mlir::Operation *user,
                                          mlir::Value quantized);

  DecodeTables tablesFor(mlir::ImplicitLocOpBuilder &b,
                         const numerics::Scheme &scheme);

  /// Sizes of a quantized value's dimensions. Its dynamic ones must be
  /// known (checkSizesKnown).
  llvm::SmallVector<mlir::Value> quantizedSizes(mlir::ImplicitLocOpBuilder &b,
                                                mlir::Value value);
  /// Fails, with an error at `user`, when a dynamic dimension of quantized
  /// `value` has no known size: a qblock.from_storage view of dynamic shape
  /// (the packed bytes do not say how many rows they hold) used where no
  /// other operand gives the size.
  mlir::LogicalResult checkSizesKnown(mlir::Operation *user,
                                      mlir::Value value) const;
  /// Fails, with an error at `user`, when a matmul weight's N (its rows per
  /// batch) is dynamic: the kernels tile the rows by the static N. Without
  /// this check a dynamic N became a negative row count, and the matmul
  /// returned its init unchanged.
  static mlir::LogicalResult
  checkStaticWeightRows(mlir::Operation *user, QuantizedTensorType weight);
  /// A weight with a dynamic batch takes its rows from the activations'
  /// batch; packed bytes of dynamic size (qblock.from_storage of
  /// tensor<?xi8>) must hold exactly `layout`'s bytes, or the kernels read
  /// past them. Emits that run-time check where the size is not static.
  void checkPackedWeightBytes(mlir::ImplicitLocOpBuilder &b,
                              mlir::Operation *op, mlir::Value storage,
                              QuantizedTensorType weight,
                              const PackedLayout &layout);

  /// scf.for lo..hi step `step` with `body(iv)`.
  static void forRange(
      mlir::ImplicitLocOpBuilder &b, mlir::Value lo, mlir::Value hi,
      int64_t step,
      llvm::function_ref<void(mlir::ImplicitLocOpBuilder &, mlir::Value)> body);

  /// The leading indices of activation row `bm` of a (batch x) M x K
  /// operand: {bm} unbatched, {bm / M, bm % M} batched.
  static llvm::SmallVector<mlir::Value>
  rowIndices(mlir::ImplicitLocOpBuilder &b, mlir::Value bm, bool batched,
             mlir::Value m);

  /// A little-endian f16 from two packed bytes at `byteOffset` (BCQ alphas
  /// and offsets), widened to `wide` (f32 or f64, exact).
  static mlir::Value loadF16Bytes(mlir::ImplicitLocOpBuilder &b,
                                  mlir::Value storage, mlir::Value byteOffset,
                                  mlir::Type wide);

  //===--------------------------------------------------------------------===//
  // qblock.matmul and qblock.lut_gemm: the output frame (CPULowering.cpp)
  //===--------------------------------------------------------------------===//

  /// What every matmul-like lowering needs: shapes, and an output buffer
  /// that starts as a copy of the init operand.
  struct MatmulFrame {
    /// The op's result type; `out` is always f32 (an f32 copy of init for
    /// f16/bf16 results, rounded once at the end).
    mlir::RankedTensorType resultType;
    int64_t rank, k, n;
    bool batched;
    mlir::Value out, batch;
    llvm::SmallVector<mlir::Value> outSizes;
  };

  MatmulFrame beginMatmul(mlir::ImplicitLocOpBuilder &b, mlir::Operation *op,
                          QuantizedTensorType rhsType, mlir::Value init);

  /// Hands the output buffer back as the op's result.
  void finishMatmul(mlir::ImplicitLocOpBuilder &b, mlir::Operation *op,
                    const MatmulFrame &frame);

  /// The index of output element [batch,] m, n.
  static llvm::SmallVector<mlir::Value> outputIndex(const MatmulFrame &frame,
                                                    mlir::Value batchIndex,
                                                    mlir::Value m,
                                                    mlir::Value n);

  /// out[index] += value (f32).
  static void accumulate(mlir::ImplicitLocOpBuilder &b,
                         const MatmulFrame &frame,
                         llvm::ArrayRef<mlir::Value> index, mlir::Value value);

  //===--------------------------------------------------------------------===//
  // qblock.matmul with float activations (MatmulW4A16.cpp)
  //===--------------------------------------------------------------------===//

  struct KernelContext {
    mlir::Value storage, evens, odds, out;
    bool batched;
    mlir::Value m;
    int64_t n;
    PackedLayout layout;
    numerics::Scheme scheme;
    BlockDecoder decoder;
    DecodeTables tables;
    int64_t lanes;
    /// Blocks per K chunk (see emitRows).
    int64_t chunkBlocks;
    /// Two adjacent blocks decode as one vector (BlockDecoder::pairsBlocks).
    bool pairBlocks;
    const MatmulFrame *frame;
    /// bf16 activation rows (batch * M x K) and the bf16 dialect rows
    /// (getBF16DialectRows) when one-row tiles multiply in bf16
    /// (emitBF16Block); null otherwise.
    mlir::Value bf16Acts = {}, bf16Dialects = {};
    /// With bf16Acts: an i1, true when every activation is within the
    /// range where the bf16 tiles match the f32 ones (emitBF16RangeCheck);
    /// one-row tiles take the f32 path when it is false.
    mlir::Value bf16InRange = {};
    /// F16 scales (INT4) converted per tile to f32 half scales:
    /// kF16ScaleRows x blocksPerRow (rounded up to 16) floats on the
    /// stack of the task (emitRows), or null (other scales, or rows too
    /// long for the stack; loadHalfScale per block then).
    mlir::Value halfScaleRows = {};
  };

  /// Weight rows the converted F16 scales of a tile hold (the widest tile).
  static constexpr int64_t kF16ScaleRows = 4;
  /// The longest row, in blocks, whose F16 scales are converted per tile
  /// (4 x 1024 floats = 16 KiB of stack per task).
  static constexpr int64_t kMaxF16ScaleBlocks = 1024;

  /// Elements one vdpbf16ps multiplies: 32 bf16 pairs into 16 f32 lanes.
  static constexpr int64_t kBF16Lanes = 32;

  /// Blocks [first, last) of the reduction handled by one tile call.
  struct KRange {
    mlir::Value first, last;
  };

  /// How a tile helps the hardware prefetchers: each row's codes a fixed
  /// distance ahead (chunked tiles), or its share of a later tile's bytes
  /// in address order (GEMV tiles over whole rows, emitLaterTilePrefetches),
  /// or nothing (the GEMV tiles whose later tile is past the matrix).
  enum class GemvPrefetch { PerRow, LaterTiles, None };

  mlir::LogicalResult lowerMatmul(MatmulOp op);
  /// A condition that keeps an op off a faster path, and what would meet
  /// it (for remarks).
  struct Blocker {
    std::string reason, fix;
  };
  llvm::SmallVector<Blocker>
  bf16TileBlockers(const numerics::Scheme &scheme) const;
  void remarkFloatActivationKernel(MatmulOp op, mlir::Type lhsElement,
                                   bool bf16Tiles,
                                   llvm::ArrayRef<Blocker> bf16Blockers);
  void emitDeinterleave(mlir::ImplicitLocOpBuilder &b, mlir::Value lhs,
                        bool batched, mlir::Value m, mlir::Value batchRows,
                        int64_t k, mlir::Value evens, mlir::Value odds);
  /// Copies the activation rows (batch * M x K) into `rows` as they are.
  void emitRowCopy(mlir::ImplicitLocOpBuilder &b, mlir::Value lhs, bool batched,
                   mlir::Value m, mlir::Value batchRows, int64_t k,
                   mlir::Value rows);
  static mlir::Value emitBF16RangeCheck(mlir::ImplicitLocOpBuilder &b,
                                        mlir::Value rows,
                                        mlir::Value rowCount, int64_t k,
                                        int64_t maxExponent);
  void emitRows(mlir::ImplicitLocOpBuilder &b, const KernelContext &ctx,
                mlir::Value batchIndex, mlir::Value first, mlir::Value last);
  llvm::SmallVector<mlir::Value>
  emitBF16Block(mlir::ImplicitLocOpBuilder &bb, const KernelContext &ctx,
                mlir::Value block, llvm::ArrayRef<mlir::Value> weightRows,
                mlir::Value actRow, llvm::ArrayRef<mlir::Value> codeBase,
                llvm::ArrayRef<mlir::Value> dialects,
                llvm::ArrayRef<mlir::Value> halfScales, mlir::ValueRange accs,
                int64_t parity, GemvPrefetch prefetch);
  llvm::SmallVector<mlir::Value>
  emitBlock(mlir::ImplicitLocOpBuilder &bb, const KernelContext &ctx,
            mlir::Value block, llvm::ArrayRef<mlir::Value> weightRows,
            llvm::ArrayRef<mlir::Value> actRows,
            llvm::ArrayRef<mlir::Value> codeBase,
            llvm::ArrayRef<mlir::Value> dialects,
            llvm::ArrayRef<mlir::Value> nextDialects,
            llvm::ArrayRef<mlir::Value> halfScales,
            llvm::ArrayRef<mlir::Value> nextHalfScales, mlir::ValueRange accs,
            int64_t nr, int64_t mt, int64_t perPair, GemvPrefetch prefetch);
  /// Converts the F16 scales of blocks `range` of `weightRows` into
  /// ctx.halfScaleRows (row r of the tile at [r][block - range.first]).
  void emitF16ScaleConversion(mlir::ImplicitLocOpBuilder &b,
                              const KernelContext &ctx,
                              llvm::ArrayRef<mlir::Value> weightRows,
                              KRange range);
  void emitLaterTilePrefetches(mlir::ImplicitLocOpBuilder &b,
                               const KernelContext &ctx, mlir::Value firstRow,
                               int64_t nr, mlir::Value blockOffset,
                               int64_t unroll);
  void emitTile(mlir::ImplicitLocOpBuilder &b, const KernelContext &ctx,
                mlir::Value batchIndex, mlir::Value n0, int64_t nr,
                mlir::Value m0, int64_t mt, KRange range,
                GemvPrefetch prefetch);

  //===--------------------------------------------------------------------===//
  // qblock.matmul with quantized activations: W4A4, W4A8 (MatmulW4A4.cpp)
  //===--------------------------------------------------------------------===//

  /// Activation rows the tiled W4A4 kernel multiplies per pass over a
  /// decoded weight block (independent FMA chains in flight).
  static constexpr int64_t kW4A4TileRows = 4;

  /// Activation floats (all rows x one K chunk) the tiled W4A4 kernel keeps
  /// hot while it sweeps the tiles: 256 KiB, half an L2 of current x86.
  static constexpr int64_t kW4A4ChunkFloats = 64 * 1024;

  /// Output columns one task of the GEMV W4A4 kernel handles together:
  /// they share every activation load and scale.
  static constexpr int64_t kW4A4Columns = 4;

  /// Columns one task of the integer GEMV kernel handles (one vector).
  static constexpr int64_t kGemvColumns = 16;

  struct W4A4Context {
    const MatmulFrame *frame;
    int64_t k, n, blockSize, blockBytes, lanes;
    mlir::Value m, weights, one;
    decltype(numerics::Scheme::scale) weightScale{};
    PackedLayout weightLayout;
    DecodeTables weightTables;
    /// The weight book's dialect tables (the integer GEMV kernel builds its
    /// byte tables from them).
    std::vector<numerics::DialectTable> weightDialects;
    /// Decoded activations (rows x K, unscaled integer codes) and their unit
    /// scales (unitScale; rows x blocks). Within a block, elements are stored
    /// as the decoder yields them: per chunk of `lanes` code bytes, the even
    /// elements, then the odd ones. Decoded weights use the same order, and
    /// a block's dot product does not depend on it (it is exact).
    mlir::Value actValues, actScales;
    /// The integer kernel's form of actValues (rows x K bytes a + 128, same
    /// order), decoded instead of actValues where that kernel runs.
    mlir::Value actBytes;
  };

  mlir::LogicalResult lowerQuantizedMatmul(MatmulOp op);
  void storeDecodedActivations(mlir::ImplicitLocOpBuilder &b,
                               const W4A4Context &ctx, mlir::Value row,
                               mlir::Value element, mlir::Value decoded);
  void decodeActivations(mlir::ImplicitLocOpBuilder &b, W4A4Context &ctx,
                         mlir::Value acts, const numerics::Scheme &actScheme,
                         mlir::Value batch, bool asBytes);
  mlir::Value unitScale(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                        const PackedLayout &layout, const DecodeTables &tables,
                        numerics::ScaleKind kind, mlir::Value row,
                        mlir::Value block);
  void decodeBlock(mlir::ImplicitLocOpBuilder &b, const W4A4Context &ctx,
                   mlir::Value storage, const PackedLayout &layout,
                   const BlockDecoder &decoder, mlir::Value row,
                   mlir::Value block,
                   llvm::function_ref<void(mlir::ImplicitLocOpBuilder &,
                                           int64_t, mlir::Value)>
                       use);
  void decodeInt8Block(mlir::ImplicitLocOpBuilder &b, const W4A4Context &ctx,
                       mlir::Value storage, const PackedLayout &layout,
                       mlir::Value row, mlir::Value block,
                       llvm::function_ref<void(mlir::ImplicitLocOpBuilder &,
                                               int64_t, mlir::Value)>
                           use);
  void decodeWeightBlock(mlir::ImplicitLocOpBuilder &b, const W4A4Context &ctx,
                         const BlockDecoder &decoder, mlir::Value weightRow,
                         mlir::Value block,
                         llvm::function_ref<void(mlir::ImplicitLocOpBuilder &,
                                                 int64_t, mlir::Value)>
                             use);
  mlir::Value weightUnitScale(mlir::ImplicitLocOpBuilder &b,
                              const W4A4Context &ctx, mlir::Value weightRow,
                              mlir::Value block);
  static mlir::Value sumEachOfFour(mlir::ImplicitLocOpBuilder &b,
                                   llvm::ArrayRef<mlir::Value> v);
  bool integerGemvApplies(const W4A4Context &ctx) const;
  void emitW4A4IntegerGemv(mlir::ImplicitLocOpBuilder &b,
                           const W4A4Context &ctx);
  void emitNextGemvTaskPrefetches(mlir::ImplicitLocOpBuilder &b,
                                  const W4A4Context &ctx, mlir::Value firstRow,
                                  mlir::Value pair, int64_t pairs);
  llvm::SmallVector<mlir::Value, 2>
  weightHalfScalePairs(mlir::ImplicitLocOpBuilder &b, const W4A4Context &ctx,
                       llvm::ArrayRef<mlir::Value> weightRows,
                       mlir::Value firstBlock);
  void emitW4A4Elements(mlir::ImplicitLocOpBuilder &b, const W4A4Context &ctx);
  static void forEachTile(mlir::ImplicitLocOpBuilder &b, mlir::Value batch,
                          int64_t tiles, int64_t width,
                          llvm::function_ref<void(mlir::ImplicitLocOpBuilder &,
                                                  mlir::Value, mlir::Value)>
                              body);
  void emitW4A4TileLoops(
      mlir::ImplicitLocOpBuilder &b, const W4A4Context &ctx, int64_t width,
      llvm::function_ref<
          llvm::SmallVector<mlir::Value>(mlir::ImplicitLocOpBuilder &)>
          setup,
      llvm::function_ref<void(mlir::ImplicitLocOpBuilder &, mlir::Value,
                              mlir::Value, mlir::Value, mlir::Value,
                              mlir::Value, llvm::ArrayRef<mlir::Value>)>
          block);
  void forEachRowGroup(mlir::ImplicitLocOpBuilder &b, const W4A4Context &ctx,
                       llvm::function_ref<void(mlir::ImplicitLocOpBuilder &,
                                               mlir::Value, int64_t)>
                           multiplyRows);
  void emitW4A4Tiles(mlir::ImplicitLocOpBuilder &b, const W4A4Context &ctx);
  void emitW4A4IntegerTiles(mlir::ImplicitLocOpBuilder &b,
                            const W4A4Context &ctx);

  //===--------------------------------------------------------------------===//
  // qblock.lut_gemm (LutGemm.cpp)
  //===--------------------------------------------------------------------===//

  /// Sub-vector length of the lookup tables: 2^4 = 16 signed partial sums.
  static constexpr int64_t kMu = 4;

  /// Output rows handled by one vector of the LUT-GEMM vector path.
  static constexpr int64_t kLutLanes = 16;

  /// Elements of K one step of the chunked LUT-GEMM path covers: 64 bytes
  /// (one cache line, 16 words) of each bit plane of each row.
  static constexpr int64_t kLutChunk = 512;

  /// Tiles ahead of the computation whose bytes emitLutNextTilePrefetches
  /// asks for. One ahead left the first chunks of a tile waiting on DRAM
  /// (the rows prefetched last are needed first); measured on GEMV
  /// 8192^2, q = 3, int8 tables: 1 ahead 1.12 ms, 2 ahead 0.69 ms, 3 ahead
  /// 0.67 ms, 4 ahead 0.72 ms.
  static constexpr int64_t kLutTilesAhead = 2;

  /// LUT-GEMM's int8 tables (lut-tables=i8), per activation row:
  /// sums[bm][w][128] holds, for word w (sub-vectors 8w..8w+7), the tables
  /// of sub-vectors 8w, 8w+2, 8w+4, 8w+6 (16 bytes each, the even half)
  /// then 8w+1, ..., 8w+7 (the odd half): the order in which byte e of a
  /// plane word (low nibble: sub-vector 2e, high: 2e+1) meets them, so one
  /// 64-entry byte permute looks up 16 rows x 4 sub-vectors. scales[bm][g]
  /// is group g's table scale: entry = round(sum / scale), |entry| <= 127.
  struct ByteTables {
    mlir::Value sums, scales;
  };

  /// Builds the 16 signed partial sums of one 4-activation sub-vector in a
  /// register: table[p] = sum_t (bit t of p ? +1 : -1) * a[4j + t], as
  /// four FMAs against constant sign patterns.
  struct SubvectorTables {
    mlir::Value lhs, m;
    bool batched;
    llvm::SmallVector<mlir::Value> signs;

    SubvectorTables(mlir::ImplicitLocOpBuilder &b, mlir::Value lhs,
                    bool batched, mlir::Value m);

    /// The table of sub-vector j of activation row bm.
    mlir::Value build(mlir::ImplicitLocOpBuilder &b, mlir::Value bm,
                      mlir::Value j) const;
  };

  mlir::LogicalResult lowerLutGemm(LutGemmOp op);
  /// The packed BCQ buffer as i32 words (bit planes) and as f16 (alphas,
  /// offsets); every array starts 64-byte aligned.
  static std::pair<mlir::Value, mlir::Value>
  bcqViews(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
           const numerics::BCQLayout &layout);
  void emitLutTiles(mlir::ImplicitLocOpBuilder &b, const MatmulFrame &frame,
                    mlir::Value storage, mlir::Value tables,
                    const numerics::BCQLayout &layout,
                    const numerics::BCQScheme &scheme, mlir::Value m,
                    int64_t tiles);
  void emitByteTables(mlir::ImplicitLocOpBuilder &b, const SubvectorTables &sub,
                      const ByteTables &byteTables, mlir::Value groupSums,
                      mlir::Value batchRows, int64_t group, int64_t groups);
  mlir::Value emitByteLookups(mlir::ImplicitLocOpBuilder &b,
                              const ByteTables &byteTables,
                              mlir::Value wordTile, mlir::Value bm,
                              mlir::Value c, mlir::Value firstGroup,
                              mlir::Value gg, mlir::Value firstWord,
                              int64_t wordsPerGroup, int64_t q,
                              llvm::function_ref<mlir::Value(int64_t)> alpha,
                              mlir::Value acc);
  mlir::Value emitFloatLookups(mlir::ImplicitLocOpBuilder &b,
                               mlir::Value tables, mlir::Value wordTile,
                               mlir::Value bm, mlir::Value firstSub,
                               mlir::Value firstWord, int64_t wordsPerGroup,
                               int64_t q,
                               llvm::function_ref<mlir::Value(int64_t)> alpha,
                               mlir::Value acc);
  /// Whether a lut_gemm of this shape takes the chunked vector path
  /// (emitLutChunks), the only one with int8 tables.
  static bool lutChunkedPath(int64_t k, int64_t n, int64_t group);
  void remarkLutGemmPath(LutGemmOp op, int64_t k, int64_t n, int64_t group,
                         int64_t vectorRows, bool chunked);
  void emitLutNextTilePrefetches(mlir::ImplicitLocOpBuilder &b,
                                 mlir::Value storage,
                                 const numerics::BCQLayout &layout,
                                 const numerics::BCQScheme &scheme,
                                 mlir::Value firstRow, mlir::Value c);
  void emitLutChunks(mlir::ImplicitLocOpBuilder &b, const MatmulFrame &frame,
                     mlir::Value storage, mlir::Value tables,
                     const ByteTables &byteTables, mlir::Value groupSums,
                     const numerics::BCQLayout &layout,
                     const numerics::BCQScheme &scheme, mlir::Value m,
                     int64_t tiles);
  void emitLutOffsetTerms(mlir::ImplicitLocOpBuilder &b,
                          const MatmulFrame &frame, mlir::Value halves,
                          mlir::Value groupSums,
                          const numerics::BCQLayout &layout, mlir::Value bi,
                          mlir::Value n0, mlir::Value firstRow, mlir::Value m);
  void emitGroupSums(mlir::ImplicitLocOpBuilder &b, mlir::Value tables,
                     mlir::Value groupSums, mlir::Value batchRows,
                     int64_t group, int64_t groups);
  mlir::Value emitLutGroup(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                           mlir::Value tables, const BCQPackedLayout &layout,
                           const numerics::BCQScheme &scheme, mlir::Value row,
                           mlir::Value bm, mlir::Value g);

  //===--------------------------------------------------------------------===//
  // qblock.dequantize (Dequantize.cpp)
  //===--------------------------------------------------------------------===//

  /// Where a dequantize writes: the rows of the packed layout (every index
  /// but the quantized axis), and a flat buffer in the logical row-major
  /// order, element kk of row (o, i) at (o*K + kk)*inner + i.
  struct DequantizeFrame {
    mlir::RankedTensorType resultType;
    llvm::SmallVector<mlir::Value> sizes;
    /// The result buffer in its logical shape, and a flat view of it.
    mlir::Value inner, rows, logical, flat;
    int64_t k;
    /// Every dimension after the axis is statically 1: rows are contiguous.
    bool contiguousRows;
  };

  DequantizeFrame beginDequantize(mlir::ImplicitLocOpBuilder &b,
                                  DequantizeOp op);
  static mlir::Value flatPosition(mlir::ImplicitLocOpBuilder &b,
                                  const DequantizeFrame &f, mlir::Value row,
                                  mlir::Value kk);
  void finishDequantize(mlir::ImplicitLocOpBuilder &b, DequantizeOp op,
                        const DequantizeFrame &frame);
  mlir::Value codeMagnitude(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                            const PackedLayout &layout,
                            const DecodeTables &tables, mlir::Value dialect,
                            mlir::Value row, mlir::Value kk);
  mlir::Value int8HalfUnits(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                            const PackedLayout &layout, mlir::Value row,
                            mlir::Value kk);
  mlir::LogicalResult lowerDequantize(DequantizeOp op);
  mlir::LogicalResult lowerBCQDequantize(DequantizeOp op);
};

} // namespace qblock::cpu

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_CPULOWERING_H
