//===- GPUMatmulKernels.cpp - W4A16 matmul kernels as gpu.launch ----------===//
//
// The second half of the GPU matmul lowering (MatmulStub.h): after
// bufferization, each call of a qblock.gpu_matmul stub becomes a gpu.launch
// whose body is the kernel below; StageBuffersForGPU then gives it device
// buffers and the upstream NVVM pipeline outlines and compiles it. Calls of
// a qblock.gpu_lut_gemm stub get the LUT-GEMM kernel (LutGemmKernel.cpp).
//
// Kernel shape (docs/gpu-lowering.md has the picture):
//
//  * The packed weight is R = batch * N rows of K codes (docs/formats.md
//    section 7); row r is output column r % N of batch r / N. A thread block
//    has kWarps warps; a warp owns `rowsPerWarp` consecutive rows (G) and a
//    tile of `tileRows` activation rows (TM), so it produces G x TM outputs.
//  * Each row is read in chunks of `chunkBytes` (16 where K allows it):
//    lane l reads chunks l, l + 32, ... of every row of its group, so a warp
//    reads 32 consecutive chunks of a row per step (coalesced). Chunks never
//    straddle a block boundary unevenly: a chunk lies inside one block or
//    holds a whole number of blocks.
//  * Decode in registers: by default (weight-decode=permute,
//    PermuteDecode.h) each 32-bit word of 8 codes becomes 8 signed
//    magnitudes (half units, f32) through prmt byte permutes of the block
//    dialect's four words; with weight-decode=table, or blocks of fewer
//    than 8 elements, a byte's low and high nibbles index the table of the
//    block's dialect (16 signed magnitudes in half units, as floats) that
//    every thread block first copies from a constant global into workgroup
//    memory, next to the 256 half scales of 8-bit scale codes (which the
//    permute decode keeps there too). Per block and activation row, the
//    products magnitude * activation are summed and the sum is multiplied by
//    the block's half scale once. This is the numerics core's value = sign *
//    float(k) * halfScale with the scale factored out of the block's sum: exact
//    for E8M0 scales (powers of two), one rounding apart for E4M3 / F16 (see
//    the integration tests' tolerance).
//  * Lanes' partial sums are combined by a butterfly of gpu.shuffle xor;
//    lane 0 adds each total to the output element, which holds init.
//  * W4A4 (the stub's `act_scheme`): the activations are packed bytes in the
//    same layout, read chunk by chunk alongside the weights', so each sum
//    over a block (or, for blocks longer than a chunk, over the chunk's
//    part of it) is an exact integer dot product as in the numerics core's
//    referenceIntegerGemm, added to the lane's total as fma(sum, unitA *
//    unitW, total). With the permute decode both operands' 4-bit codes
//    become signed bytes (INT8 codes are bytes already) and `dp4a` sums
//    them in 32-bit integers; with weight-decode=table both decode to f32
//    (4-bit activation codes through a second part of the table, INT8
//    codes converted) and FMAs sum them, exactly too: products and sums of
//    such integers stay below 2^24, which MatmulOp's verifier guarantees.
//    The products and units are the reference's; the order and rounding
//    of the accumulation differ (lanes take different blocks).
//
//===----------------------------------------------------------------------===//

#include "KernelBuilding.h"
#include "LutGemmKernel.h"
#include "MatmulStub.h"
#include "MmaMatmulKernel.h"
#include "PermuteDecode.h"

#include "../KernelRemarks.h"
#include "../QBlockToCPU/PackedLayout.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockAttrs.h"
#include "qblock/Numerics/Layout.h"
#include "qblock/Numerics/Scale.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>

namespace qblock {
#define GEN_PASS_DEF_GPUMATMULKERNELS
#include "qblock/Conversion/Passes.h.inc"
} // namespace qblock

using namespace mlir;
using namespace qblock;
namespace num = ::qblock::numerics;

namespace {

using gpukernel::kMaxGridBlocks;
using gpukernel::kTargetBlocks;
using gpukernel::kWarpSize;

/// Warps per thread block.
constexpr int64_t kWarps = 4;
/// Weight rows per warp: every activation load serves this many rows.
constexpr int64_t kRowsPerWarp = 4;
/// Activation rows per warp when M > 1: every decoded weight serves this
/// many rows.
constexpr int64_t kTileRows = 4;
/// The widest load of packed codes per lane (ld.global.v4.b32).
constexpr int64_t kMaxChunkBytes = 16;

/// Everything about a kernel that is fixed at compile time.
struct KernelPlan {
  explicit KernelPlan(num::Scheme scheme) : scheme(std::move(scheme)) {}
  num::Scheme scheme;
  num::BlockLayout layout;
  int64_t k = 0, n = 0, batch = 1;
  /// Whether activations and output have a leading batch dimension.
  bool batched = false;
  /// Rows of the packed weight (batch * n) and bytes of codes per row.
  int64_t rows = 0, rowBytes = 0;
  /// Bytes of codes one lane loads at a time, and elements they hold.
  int64_t chunkBytes = 0, chunkElements = 0, chunksPerRow = 0;
  /// Blocks a chunk holds (1 when a block spans one or more chunks) and the
  /// code bytes of each.
  int64_t blocksPerChunk = 1, bytesPerChunkBlock = 0;
  /// Activation element type (f32, f16 or bf16; products and sums are f32)
  /// and elements per activation load.
  Type actElement;
  int64_t actLanes = 0;
  /// Output element type: f32, or f16/bf16, which the kernel adds to in
  /// f32 and rounds once (so such outputs never split K: each would round).
  Type outElement;
  int64_t rowsPerWarp = 1;
  /// Entries of the workgroup table: dialect rows, then half scales.
  int64_t dialectEntries = 0, scaleEntries = 0;
  /// W4A4: the scheme of the quantized activations, whose packed bytes
  /// (rows batch * M) the activations operand holds; none for float
  /// activations. Their codes of a chunk take `actChunkBytes` (4-bit codes:
  /// chunkBytes; INT8: one byte per element), and the table continues with
  /// their dialect rows and half scales.
  std::optional<num::Scheme> actScheme;
  int64_t actChunkBytes = 0;
  int64_t actDialectEntries = 0, actScaleEntries = 0;

  int64_t actDialectBase() const { return dialectEntries + scaleEntries; }
  int64_t actScaleBase() const { return actDialectBase() + actDialectEntries; }
  int64_t tableEntries() const { return actScaleBase() + actScaleEntries; }
  /// Split-K: each row's chunks are cut into `splits` ranges of
  /// `chunksPerSplit` (grid z), whose partial sums meet in the output
  /// through atomic adds. 1: no split, plain read-add-write. Launches with
  /// more than one tile of activation rows use 1.
  int64_t splits = 1, chunksPerSplit = 0;
  /// Weights decode by byte permutes of their dialect's magnitudes
  /// (PermuteDecode.h) instead of a workgroup table lookup per code: the
  /// option weight-decode=permute, for 4-bit weights in blocks of at least
  /// 8 elements (a 32-bit word of codes lies in one block), W4A16 and W4A4
  /// alike. The table then holds the weights' half scales only (and, for
  /// W4A4, the activations' part).
  bool permuteDecode = false;
  /// W4A4 with the permute decode: weights and 4-bit activation codes
  /// decode to signed bytes (PermuteValues::SignedBytes; INT8 codes are
  /// bytes), and `dp4a` sums each block's products in 32-bit integers. The
  /// table then holds half scales only.
  bool integerDot = false;

  /// What the permute decode's dialect words hold.
  gpukernel::PermuteValues permuteValues() const {
    return integerDot ? gpukernel::PermuteValues::SignedBytes
                      : gpukernel::PermuteValues::BF16;
  }
};

/// The widest chunk (at most 16 bytes) that divides the row and either lies
/// inside one block or holds whole blocks. 1 byte always qualifies (blocks
/// are even), so every valid scheme has a plan.
int64_t chooseChunkBytes(int64_t rowBytes, int64_t blockSize) {
  for (int64_t bytes = kMaxChunkBytes; bytes > 1; bytes /= 2)
    if (rowBytes % bytes == 0 &&
        (blockSize % (2 * bytes) == 0 || (2 * bytes) % blockSize == 0))
      return bytes;
  return 1;
}

/// Table entries for `scheme`'s dialect rows: none for INT8 (no table),
/// otherwise one row per dialect id a block can name, each holding the 16
/// signed values of a 4-bit code (8 magnitudes, both signs).
int64_t dialectTableEntries(const num::Scheme &scheme) {
  if (scheme.book.isInteger())
    return 0;
  return scheme.book.dialectIdCount() * num::kLevelsPerDialect * 2;
}

/// Table entries for the half scales of 8-bit scale codes; none for F16
/// scales, which the kernel converts.
int64_t scaleTableEntries(const num::Scheme &scheme) {
  return scheme.scale == num::ScaleKind::F16 ? 0 : 256;
}

/// `actElement` is the activations' element type, or null with `actScheme`
/// (W4A4: packed activations).
KernelPlan makePlan(const num::Scheme &scheme, int64_t k, int64_t n,
                    int64_t batch, bool batched, Type actElement,
                    Type outElement, std::optional<num::Scheme> actScheme,
                    bool permuteDecode) {
  KernelPlan plan(scheme);
  plan.actScheme = std::move(actScheme);
  plan.actElement = actElement;
  plan.outElement = outElement;
  plan.batched = batched;
  plan.k = k;
  plan.n = n;
  plan.batch = batch;
  plan.rows = batch * n;
  plan.layout = num::computeLayout(plan.rows, k, scheme);
  plan.rowBytes = k / 2;
  plan.chunkBytes = chooseChunkBytes(plan.rowBytes, scheme.blockSize);
  plan.chunkElements = 2 * plan.chunkBytes;
  plan.chunksPerRow = plan.rowBytes / plan.chunkBytes;
  if (plan.chunkElements > scheme.blockSize) {
    plan.blocksPerChunk = plan.chunkElements / scheme.blockSize;
    plan.bytesPerChunkBlock = scheme.blockSize / 2;
  } else {
    plan.blocksPerChunk = 1;
    plan.bytesPerChunkBlock = plan.chunkBytes;
  }
  if (plan.actScheme) {
    // Activation codes of a chunk sit at the same place in their row as the
    // weight codes (INT8 codes: at twice the offset), so their loads are
    // aligned to their size as well.
    plan.actChunkBytes =
        plan.actScheme->book.isInteger() ? plan.chunkElements : plan.chunkBytes;
    plan.actScaleEntries = scaleTableEntries(*plan.actScheme);
  } else {
    // The widest activation load, at most 16 bytes, that divides a chunk's
    // elements and K (activation rows start at multiples of K elements, so
    // the loads stay aligned to their size); two elements always qualify
    // (K and chunks are even).
    int64_t actBytes = actElement.getIntOrFloatBitWidth() / 8;
    plan.actLanes = 2;
    for (int64_t lanes = 16 / actBytes; lanes > 2; lanes /= 2)
      if (plan.chunkElements % lanes == 0 && k % lanes == 0) {
        plan.actLanes = lanes;
        break;
      }
  }
  // A warp's rows must share their batch (and so their activations).
  plan.rowsPerWarp = kRowsPerWarp;
  if (batch > 1)
    while (n % plan.rowsPerWarp != 0)
      plan.rowsPerWarp /= 2;
  // Few row groups (a GEMV with small N) leave SMs idle: split K so the
  // launch has about kTargetBlocks blocks, each split keeping at least one
  // chunk per lane.
  int64_t rowBlocks = (plan.rows + kWarps * plan.rowsPerWarp - 1) /
                      (kWarps * plan.rowsPerWarp);
  int64_t maxSplits = std::max<int64_t>(1, plan.chunksPerRow / kWarpSize);
  // Half outputs: one split, so each output is rounded once, after its
  // whole sum (split partial sums would each round in the atomic add).
  if (!outElement.isF32())
    maxSplits = 1;
  plan.splits = std::clamp<int64_t>(
      (kTargetBlocks + rowBlocks - 1) / rowBlocks, 1, maxSplits);
  plan.chunksPerSplit =
      (plan.chunksPerRow + plan.splits - 1) / plan.splits;
  plan.permuteDecode = permuteDecode && !scheme.book.isInteger() &&
                       plan.bytesPerChunkBlock % 4 == 0;
  plan.dialectEntries = plan.permuteDecode ? 0 : dialectTableEntries(scheme);
  plan.scaleEntries = scaleTableEntries(scheme);
  // The activations' blocks are the weights' (MatmulOp's verifier), so
  // their 4-bit codes decode a word at a time wherever the weights' do.
  plan.integerDot = plan.actScheme && plan.permuteDecode;
  if (plan.actScheme && !plan.integerDot)
    plan.actDialectEntries = dialectTableEntries(*plan.actScheme);
  return plan;
}

/// Writes the table part of `scheme` at `dialects` and `scales` (entry
/// indices): signed magnitudes (code & 8 is the sign) of every dialect, NaN
/// for ids past the book (only a corrupt buffer holds them, and the
/// numerics core decodes those to NaN too), then 0.5 * scale for every
/// 8-bit scale code, straight from the numerics core.
void fillTableValues(std::vector<float> &values, const num::Scheme &scheme,
                     int64_t dialects, int64_t dialectEntries, int64_t scales,
                     int64_t scaleEntries) {
  for (int64_t d = 0; d < dialectEntries / 16; ++d)
    for (int code = 0; code < 16; ++code)
      values[dialects + d * 16 + code] =
          gpukernel::signedMagnitude(scheme.book, d, code);
  for (int64_t code = 0; code < scaleEntries; ++code)
    values[scales + code] =
        num::halfScale(scheme.scale, static_cast<uint16_t>(code));
}

/// The kernel's constant table: the weights' part, then (W4A4) the
/// activations'.
std::vector<float> tableValues(const KernelPlan &plan) {
  std::vector<float> values(plan.tableEntries(),
                            std::numeric_limits<float>::quiet_NaN());
  fillTableValues(values, plan.scheme, 0, plan.dialectEntries,
                  plan.dialectEntries, plan.scaleEntries);
  if (plan.actScheme)
    fillTableValues(values, *plan.actScheme, plan.actDialectBase(),
                    plan.actDialectEntries, plan.actScaleBase(),
                    plan.actScaleEntries);
  return values;
}

/// Builds one kernel body; all methods emit at the builder's position.
class KernelBuilder {
public:
  /// `table` is null when the plan needs none (permute decode of a book
  /// with F16 scales); `permuteTable` holds the dialects' words
  /// (PermuteDecode.h) for a permute decode whose blocks store dialect ids,
  /// `actPermuteTable` those of the activations' book for
  /// `plan.integerDot` when its blocks store ids.
  KernelBuilder(ImplicitLocOpBuilder &b, const KernelPlan &plan,
                int64_t tileRows, Value packed, Value activations, Value out,
                Value table, Value permuteTable, Value actPermuteTable, Value m)
      : b(b), plan(plan), tileRows(tileRows), packed(packed),
        activations(activations), out(out), table(table),
        permuteTable(permuteTable), actPermuteTable(actPermuteTable), m(m) {}

  /// `slabFirst` (null: 0) is the first activation row of grid y index 0.
  void emit(Value globalTable, Value slabFirst) {
    Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    fillTable(globalTable, tid);
    Value warp = arith::DivUIOp::create(b, tid, cst(kWarpSize));
    lane = arith::RemUIOp::create(b, tid, cst(kWarpSize));
    Value group = arith::AddIOp::create(
        b,
        arith::MulIOp::create(b, gpu::BlockIdOp::create(b, gpu::Dimension::x),
                              cst(kWarps)),
        warp);
    firstRow = arith::MulIOp::create(b, group, cst(plan.rowsPerWarp));
    firstM = arith::MulIOp::create(
        b, gpu::BlockIdOp::create(b, gpu::Dimension::y), cst(tileRows));
    if (slabFirst)
      firstM = arith::AddIOp::create(b, slabFirst, firstM);
    if (plan.actScheme)
      actLayout = cpu::PackedLayout::build(
          b, arith::MulIOp::create(b, m, cst(plan.batch)), plan.k,
          *plan.actScheme);
    // Whole warps past the last row have nothing to do; the condition is
    // uniform across a warp, so shuffles below see all 32 lanes.
    Value hasRows = arith::CmpIOp::create(b, arith::CmpIPredicate::ult,
                                          firstRow, cst(plan.rows));
    gpukernel::inThen(b, hasRows, [&] { emitWarp(); });
  }

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, v); }


  /// Every thread copies a strided share of the table, then all wait.
  void fillTable(Value globalTable, Value tid) {
    if (!table)
      return;
    gpukernel::copyToWorkgroup(b, globalTable, table, tid, kWarps * kWarpSize);
    gpu::BarrierOp::create(b);
  }

  /// One warp: its G weight rows against its TM activation rows.
  void emitWarp() {
    // Rows past the end (a partial last group or tile) are clamped for
    // reading, so every load stays inside the buffers; their results are
    // never written.
    Value lastRow = cst(plan.rows - 1);
    Value lastM = arith::SubIOp::create(b, m, cst(1));
    for (int64_t g = 0; g < plan.rowsPerWarp; ++g)
      rows.push_back(arith::MinUIOp::create(
          b, arith::AddIOp::create(b, firstRow, cst(g)), lastRow));
    for (int64_t t = 0; t < tileRows; ++t)
      actRows.push_back(arith::MinUIOp::create(
          b, arith::AddIOp::create(b, firstM, cst(t)), lastM));
    // A warp's rows share one batch (makePlan).
    batchIndex = plan.batched
                     ? Value(arith::DivUIOp::create(b, firstRow, cst(plan.n)))
                     : cst(0);
    // W4A4: the rows of the packed activations, [batch, M] flattened.
    if (plan.actScheme)
      for (Value actRow : actRows)
        packedActRows.push_back(
            plan.batched ? Value(arith::AddIOp::create(
                               b, arith::MulIOp::create(b, batchIndex, m),
                               actRow))
                         : actRow);

    Value zero = arith::ConstantFloatOp::create(b, b.getF32Type(),
                                                llvm::APFloat(0.0f));
    SmallVector<Value> init(plan.rowsPerWarp * tileRows, zero);
    // This block's split of the row's chunks (all of them without split-K).
    Value firstChunk = lane, endChunk = cst(plan.chunksPerRow);
    if (plan.splits > 1) {
      Value splitStart = arith::MulIOp::create(
          b, gpu::BlockIdOp::create(b, gpu::Dimension::z),
          cst(plan.chunksPerSplit));
      endChunk = arith::MinUIOp::create(
          b, arith::AddIOp::create(b, splitStart, cst(plan.chunksPerSplit)),
          endChunk);
      firstChunk = arith::AddIOp::create(b, splitStart, lane);
    }
    auto loop = scf::ForOp::create(b, firstChunk, endChunk, cst(kWarpSize),
                                   init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(loop.getBody());
      scf::YieldOp::create(
          b, emitChunk(loop.getInductionVar(), loop.getRegionIterArgs()));
    }

    SmallVector<Value> totals;
    for (Value partial : loop.getResults())
      totals.push_back(gpukernel::sumOverLanes(b, partial, kWarpSize));
    Value isLaneZero = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane,
                                             cst(0));
    gpukernel::inThen(b, isLaneZero, [&] { storeTotals(totals); });
  }

  /// acc[g * TM + t] += the products of chunk `chunk` of row g with
  /// activation row t.
  SmallVector<Value> emitChunk(Value chunk, ValueRange acc) {
    int64_t rowsPerWarp = plan.rowsPerWarp;
    auto codeType = VectorType::get({plan.chunkBytes}, b.getI8Type());
    SmallVector<Value> codes;
    for (int64_t g = 0; g < rowsPerWarp; ++g) {
      Value offset = arith::AddIOp::create(
          b, arith::MulIOp::create(b, rows[g], cst(plan.rowBytes)),
          arith::MulIOp::create(b, chunk, cst(plan.chunkBytes)));
      codes.push_back(vector::LoadOp::create(
          b, codeType, packed, ValueRange{offset}, /*nontemporal=*/false,
          llvm::MaybeAlign(plan.chunkBytes)));
      // The permute decode reads the codes a 32-bit word (8 codes) at a
      // time: the same registers, reinterpreted.
      if (plan.permuteDecode)
        codes.back() = vector::BitCastOp::create(
            b, VectorType::get({plan.chunkBytes / 4}, b.getI32Type()),
            codes.back());
    }
    Value firstElement = arith::MulIOp::create(b, chunk, cst(plan.chunkElements));
    // Activation loads of this chunk, made on first use: (t, slice) -> vector.
    std::map<std::pair<int64_t, int64_t>, Value> slices;
    // W4A4: the chunk's activation codes per activation row, loaded on first
    // use, and where each row's dialect row of the current block starts.
    std::map<int64_t, Value> actCodes;
    SmallVector<Value> actDialectRows;
    auto quantizedActivation = [&](int64_t t, int64_t element) -> Value {
      Value &codes = actCodes[t];
      if (!codes)
        codes = loadActivationCodes(chunk, t);
      // INT8 codes are the integers themselves.
      if (plan.actScheme->book.isInteger())
        return arith::SIToFPOp::create(
            b, b.getF32Type(), vector::ExtractOp::create(b, codes, element));
      Value byte = vector::ExtractOp::create(b, codes, element / 2);
      Value code =
          element % 2
              ? Value(arith::ShRUIOp::create(
                    b, byte, arith::ConstantIntOp::create(b, b.getI8Type(), 4)))
              : Value(arith::AndIOp::create(
                    b, byte,
                    arith::ConstantIntOp::create(b, b.getI8Type(), 15)));
      return lookup(actDialectRows[t], code);
    };
    auto activation = [&](int64_t t, int64_t element) -> Value {
      if (plan.actScheme)
        return quantizedActivation(t, element);
      int64_t slice = element / plan.actLanes;
      Value &loaded = slices[{t, slice}];
      if (!loaded) {
        SmallVector<Value> index = gpukernel::bufferIndex(
            plan.batched, batchIndex, actRows[t],
            arith::AddIOp::create(b, firstElement,
                                  cst(slice * plan.actLanes)));
        int64_t actBytes = plan.actElement.getIntOrFloatBitWidth() / 8;
        loaded = vector::LoadOp::create(
            b, VectorType::get({plan.actLanes}, plan.actElement), activations,
            index, /*nontemporal=*/false,
            llvm::MaybeAlign(actBytes * plan.actLanes));
      }
      Value x = vector::ExtractOp::create(b, loaded, element % plan.actLanes);
      // f16 and bf16 activations widen exactly; the rest is f32.
      if (!plan.actElement.isF32())
        x = arith::ExtFOp::create(b, b.getF32Type(), x);
      return x;
    };

    if (plan.integerDot)
      return emitIntegerChunk(chunk, firstElement, codes, acc);

    SmallVector<Value> result(acc.begin(), acc.end());
    Value zero = arith::ConstantFloatOp::create(b, b.getF32Type(),
                                                llvm::APFloat(0.0f));
    for (int64_t sub = 0; sub < plan.blocksPerChunk; ++sub) {
      Value block = blockOf(chunk, firstElement, sub);
      SmallVector<Value> dialectRows, halfScales, actUnits;
      SmallVector<SmallVector<Value, 4>> dialectWords;
      for (int64_t g = 0; g < rowsPerWarp; ++g) {
        halfScales.push_back(halfScale(rows[g], block));
        if (plan.permuteDecode)
          dialectWords.push_back(permuteWords(rows[g], block, halfScales[g]));
        else
          dialectRows.push_back(dialectRow(rows[g], block));
      }
      if (plan.actScheme) {
        actDialectRows.clear();
        for (int64_t t = 0; t < tileRows; ++t) {
          actDialectRows.push_back(actDialectRow(packedActRows[t], block));
          actUnits.push_back(actUnit(packedActRows[t], block));
        }
      }
      SmallVector<Value> sums(rowsPerWarp * tileRows, zero);
      // Codes decode a byte (table) or a 32-bit word (permute) at a time.
      int64_t unitBytes = plan.permuteDecode ? 4 : 1;
      for (int64_t u = 0; u < plan.bytesPerChunkBlock / unitBytes; ++u) {
        int64_t firstByte = sub * plan.bytesPerChunkBlock + u * unitBytes;
        // weights[g][e]: element 2 * firstByte + e of row g; of a byte, the
        // low nibble is the even element, the high one the odd.
        SmallVector<SmallVector<Value, 8>> weights(rowsPerWarp);
        for (int64_t g = 0; g < rowsPerWarp; ++g) {
          if (plan.permuteDecode) {
            gpukernel::decodeWordByPermute(
                b, vector::ExtractOp::create(b, codes[g], firstByte / 4),
                dialectWords[g], weights[g]);
            continue;
          }
          Value code = vector::ExtractOp::create(b, codes[g], firstByte);
          Value lowCode = arith::AndIOp::create(
              b, code, arith::ConstantIntOp::create(b, b.getI8Type(), 15));
          Value highCode = arith::ShRUIOp::create(
              b, code, arith::ConstantIntOp::create(b, b.getI8Type(), 4));
          weights[g].push_back(lookup(dialectRows[g], lowCode));
          weights[g].push_back(lookup(dialectRows[g], highCode));
        }
        for (int64_t t = 0; t < tileRows; ++t)
          for (int64_t e = 0; e < 2 * unitBytes; ++e) {
            Value x = activation(t, 2 * firstByte + e);
            for (int64_t g = 0; g < rowsPerWarp; ++g) {
              Value &sum = sums[g * tileRows + t];
              sum = gpukernel::fma(b, weights[g][e], x, sum);
            }
          }
      }
      for (int64_t g = 0; g < rowsPerWarp; ++g)
        for (int64_t t = 0; t < tileRows; ++t) {
          // W4A4: the sum is an integer dot product, worth unitA * unitW
          // per step (the reference's product of units, in its order).
          Value scale =
              plan.actScheme
                  ? Value(arith::MulFOp::create(b, actUnits[t], halfScales[g]))
                  : halfScales[g];
          Value &total = result[g * tileRows + t];
          total = gpukernel::fma(b, sums[g * tileRows + t], scale, total);
        }
    }
    return result;
  }

  /// The block that block `sub` of chunk `chunk` (whose first element is
  /// `firstElement`) lies in: with several blocks per chunk, one of them;
  /// else the block holding the chunk.
  Value blockOf(Value chunk, Value firstElement, int64_t sub) {
    if (plan.blocksPerChunk == 1)
      return arith::DivUIOp::create(b, firstElement,
                                    cst(plan.scheme.blockSize));
    Value firstBlock =
        arith::MulIOp::create(b, chunk, cst(plan.blocksPerChunk));
    return arith::AddIOp::create(b, firstBlock, cst(sub));
  }

  /// W4A4: the codes of chunk `chunk` of tile row `t`'s packed activation
  /// row (`plan.actChunkBytes` bytes, at the same place in their row as the
  /// weights' codes, so aligned to their size up to 16 bytes).
  Value loadActivationCodes(Value chunk, int64_t t) {
    Value rowStart = arith::MulIOp::create(b, packedActRows[t],
                                           cst(actLayout->codeBytesPerRow));
    Value chunkStart = arith::MulIOp::create(b, chunk, cst(plan.actChunkBytes));
    Value offset = arith::AddIOp::create(b, rowStart, chunkStart);
    return vector::LoadOp::create(
        b, VectorType::get({plan.actChunkBytes}, b.getI8Type()), activations,
        ValueRange{offset}, /*nontemporal=*/false,
        llvm::MaybeAlign(std::min<int64_t>(plan.actChunkBytes, 16)));
  }

  /// emitChunk for `plan.integerDot`, given the weight rows' code words
  /// of the chunk: each block's products summed by `dp4a` in i32, exact,
  /// then converted (exactly: MatmulOp's verifier keeps block sums below
  /// 2^24) and added to the totals as the f32 path adds its sums.
  SmallVector<Value> emitIntegerChunk(Value chunk, Value firstElement,
                                      ArrayRef<Value> codes, ValueRange acc) {
    const num::Scheme &actScheme = *plan.actScheme;
    bool int8Acts = actScheme.book.isInteger();
    // Every activation row's codes of the chunk as i32 words: 8 4-bit
    // codes, or 4 INT8 codes, each.
    SmallVector<Value> actWords;
    for (int64_t t = 0; t < tileRows; ++t)
      actWords.push_back(vector::BitCastOp::create(
          b, VectorType::get({plan.actChunkBytes / 4}, b.getI32Type()),
          loadActivationCodes(chunk, t)));
    SmallVector<Value> result(acc.begin(), acc.end());
    Value zero = arith::ConstantIntOp::create(b, b.getI32Type(), 0);
    for (int64_t sub = 0; sub < plan.blocksPerChunk; ++sub) {
      Value block = blockOf(chunk, firstElement, sub);
      SmallVector<Value> halfScales, actUnits;
      SmallVector<SmallVector<Value, 4>> dialectWords, actDialectWords;
      for (int64_t g = 0; g < plan.rowsPerWarp; ++g) {
        halfScales.push_back(halfScale(rows[g], block));
        dialectWords.push_back(permuteWords(rows[g], block, halfScales[g]));
      }
      for (int64_t t = 0; t < tileRows; ++t) {
        actUnits.push_back(actUnit(packedActRows[t], block));
        if (!int8Acts)
          actDialectWords.push_back(
              actPermuteWords(packedActRows[t], block, actUnits[t]));
      }
      SmallVector<Value> sums(plan.rowsPerWarp * tileRows, zero);
      for (int64_t u = 0; u < plan.bytesPerChunkBlock / 4; ++u) {
        // Word w of the chunk's weight codes: elements 8w ... 8w + 7.
        int64_t word = (sub * plan.bytesPerChunkBlock) / 4 + u;
        SmallVector<std::array<Value, 2>> weights, acts;
        for (int64_t g = 0; g < plan.rowsPerWarp; ++g)
          weights.push_back(gpukernel::decodeWordToSignedBytes(
              b, vector::ExtractOp::create(b, codes[g], word),
              dialectWords[g]));
        for (int64_t t = 0; t < tileRows; ++t) {
          if (int8Acts) {
            Value low = vector::ExtractOp::create(b, actWords[t], 2 * word);
            Value high =
                vector::ExtractOp::create(b, actWords[t], 2 * word + 1);
            acts.push_back({low, high});
            continue;
          }
          acts.push_back(gpukernel::decodeWordToSignedBytes(
              b, vector::ExtractOp::create(b, actWords[t], word),
              actDialectWords[t]));
        }
        for (int64_t g = 0; g < plan.rowsPerWarp; ++g)
          for (int64_t t = 0; t < tileRows; ++t) {
            Value &sum = sums[g * tileRows + t];
            for (int half = 0; half < 2; ++half)
              sum = gpukernel::dp4a(b, weights[g][half], acts[t][half], sum);
          }
      }
      for (int64_t g = 0; g < plan.rowsPerWarp; ++g)
        for (int64_t t = 0; t < tileRows; ++t) {
          Value scale = arith::MulFOp::create(b, actUnits[t], halfScales[g]);
          Value sum = arith::SIToFPOp::create(b, b.getF32Type(),
                                              sums[g * tileRows + t]);
          Value &total = result[g * tileRows + t];
          total = gpukernel::fma(b, sum, scale, total);
        }
    }
    return result;
  }

  /// Where the table row of the dialect of block `block` of row `row`
  /// starts: 16 * its dialect id (0 for one-dialect books).
  Value dialectRow(Value row, Value block) {
    if (!plan.scheme.book.storesDialectIds())
      return cst(0);
    return dialectRowAt(packed, dialectIdOffset(row, block), block, 0);
  }

  /// The byte of the packed weights that holds the dialect id of block
  /// `block` of row `row` (two ids per byte).
  Value dialectIdOffset(Value row, Value block) {
    const num::BlockLayout &layout = plan.layout;
    return arith::AddIOp::create(
        b, cst(layout.dialectsOffset),
        arith::AddIOp::create(
            b, arith::MulIOp::create(b, row, cst(layout.dialectBytesPerRow)),
            arith::DivUIOp::create(b, block, cst(2))));
  }

  /// The four words of the dialect of block `block` of row `row` for the
  /// permute decode: constants for one-dialect books, else loaded (one
  /// 16-byte load, L1-cached) from the words of all 16 ids. A padding id
  /// past a custom book (only a corrupt buffer names one) makes the block's
  /// `halfScale` NaN, as the table's NaN rows and the numerics core do.
  SmallVector<Value, 4> permuteWords(Value row, Value block, Value &halfScale) {
    return permuteWordsAt(plan.scheme.book, packed, dialectIdOffset(row, block),
                          block, permuteTable, halfScale);
  }

  /// The same for block `block` of packed activation row `actRow` (4-bit
  /// codes under `plan.integerDot`): a padding id makes `unit` NaN.
  SmallVector<Value, 4> actPermuteWords(Value actRow, Value block,
                                        Value &unit) {
    return permuteWordsAt(plan.actScheme->book, activations,
                          actLayout->dialectOffset(b, actRow, block), block,
                          actPermuteTable, unit);
  }

  /// The words of `book`'s dialect whose id is the nibble of block `block`
  /// in the byte at `offset` of `buffer` (constants for one-dialect books),
  /// from `words`; `scale` becomes NaN for a padding id.
  SmallVector<Value, 4> permuteWordsAt(const num::FormatBook &book,
                                       Value buffer, Value offset, Value block,
                                       Value words, Value &scale) {
    gpukernel::PermuteValues values = plan.permuteValues();
    if (!book.storesDialectIds())
      return gpukernel::permuteWordsOf(b, book, values, Value(), Value());
    Value id = arith::IndexCastUIOp::create(
        b, b.getIndexType(),
        gpukernel::loadDialectId(b, buffer, offset, block));
    SmallVector<Value, 4> result =
        gpukernel::permuteWordsOf(b, book, values, words, id);
    scale = gpukernel::nanForPaddingId(b, book, id, scale);
    return result;
  }

  /// W4A4: where the table row of the dialect of block `block` of packed
  /// activation row `actRow` starts.
  Value actDialectRow(Value actRow, Value block) {
    if (!plan.actScheme->book.storesDialectIds())
      return cst(plan.actDialectBase());
    return dialectRowAt(activations, actLayout->dialectOffset(b, actRow, block),
                        block, plan.actDialectBase());
  }

  /// `base` + 16 * the dialect id of block `block`, whose nibble is in the
  /// byte at `offset` of `buffer`.
  Value dialectRowAt(Value buffer, Value offset, Value block, int64_t base) {
    Value id = gpukernel::loadDialectId(b, buffer, offset, block);
    return arith::AddIOp::create(
        b,
        arith::MulIOp::create(
            b, arith::IndexCastUIOp::create(b, b.getIndexType(), id), cst(16)),
        cst(base));
  }

  /// 0.5 * scale of block `block` of row `row` (numerics::halfScale).
  Value halfScale(Value row, Value block) {
    const num::BlockLayout &layout = plan.layout;
    Value index = arith::AddIOp::create(
        b, arith::MulIOp::create(b, row, cst(layout.blocksPerRow)), block);
    Value offset = arith::AddIOp::create(
        b, cst(layout.scalesOffset),
        arith::MulIOp::create(b, index, cst(layout.scaleBytesPerCode)));
    return halfScaleAt(packed, offset, plan.scheme.scale, plan.dialectEntries);
  }

  /// W4A4: what one integer step of block `block` of packed activation row
  /// `actRow` is worth (numerics::referenceIntegerGemm's unit): the half
  /// scale for 4-bit books, half + half for INT8 (integers q).
  Value actUnit(Value actRow, Value block) {
    Value half = halfScaleAt(activations, actLayout->scaleOffset(b, actRow, block),
                             plan.actScheme->scale, plan.actScaleBase());
    if (plan.actScheme->book.isInteger())
      return arith::AddFOp::create(b, half, half);
    return half;
  }

  /// 0.5 * the scale whose code is at `offset` of `buffer`: an 8-bit code
  /// indexes the table's half scales from `tableBase`; F16 is converted.
  Value halfScaleAt(Value buffer, Value offset, num::ScaleKind kind,
                    int64_t tableBase) {
    return gpukernel::loadHalfScale(b, buffer, offset, kind, table, tableBase);
  }

  /// The signed magnitude (half units, as f32) of a 4-bit code (an i8 in
  /// [0, 15]) in the dialect whose table row starts at `dialectRow`.
  Value lookup(Value dialectRow, Value code) {
    Value entry = arith::AddIOp::create(
        b, dialectRow, arith::IndexCastUIOp::create(b, b.getIndexType(), code));
    return memref::LoadOp::create(b, table, ValueRange{entry});
  }


  /// out[batch, m, n] += total for every output of the warp that exists.
  void storeTotals(ArrayRef<Value> totals) {
    for (int64_t g = 0; g < plan.rowsPerWarp; ++g)
      for (int64_t t = 0; t < tileRows; ++t) {
        Value rowExists = arith::CmpIOp::create(
            b, arith::CmpIPredicate::ult,
            arith::AddIOp::create(b, firstRow, cst(g)), cst(plan.rows));
        Value mExists = arith::CmpIOp::create(
            b, arith::CmpIPredicate::ult,
            arith::AddIOp::create(b, firstM, cst(t)), m);
        Value exists = arith::AndIOp::create(b, rowExists, mExists);
        Value total = totals[g * tileRows + t];
        Value row = rows[g], actRow = actRows[t];
        gpukernel::inThen(b, exists, [&] {
          Value column = arith::SubIOp::create(
              b, row, arith::MulIOp::create(b, batchIndex, cst(plan.n)));
          SmallVector<Value> index =
              gpukernel::bufferIndex(plan.batched, batchIndex, actRow, column);
          // Other splits of K add to the same output.
          gpukernel::addToOutput(b, out, index, total,
                                 /*atomic=*/plan.splits > 1);
        });
      }
  }

  ImplicitLocOpBuilder &b;
  const KernelPlan &plan;
  int64_t tileRows;
  Value packed, activations, out, table, permuteTable, actPermuteTable, m;
  Value lane, firstRow, firstM, batchIndex;
  SmallVector<Value> rows, actRows;
  /// W4A4: the activations' packed layout and each tile row's packed row.
  std::optional<cpu::PackedLayout> actLayout;
  SmallVector<Value> packedActRows;
};

/// The constant globals a kernel reads: the f32 table it copies into
/// workgroup memory (empty: the plan needs none) and the permute decode's
/// dialect words of the weights and (integerDot) the activations (empty:
/// none, or constants in the kernel).
struct KernelTables {
  StringRef decode, permute, actPermute;
};

/// Launches the kernel with `tileRows` activation rows per warp over the
/// `slabRows` rows from `slabFirst` (null: from 0, all `m` rows) of the
/// `m` rows (m > 0).
void emitLaunch(ImplicitLocOpBuilder &b, const KernelPlan &plan,
                int64_t tileRows, const KernelTables &tables, Value packed,
                Value activations, Value out, Value m, Value slabFirst,
                Value slabRows) {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  int64_t rowsPerBlock = kWarps * plan.rowsPerWarp;
  Value gridX = cst((plan.rows + rowsPerBlock - 1) / rowsPerBlock);
  Value gridY = arith::DivUIOp::create(
      b, arith::AddIOp::create(b, slabFirst ? slabRows : m, cst(tileRows - 1)),
      cst(tileRows));
  int64_t entries = plan.tableEntries();
  SmallVector<Type> workgroup;
  if (!tables.decode.empty())
    workgroup.push_back(
        MemRefType::get({entries}, b.getF32Type(), MemRefLayoutAttrInterface(),
                        gpu::AddressSpaceAttr::get(
                            b.getContext(), gpu::AddressSpace::Workgroup)));
  auto launch = gpu::LaunchOp::create(
      b, gridX, gridY, cst(plan.splits), cst(kWarps * kWarpSize), cst(1),
      cst(1),
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/ValueRange{}, workgroup);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value globalTable, table, permuteTable, actPermuteTable;
  if (!tables.decode.empty()) {
    globalTable = memref::GetGlobalOp::create(
        b, MemRefType::get({entries}, b.getF32Type()), tables.decode);
    table = launch.getWorkgroupAttributions().front();
  }
  // The dialect words stay in global memory: one 16-byte load per block
  // and row, which L1 serves, where a workgroup copy would be aligned to 4
  // bytes only and take four loads.
  if (!tables.permute.empty())
    permuteTable =
        gpukernel::getPermuteTable(b, plan.scheme.book, tables.permute);
  if (!tables.actPermute.empty())
    actPermuteTable =
        gpukernel::getPermuteTable(b, plan.actScheme->book, tables.actPermute);
  KernelBuilder(b, plan, tileRows, packed, activations, out, table,
                permuteTable, actPermuteTable, m)
      .emit(globalTable, slabFirst);
  gpu::TerminatorOp::create(b);
}

/// For a row count `m` known only at run time: `oneRow` emits what runs when
/// m == 1 (given the constant 1), `several` what runs when m > 1; nothing
/// runs for m == 0 (a grid of 0 blocks cannot launch).
void dispatchOnRows(ImplicitLocOpBuilder &b, Value m,
                    llvm::function_ref<void(Value one)> oneRow,
                    llvm::function_ref<void()> several) {
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value isOne = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, m, one);
  auto ifOne = scf::IfOp::create(b, isOne, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOne.thenBlock()->getTerminator());
  oneRow(one);
  b.setInsertionPoint(ifOne.elseBlock()->getTerminator());
  Value isSeveral = arith::CmpIOp::create(b, arith::CmpIPredicate::ugt, m, one);
  auto ifSeveral = scf::IfOp::create(b, isSeveral, /*withElseRegion=*/false);
  b.setInsertionPoint(ifSeveral.thenBlock()->getTerminator());
  several();
}

struct GPUMatmulKernelsPass
    : public qblock::impl::GPUMatmulKernelsBase<GPUMatmulKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (weightDecode != "permute" && weightDecode != "table") {
      emitError(module.getLoc())
          << "qblock-gpu-matmul-kernels: weight-decode=" << weightDecode
          << " is unknown; use permute (the default) or table";
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      if (callee && (callee->hasAttr(gpustub::kMatmulStubAttr) ||
                     callee->hasAttr(gpustub::kLutGemmStubAttr)))
        calls.push_back(call);
    });
    for (func::CallOp call : calls) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      LogicalResult expanded =
          callee->hasAttr(gpustub::kMatmulStubAttr)
              ? expand(call, module, symbols)
              : gpustub::expandLutGemmStub(
                    call, callee->getAttrOfType<DictionaryAttr>(
                              gpustub::kLutGemmStubAttr));
      if (failed(expanded))
        return signalPassFailure();
    }
    SmallVector<func::FuncOp> stubs;
    for (auto func : module.getOps<func::FuncOp>())
      if ((func->hasAttr(gpustub::kMatmulStubAttr) ||
           func->hasAttr(gpustub::kLutGemmStubAttr)) &&
          SymbolTable::symbolKnownUseEmpty(func, module))
        stubs.push_back(func);
    for (func::FuncOp stub : stubs)
      stub.erase();
  }

  /// Optimization remarks (--remarks-filter='qblock.*', KernelRemarks.h):
  /// the kernel a stub call becomes and, with tensor-cores=true, why a
  /// matmul did not take the tensor-core kernel (`noTensorCores`);
  /// `mmaPlan` is the tensor-core plan taken, if any.
  void remarkKernel(func::CallOp call, const KernelPlan &plan,
                    const gpukernel::MmaPlan *mmaPlan, bool integerKernel,
                    std::optional<int64_t> staticM, StringRef noTensorCores) {
    Location loc = call.getLoc();
    if (mmaPlan) {
      // The integer mma's k is the plan's unit (32, or 16 for blocks of 16).
      std::string instruction =
          integerKernel
              ? "mma.sync.m16n8k" + std::to_string(mmaPlan->unit) + ".s8"
              : "mma.sync.m16n8k16";
      remark::passed(
          loc, kernelRemark(call, kGPUKernelRemarks, "tensor-core-kernel"))
          << remark::add("{0} matmul on tensor cores ({1}), k = {2}, n = {3}",
                         integerKernel ? "W4A4/W4A8" : "W4A16", instruction,
                         plan.k, plan.n);
      return;
    }
    if (tensorCores)
      remark::missed(
          loc, kernelRemark(call, kGPUKernelRemarks, "tensor-core-kernel"))
          << remark::add("tensor-cores=true, but this matmul decodes on the "
                         "CUDA cores")
          << remark::reason("{0}", noTensorCores.str());
    // launchWith splits K only for launches of one row tile: a static M of
    // at most kTileRows, or the one-row launch of a dynamic M.
    std::string split;
    if (plan.splits > 1 && !staticM)
      split = "; a call with one activation row splits K " +
              std::to_string(plan.splits) + " ways";
    else if (plan.splits > 1 && *staticM == 1)
      split = "; its one activation row splits K " +
              std::to_string(plan.splits) + " ways";
    else if (plan.splits > 1 && *staticM <= kTileRows)
      split = "; its " + std::to_string(*staticM) +
              " activation rows split K " + std::to_string(plan.splits) +
              " ways";
    // Name the decode the plan took: weight-decode=table, blocks under 8
    // elements and odd chunk widths look codes up in workgroup memory.
    StringRef decode = plan.permuteDecode ? "decoding weights in registers "
                                            "(byte permutes)"
                       : plan.dialectEntries == 0
                           ? "decoding integer weights in registers"
                           : "decoding weights through a workgroup-memory "
                             "table";
    remark::passed(
        loc, kernelRemark(call, kGPUKernelRemarks,
                          integerKernel ? "integer-kernel" : "decode-kernel"))
        << remark::add("{0} matmul {1}, k = {2}, n = {3}{4}",
                       integerKernel ? "W4A4/W4A8" : "W4A16", decode, plan.k,
                       plan.n, split);
  }

  LogicalResult expand(func::CallOp call, ModuleOp module,
                       SymbolTable &symbols) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    auto fields = callee->getAttrOfType<DictionaryAttr>(gpustub::kMatmulStubAttr);
    auto scheme = fields ? fields.getAs<SchemeAttr>("scheme") : SchemeAttr();
    auto k = fields ? fields.getAs<IntegerAttr>("k") : IntegerAttr();
    auto n = fields ? fields.getAs<IntegerAttr>("n") : IntegerAttr();
    auto batch = fields ? fields.getAs<IntegerAttr>("batch") : IntegerAttr();
    if (!scheme || !k || !n || !batch)
      return call.emitOpError()
             << "calls a GPU matmul stub whose '" << gpustub::kMatmulStubAttr
             << "' attribute lacks scheme, k, n or batch; stubs come from "
                "--qblock-convert-matmul-to-gpu";
    if (!gpustub::hasStubOperands(call))
      return call.emitOpError()
             << "calls a GPU matmul stub with operands other than three "
                "identity-layout memrefs (packed weights, activations, "
                "output); bufferize with identity layouts";
    Value packed = call.getOperand(0), activations = call.getOperand(1),
          out = call.getOperand(2);
    auto actType = cast<MemRefType>(activations.getType());
    auto outType = cast<MemRefType>(out.getType());
    int64_t rank = outType.getRank();
    Type outElement = outType.getElementType();
    // W4A4 stubs name the activations' scheme; their activations operand is
    // the packed bytes.
    auto actScheme = fields.getAs<SchemeAttr>("act_scheme");
    if (fields.get("act_scheme") && !actScheme)
      return call.emitOpError()
             << "calls a GPU matmul stub whose act_scheme is not a "
                "#qblock.scheme";
    Type actElement = actScheme ? Type() : actType.getElementType();
    if ((rank != 2 && rank != 3) ||
        !gpustub::isKernelElementType(outElement) ||
        (actScheme ? !(actType.getRank() == 1 &&
                       actType.getElementType().isInteger(8))
                   : !(actType.getRank() == rank &&
                       gpustub::isKernelElementType(actElement))))
      return call.emitOpError()
             << "passes activations of type " << actType << " and output of "
             << "type " << outType << " to a GPU matmul stub; they must be "
             << "memrefs of rank 2 ([M, K], [M, N]) or 3 (with a leading "
             << "batch dimension) of f32, f16 or bf16"
             << (actScheme ? ", the activations (act_scheme) packed bytes "
                             "memref<?xi8>"
                           : "");
    if (actScheme && (actScheme.getBlockSize() != scheme.getBlockSize() ||
                      scheme.toNumerics().book.isInteger()))
      return call.emitOpError()
             << "calls a GPU matmul stub with activations in "
             << actScheme << " and weights in " << scheme
             << "; W4A4 kernels need 4-bit weights and the same block size";

    if (k.getInt() <= 0 || k.getInt() % scheme.getBlockSize() != 0 ||
        n.getInt() <= 0 || batch.getInt() <= 0)
      return call.emitOpError()
             << "calls a GPU matmul stub with k = " << k.getInt()
             << ", n = " << n.getInt() << ", batch = " << batch.getInt()
             << "; they must be positive and k a multiple of the block size "
             << scheme.getBlockSize();
    if ((!actScheme && actType.getDimSize(rank - 1) != k.getInt()) ||
        outType.getDimSize(rank - 1) != n.getInt())
      return call.emitOpError()
             << "passes activations of type " << actType << " and output of "
             << "type " << outType << " to a GPU matmul stub for k = "
             << k.getInt() << ", n = " << n.getInt()
             << "; their last dimensions must be k and n";
    std::optional<num::Scheme> actNumerics;
    if (actScheme)
      actNumerics = actScheme.toNumerics();
    KernelPlan plan = makePlan(
        scheme.toNumerics(), k.getInt(), n.getInt(), batch.getInt(), rank == 3,
        actElement, outElement, actNumerics, weightDecode == "permute");
    auto packedType = cast<MemRefType>(packed.getType());
    if (packedType.getRank() != 1 ||
        !packedType.getElementType().isInteger(8) ||
        (packedType.hasStaticShape() &&
         packedType.getDimSize(0) != plan.layout.totalBytes))
      return call.emitOpError()
             << "passes packed weights of type " << packedType
             << " to a GPU matmul stub whose scheme and shape need memref<"
             << plan.layout.totalBytes << "xi8>";
    int64_t mDim = rank - 2;
    if (actScheme && !outType.isDynamicDim(mDim) && actType.hasStaticShape()) {
      int64_t actBytes = num::computeLayout(batch.getInt() *
                                                outType.getDimSize(mDim),
                                            k.getInt(), *actNumerics)
                             .totalBytes;
      if (actType.getDimSize(0) != actBytes)
        return call.emitOpError()
               << "passes packed activations of type " << actType
               << " to a GPU matmul stub whose act_scheme and shape need "
               << "memref<" << actBytes << "xi8>";
    }
    ImplicitLocOpBuilder b(call.getLoc(), call);
    // Tensor cores (option tensor-cores): every M, where the matmul
    // qualifies (MmaMatmulKernel.h).
    std::optional<int64_t> staticM;
    if (!outType.isDynamicDim(mDim))
      staticM = outType.getDimSize(mDim);
    std::optional<gpukernel::MmaPlan> mmaPlan;
    std::string noTensorCores;
    if (tensorCores)
      mmaPlan = gpukernel::planMmaMatmul(
          plan.scheme, plan.k, plan.n, plan.batch, plan.batched, actElement,
          outElement, staticM, weightDecode == "permute", actNumerics,
          &noTensorCores);
    if (!staticM || *staticM > 0)
      remarkKernel(call, plan, mmaPlan ? &*mmaPlan : nullptr,
                   actScheme != nullptr, staticM, noTensorCores);
    if (mmaPlan) {
      if (staticM) {
        if (*staticM > 0)
          gpukernel::emitMmaMatmul(b, module, symbols, *mmaPlan, packed,
                                   activations, out,
                                   arith::ConstantIndexOp::create(b, *staticM));
        call.erase();
        return success();
      }
      // A dynamic M: one row gets the plan of a static M = 1 (one row
      // tile, split K), more the general one.
      Value m = memref::DimOp::create(b, out, mDim);
      dispatchOnRows(
          b, m,
          [&](Value one) {
            gpukernel::emitMmaMatmul(
                b, module, symbols,
                *gpukernel::planMmaMatmul(
                    plan.scheme, plan.k, plan.n, plan.batch, plan.batched,
                    actElement, outElement, 1, weightDecode == "permute",
                    actNumerics),
                packed, activations, out, one);
          },
          [&] {
            gpukernel::emitMmaMatmul(b, module, symbols, *mmaPlan, packed,
                                     activations, out, m);
          });
      call.erase();
      return success();
    }
    KernelTables tables;
    if (plan.tableEntries() > 0)
      tables.decode = gpukernel::getOrCreateDecodeTable(b, module, symbols,
                                                        tableValues(plan));
    gpukernel::PermuteValues values = plan.permuteValues();
    if (plan.permuteDecode && plan.scheme.book.storesDialectIds())
      tables.permute = gpukernel::getOrCreatePermuteTable(
          b, module, symbols, plan.scheme.book, values);
    if (plan.integerDot && plan.actScheme->book.storesDialectIds())
      tables.actPermute = gpukernel::getOrCreatePermuteTable(
          b, module, symbols, plan.actScheme->book, values);
    // Split-K only where all activation rows fit one tile (a GEMV or a few
    // rows): more rows give the grid enough blocks along y already.
    auto launchWith = [&](ImplicitLocOpBuilder &lb, int64_t tileRows,
                          Value m, bool oneTile) {
      KernelPlan launchPlan = plan;
      if (!oneTile) {
        launchPlan.splits = 1;
        launchPlan.chunksPerSplit = plan.chunksPerRow;
      }
      // A grid's y dimension holds at most 65535 blocks: more activation
      // rows go in slabs of 65535 tiles (a dynamic M may be anything).
      int64_t slab = kMaxGridBlocks * tileRows;
      auto staticM = getConstantIntValue(m);
      if (oneTile || (staticM && *staticM <= slab)) {
        emitLaunch(lb, launchPlan, tileRows, tables, packed, activations, out,
                   m, Value(), Value());
        return;
      }
      gpukernel::forEachSlab(lb, m, slab, [&](Value first, Value rows) {
        emitLaunch(lb, launchPlan, tileRows, tables, packed, activations, out,
                   m, first, rows);
      });
    };
    if (staticM) {
      int64_t m = *staticM;
      if (m > 0)
        launchWith(b, std::min(m, kTileRows),
                   arith::ConstantIndexOp::create(b, m), m <= kTileRows);
    } else {
      // M known at run time: the GEMV kernel for one row, the tiled one
      // for more.
      Value m = memref::DimOp::create(b, out, mDim);
      dispatchOnRows(
          b, m, [&](Value) { launchWith(b, 1, m, /*oneTile=*/true); },
          [&] { launchWith(b, kTileRows, m, /*oneTile=*/false); });
    }
    call.erase();
    return success();
  }
};

} // namespace
