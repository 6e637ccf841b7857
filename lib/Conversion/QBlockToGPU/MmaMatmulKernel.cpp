//===- MmaMatmulKernel.cpp - Matmuls on tensor cores ----------------------===//
//
// The tensor-core variant of the matmul kernels (docs/gpu-lowering.md,
// "Tensor cores"), any M: W4A16 for f16/bf16 activations, and W4A4/W4A8
// for packed activations (the integer mma, last point).
//
//  * Each warp issues mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}:
//    A = 16 activation rows x 16 inputs (row major, as the activations lie),
//    B = 16 inputs x 8 packed weight rows ("col": each weight row's inputs
//    are contiguous), f32 accumulators. A thread block has kWarps warps side
//    by side along the weight rows; a warp owns mTiles x 16 activation rows
//    and nTiles x 8 weight rows.
//  * K goes in units of `unit` inputs (32, or 16) inside one block. A sum
//    over a unit does not care which mma k position stands for which
//    input, as long as A and B agree. Lane (g = lane / 4, t = lane % 4)
//    holds k positions 2t, 2t+1, 2t+8, 2t+9 of every step of both
//    fragments, so it takes the unit's quarter t, inputs [t * unit / 4,
//    (t + 1) * unit / 4): one contiguous load of activations per row and
//    unit / 8 contiguous code bytes of its weight row. Step s uses the
//    quarter's inputs 4s .. 4s+3: k positions 2t, 2t+1 are inputs 4s, 4s+1
//    (one code byte: low nibble, high nibble), 2t+8, 2t+9 are 4s+2, 4s+3.
//  * B holds codes, not weights: the signed magnitudes in half units,
//    integers that f16 and bf16 hold exactly. A code byte is one 32-bit B
//    register: by default (weight-decode=permute) built by prmt byte
//    permutes from the block dialect's words, the bytes of its 8
//    magnitudes as f16 or bf16 (PermuteDecode.h); with weight-decode=table
//    looked up whole in a workgroup table of 256 packed pairs per dialect. The
//    mma's products are exact and its sums f32; each unit's sum is multiplied
//    by its block's half scale once, in f32, as the CUDA-core kernel does
//    (GPUMatmulKernels.cpp), so F16 and E4M3 scales cost no accuracy either.
//  * Split-K where the grid is small (a GEMV, or a GEMM with few rows):
//    each grid z index takes a range of units and adds into the output with
//    atomic adds (f32 outputs only; f16/bf16 outputs round once and never
//    split).
//  * W4A4/W4A8: mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32, one per
//    unit of 32 inputs and tile (m16n8k16 for units of 16). Lane (g, t)
//    holds k positions 4t .. 4t+3 and 16 + 4t .. 16 + 4t + 3 of each
//    fragment (k = 16: the first four), 8 positions, so it takes the
//    unit's inputs 8t .. 8t + 7 (4t .. 4t + 3): one 32-bit word (16 bits)
//    of 4-bit weight codes per weight row, which the permute decode turns
//    into two registers (one) of signed bytes (the magnitudes in half
//    units, PermuteDecode.h), and the same of 4-bit activation codes, or
//    the INT8 activation codes as they lie. The s32 sums are exact; each is
//    converted (exactly: MatmulOp's verifier keeps block sums below 2^24) and
//    added as fma(sum, actUnit * halfScale, total), where actUnit is what one
//    integer step of the activation block is worth
//    (numerics::referenceIntegerGemm), as the CUDA-core integer kernel
//    (GPUMatmulKernels.cpp) does per chunk.
//
//===----------------------------------------------------------------------===//

#include "MmaMatmulKernel.h"
#include "KernelBuilding.h"
#include "PermuteDecode.h"

#include "../QBlockToCPU/PackedLayout.h"

#include "qblock/Numerics/Scale.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Support/DebugStringHelper.h"
#include "llvm/ADT/APFloat.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
namespace num = ::qblock::numerics;

namespace qblock::gpukernel {
namespace {

/// Warps per thread block, side by side along the weight rows.
constexpr int64_t kWarps = 4;
/// mma.sync m16n8k16 (f16/bf16; the integer mma's k is the unit: 32 or
/// 16).
constexpr int64_t kMmaM = 16, kMmaN = 8, kMmaK = 16;
/// Table entries per dialect: one per code byte.
constexpr int64_t kPairsPerDialect = 256;

/// Per dialect and code byte, the B register of its two codes: the low
/// nibble's magnitude in the low half (the even input), the high nibble's
/// in the high half. Nothing when a magnitude is not exact in the type.
std::optional<std::vector<int32_t>> pairTable(const MmaPlan &plan) {
  bool bf16 = plan.actElement.isBF16();
  std::vector<int32_t> pairs(plan.dialects * kPairsPerDialect);
  for (int64_t d = 0; d < plan.dialects; ++d)
    for (int byte = 0; byte < 256; ++byte) {
      auto low = exactHalfBits(signedMagnitude(plan.scheme.book, d, byte & 15),
                               bf16);
      auto high = exactHalfBits(signedMagnitude(plan.scheme.book, d, byte >> 4),
                                bf16);
      if (!low || !high)
        return std::nullopt;
      pairs[d * kPairsPerDialect + byte] =
          static_cast<int32_t>(uint32_t(*low) | (uint32_t(*high) << 16));
    }
  return pairs;
}

/// Builds one kernel body at the builder's position.
class MmaKernelBuilder {
public:
  /// `pairs` (workgroup, table decode) or `permuteTable` (global, permute
  /// decode of a book that stores dialect ids) may be null, and `scales`
  /// is null when no scale is an 8-bit code. Integer plans: the
  /// activations' half scales start at `actScaleBase` of `scales`, and
  /// `actPermuteTable` holds the words of their book when it stores ids.
  MmaKernelBuilder(ImplicitLocOpBuilder &b, const MmaPlan &plan, int64_t splits,
                   int64_t unitsPerSplit, Value packed, Value activations,
                   Value out, Value pairs, Value permuteTable, Value scales,
                   Value m, Value actPermuteTable, int64_t actScaleBase)
      : b(b), plan(plan), splits(splits), unitsPerSplit(unitsPerSplit),
        packed(packed), activations(activations), out(out), pairs(pairs),
        permuteTable(permuteTable), scales(scales), m(m),
        actPermuteTable(actPermuteTable), actScaleBase(actScaleBase) {}

  void emit(Value globalPairs, Value globalScales, Value slabFirst) {
    Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    if (globalPairs)
      copyToWorkgroup(b, globalPairs, pairs, tid, kWarps * kWarpSize);
    if (globalScales)
      copyToWorkgroup(b, globalScales, scales, tid, kWarps * kWarpSize);
    if (globalPairs || globalScales)
      gpu::BarrierOp::create(b);
    Value warp = arith::DivUIOp::create(b, tid, cst(kWarpSize));
    Value lane = arith::RemUIOp::create(b, tid, cst(kWarpSize));
    group = arith::DivUIOp::create(b, lane, cst(4));
    quarter = arith::RemUIOp::create(b, lane, cst(4));
    // (Operands that are ops of their own are built one statement at a
    // time: C++ leaves the order of argument evaluation to the compiler,
    // and the IR, which the tests read, should not depend on it.)
    Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    Value warpIndex = arith::AddIOp::create(b, mul(blockX, kWarps), warp);
    firstCol = mul(warpIndex, plan.nTiles * kMmaN);
    firstM = mul(gpu::BlockIdOp::create(b, gpu::Dimension::y),
                 plan.mTiles * kMmaM);
    if (slabFirst)
      firstM = arith::AddIOp::create(b, slabFirst, firstM);
    if (plan.integer()) {
      Value actRowCount = mul(m, plan.batch);
      actLayout =
          cpu::PackedLayout::build(b, actRowCount, plan.k, *plan.actScheme);
    }
    // mma.sync needs all 32 lanes: the condition is uniform across a warp.
    Value hasRows = arith::CmpIOp::create(b, arith::CmpIPredicate::ult,
                                          firstCol, cst(plan.rows));
    inThen(b, hasRows, [&] { emitWarp(); });
  }

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value add(Value x, int64_t v) { return arith::AddIOp::create(b, x, cst(v)); }
  Value mul(Value x, int64_t v) { return arith::MulIOp::create(b, x, cst(v)); }
  Value clampBelow(Value x, Value bound) {
    return arith::MinUIOp::create(b, x, bound);
  }

  void emitWarp() {
    // Rows past the end are clamped for reading (every load stays inside
    // the buffers) and never written.
    Value lastRow = cst(plan.rows - 1);
    Value lastM = arith::SubIOp::create(b, m, cst(1));
    Value twiceQuarter = arith::MulIOp::create(b, quarter, cst(2));
    for (int64_t nt = 0; nt < plan.nTiles; ++nt) {
      Value tileCol = add(firstCol, nt * kMmaN);
      // B column g is weight row tileCol + g; accumulator columns 2t, 2t+1.
      weightRows.push_back(
          clampBelow(arith::AddIOp::create(b, tileCol, group), lastRow));
      for (int64_t j = 0; j < 2; ++j)
        scaleRows.push_back(clampBelow(
            add(arith::AddIOp::create(b, tileCol, twiceQuarter), j), lastRow));
    }
    // A rows g and g + 8 of each 16-row tile.
    for (int64_t mt = 0; mt < plan.mTiles; ++mt)
      for (int64_t h = 0; h < 2; ++h)
        actRows.push_back(clampBelow(
            add(arith::AddIOp::create(b, firstM, group), mt * kMmaM + 8 * h),
            lastM));
    // The warp's weight rows share one batch (planMmaMatmul).
    batchIndex = plan.batched
                     ? Value(arith::DivUIOp::create(b, firstCol, cst(plan.n)))
                     : cst(0);
    // Integer plans: the rows of the packed activations, [batch, M]
    // flattened.
    if (plan.integer())
      for (Value actRow : actRows) {
        if (!plan.batched) {
          packedActRows.push_back(actRow);
          continue;
        }
        Value batchStart = arith::MulIOp::create(b, batchIndex, m);
        packedActRows.push_back(arith::AddIOp::create(b, batchStart, actRow));
      }

    Value zero = arith::ConstantFloatOp::create(b, b.getF32Type(),
                                                llvm::APFloat(0.0f));
    SmallVector<Value> init(plan.mTiles * plan.nTiles * 4, zero);
    int64_t units = plan.k / plan.unit;
    Value firstUnit = cst(0), endUnit = cst(units);
    if (splits > 1) {
      firstUnit = arith::MulIOp::create(
          b, gpu::BlockIdOp::create(b, gpu::Dimension::z), cst(unitsPerSplit));
      endUnit = clampBelow(add(firstUnit, unitsPerSplit), cst(units));
    }
    auto loop = scf::ForOp::create(b, firstUnit, endUnit, cst(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(loop.getBody());
      Value unit = loop.getInductionVar();
      ValueRange acc = loop.getRegionIterArgs();
      scf::YieldOp::create(b, plan.integer() ? emitIntegerUnit(unit, acc)
                                             : emitUnit(unit, acc));
    }
    storeResults(loop.getResults());
  }

  /// The B register (f16: vector<2xf16>; bf16: i32) of a packed pair.
  Value pairOperand(Value bits) {
    if (plan.actElement.isBF16())
      return bits;
    Value asVector = vector::BroadcastOp::create(
        b, VectorType::get({1}, b.getI32Type()), bits);
    return vector::BitCastOp::create(b, VectorType::get({2}, b.getF16Type()),
                                     asVector);
  }

  /// Registers of two consecutive activations each (the A operand type)
  /// from one lane's load of unit / 4 of them.
  SmallVector<Value> activationWords(Value loaded) {
    int64_t words = plan.unit / 8;
    SmallVector<Value> result;
    if (plan.actElement.isBF16()) {
      Value asWords = vector::BitCastOp::create(
          b, VectorType::get({words}, b.getI32Type()), loaded);
      for (int64_t w = 0; w < words; ++w)
        result.push_back(vector::ExtractOp::create(b, asWords, w));
      return result;
    }
    // A two-element shuffle, not vector.extract_strided_slice: the NVVM
    // pipeline has no lowering for the latter.
    for (int64_t w = 0; w < words; ++w)
      result.push_back(vector::ShuffleOp::create(
          b, loaded, loaded, ArrayRef<int64_t>{2 * w, 2 * w + 1}));
    return result;
  }

  /// The B registers of this lane's code bytes `codes` (one per byte) in
  /// the dialect `id` (null: the one dialect), from the workgroup table.
  SmallVector<Value> lookupPairs(Value codes, Value id) {
    Value dialectBase = id ? mul(id, kPairsPerDialect) : cst(0);
    SmallVector<Value> words;
    int64_t bytes = cast<VectorType>(codes.getType()).getNumElements();
    for (int64_t j = 0; j < bytes; ++j) {
      Value byte = vector::ExtractOp::create(b, codes, j);
      Value entry = arith::AddIOp::create(
          b, dialectBase,
          arith::IndexCastUIOp::create(b, b.getIndexType(), byte));
      words.push_back(
          pairOperand(memref::LoadOp::create(b, pairs, ValueRange{entry})));
    }
    return words;
  }

  /// The same registers built by byte permutes from the dialect's four
  /// words (PermuteDecode.h). A padding id past a custom book (only a
  /// corrupt buffer names one) makes the registers NaN, as the pair
  /// table's NaN rows do.
  SmallVector<Value> permutePairs(Value codes, Value id) {
    const num::FormatBook &book = plan.scheme.book;
    bool bf16 = plan.actElement.isBF16();
    SmallVector<Value, 4> words =
        permuteWordsOf(b, book, plan.permuteValues(), permuteTable, id);
    int64_t bytes = cast<VectorType>(codes.getType()).getNumElements();
    Value word = codeWord(codes);
    SmallVector<Value> pairs;
    decodeWordToHalfPairs(b, word, 2 * bytes, words, pairs);
    Value valid = paddingIdValid(b, book, id);
    // Two quiet NaNs of the operand type.
    uint32_t nanBits = *exactHalfBits(std::nanf(""), bf16);
    Value nanPair = arith::ConstantIntOp::create(
        b, b.getI32Type(), static_cast<int32_t>(nanBits | (nanBits << 16)));
    SmallVector<Value> result;
    for (Value pair : pairs) {
      if (valid)
        pair = arith::SelectOp::create(b, valid, pair, nanPair);
      result.push_back(pairOperand(pair));
    }
    return result;
  }

  /// acc += this unit's products, per accumulator of every (mt, nt) tile.
  SmallVector<Value> emitUnit(Value unit, ValueRange acc) {
    const num::BlockLayout &layout = plan.layout;
    int64_t quarterBytes = plan.unit / 8;
    int64_t quarterInputs = plan.unit / 4;
    int64_t steps = plan.unit / kMmaK;
    Value block = arith::DivUIOp::create(
        b, unit, cst(plan.scheme.blockSize / plan.unit));
    // B: each n tile's code bytes of this lane, looked up as pairs, and the
    // half scales of its two accumulator columns.
    SmallVector<SmallVector<Value>> bWords;
    SmallVector<Value> halfScales;
    Value unitBytes = mul(unit, plan.unit / 2);
    Value quarterOffset = mul(quarter, quarterBytes);
    Value codeInRow = arith::AddIOp::create(b, unitBytes, quarterOffset);
    for (int64_t nt = 0; nt < plan.nTiles; ++nt) {
      Value row = weightRows[nt];
      Value rowBytes = mul(row, layout.codeBytesPerRow);
      Value offset =
          add(arith::AddIOp::create(b, rowBytes, codeInRow), layout.codesOffset);
      Value codes = vector::LoadOp::create(
          b, VectorType::get({quarterBytes}, b.getI8Type()), packed,
          ValueRange{offset}, /*nontemporal=*/false,
          llvm::MaybeAlign(quarterBytes));
      Value id = plan.dialects > 1 ? weightDialectId(row, block) : Value();
      bWords.push_back(plan.permuteDecode ? permutePairs(codes, id)
                                          : lookupPairs(codes, id));
      for (int64_t j = 0; j < 2; ++j)
        halfScales.push_back(weightHalfScale(scaleRows[2 * nt + j], block));
    }
    // A: rows g and g + 8 of each m tile, this lane's quarter of the unit.
    Value unitInputs = mul(unit, plan.unit);
    Value quarterInputsOffset = mul(quarter, quarterInputs);
    Value firstInput =
        arith::AddIOp::create(b, unitInputs, quarterInputsOffset);
    int64_t actBytes = plan.actElement.getIntOrFloatBitWidth() / 8;
    SmallVector<SmallVector<Value>> aWords;
    for (Value actRow : actRows) {
      SmallVector<Value> index =
          bufferIndex(plan.batched, batchIndex, actRow, firstInput);
      Value loaded = vector::LoadOp::create(
          b, VectorType::get({quarterInputs}, plan.actElement), activations,
          index, /*nontemporal=*/false,
          llvm::MaybeAlign(quarterInputs * actBytes));
      aWords.push_back(activationWords(loaded));
    }

    FloatType f32 = b.getF32Type();
    auto resultType =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
    NVVM::MMATypes operandType = plan.actElement.isBF16()
                                     ? NVVM::MMATypes::bf16
                                     : NVVM::MMATypes::f16;
    Value zero = arith::ConstantFloatOp::create(b, f32, llvm::APFloat(0.0f));
    SmallVector<Value> result(acc.begin(), acc.end());
    for (int64_t mt = 0; mt < plan.mTiles; ++mt)
      for (int64_t nt = 0; nt < plan.nTiles; ++nt) {
        SmallVector<Value> sums(4, zero);
        for (int64_t s = 0; s < steps; ++s) {
          ArrayRef<Value> rowG = aWords[2 * mt], rowG8 = aWords[2 * mt + 1];
          // a0..a3: (row g, k 2t..), (row g+8, k 2t..), (row g, k 2t+8..),
          // (row g+8, k 2t+8..); b0, b1: k 2t.., k 2t+8.. (see the top).
          SmallVector<Value> a = {rowG[2 * s], rowG8[2 * s], rowG[2 * s + 1],
                                  rowG8[2 * s + 1]};
          SmallVector<Value> bOperand = {bWords[nt][2 * s],
                                         bWords[nt][2 * s + 1]};
          Value d = NVVM::MmaOp::create(
              b, resultType, a, bOperand, sums, ArrayRef<int64_t>{kMmaM, kMmaN, kMmaK},
              /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
              std::array<NVVM::MMATypes, 2>{operandType, operandType},
              std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                             NVVM::MMALayout::col});
          for (int64_t i = 0; i < 4; ++i)
            sums[i] = LLVM::ExtractValueOp::create(b, d, i);
        }
        // c0, c1: row g, columns 2t, 2t+1; c2, c3: row g+8, the same.
        for (int64_t i = 0; i < 4; ++i) {
          Value &total = result[(mt * plan.nTiles + nt) * 4 + i];
          total = fma(b, sums[i], halfScales[2 * nt + i % 2], total);
        }
      }
    return result;
  }

  /// The dialect id (index) of block `block` of weight row `row`.
  Value weightDialectId(Value row, Value block) {
    const num::BlockLayout &layout = plan.layout;
    Value rowIds = mul(row, layout.dialectBytesPerRow);
    Value pairByte = arith::DivUIOp::create(b, block, cst(2));
    Value idOffset =
        add(arith::AddIOp::create(b, rowIds, pairByte), layout.dialectsOffset);
    return arith::IndexCastUIOp::create(
        b, b.getIndexType(), loadDialectId(b, packed, idOffset, block));
  }

  /// A lane's 2 or 4 code bytes (a vector of i8) as one i32, zero-extended
  /// (codes in element order).
  Value codeWord(Value codes) {
    int64_t bytes = cast<VectorType>(codes.getType()).getNumElements();
    Type wide = b.getIntegerType(8 * bytes);
    Value asWord = vector::BitCastOp::create(b, VectorType::get({1}, wide), codes);
    Value word = vector::ExtractOp::create(b, asWord, 0);
    if (bytes < 4)
      word = arith::ExtUIOp::create(b, b.getI32Type(), word);
    return word;
  }

  /// codeWord of the `bytes` (4 or 2) code bytes at byte `offset` of
  /// `buffer` (aligned to their size).
  Value loadCodeWord(Value buffer, Value offset, int64_t bytes) {
    Value loaded = vector::LoadOp::create(
        b, VectorType::get({bytes}, b.getI8Type()), buffer, ValueRange{offset},
        /*nontemporal=*/false, llvm::MaybeAlign(bytes));
    return codeWord(loaded);
  }

  /// 0.5 * the scale of block `block` of weight row `row`.
  Value weightHalfScale(Value row, Value block) {
    const num::BlockLayout &layout = plan.layout;
    Value scaleIndex =
        arith::AddIOp::create(b, mul(row, layout.blocksPerRow), block);
    Value scaleOffset =
        add(mul(scaleIndex, layout.scaleBytesPerCode), layout.scalesOffset);
    return loadHalfScale(b, packed, scaleOffset, plan.scheme.scale, scales, 0);
  }

  /// The signed-byte registers of the lane's 8 (k = 32) or 4 (k = 16)
  /// codes in `word` (the first 2 or 1 of decodeWordToSignedBytes').
  SmallVector<Value> signedByteRegisters(Value word,
                                         ArrayRef<Value> dialectWords) {
    std::array<Value, 2> both = decodeWordToSignedBytes(b, word, dialectWords);
    return SmallVector<Value>(both.begin(), both.begin() + plan.unit / 16);
  }

  /// emitUnit for the integer mma (W4A4/W4A8; the file comment's last
  /// point).
  SmallVector<Value> emitIntegerUnit(Value unit, ValueRange acc) {
    const num::BlockLayout &layout = plan.layout;
    const num::Scheme &actScheme = *plan.actScheme;
    const num::FormatBook &book = plan.scheme.book;
    bool int8Acts = actScheme.book.isInteger();
    Value block =
        arith::DivUIOp::create(b, unit, cst(plan.scheme.blockSize / plan.unit));
    // The lane's quarter of the unit, inputs (unit / 4) t .. + unit / 4:
    // code bytes (unit / 8) t .. + unit / 8.
    int64_t laneCodeBytes = plan.unit / 8;
    Value unitBytes = mul(unit, plan.unit / 2);
    Value quarterOffset = mul(quarter, laneCodeBytes);
    Value codeInRow = arith::AddIOp::create(b, unitBytes, quarterOffset);
    // B: each n tile's weight row of this lane as signed-byte registers,
    // and the half scales of the lane's two accumulator columns.
    SmallVector<SmallVector<Value>> bRegs;
    SmallVector<Value> halfScales;
    for (int64_t nt = 0; nt < plan.nTiles; ++nt) {
      Value row = weightRows[nt];
      Value rowBytes = mul(row, layout.codeBytesPerRow);
      Value offset = add(arith::AddIOp::create(b, rowBytes, codeInRow),
                         layout.codesOffset);
      Value word = loadCodeWord(packed, offset, laneCodeBytes);
      Value id = plan.dialects > 1 ? weightDialectId(row, block) : Value();
      SmallVector<Value, 4> words =
          permuteWordsOf(b, book, plan.permuteValues(), permuteTable, id);
      bRegs.push_back(signedByteRegisters(word, words));
      for (int64_t j = 0; j < 2; ++j) {
        Value scaleRow = scaleRows[2 * nt + j];
        Value half = weightHalfScale(scaleRow, block);
        // The column's own id: the B column this lane decodes is another
        // row than its accumulator columns.
        if (plan.dialects > 1 && book.size() < book.dialectIdCount())
          half =
              nanForPaddingId(b, book, weightDialectId(scaleRow, block), half);
        halfScales.push_back(half);
      }
    }
    // A: rows g and g + 8 of each m tile, the same inputs, and what one
    // integer step of each row's block is worth.
    SmallVector<SmallVector<Value>> aRegs;
    SmallVector<Value> actUnits;
    int64_t registers = plan.unit / 16;
    for (Value actRow : packedActRows) {
      Value rowStart = mul(actRow, actLayout->codeBytesPerRow);
      Value id;
      if (int8Acts) {
        // INT8 codes: the lane's inputs are its quarter's bytes, one
        // register per 4.
        Value unitStart = mul(unit, plan.unit);
        Value inRow =
            arith::AddIOp::create(b, unitStart, mul(quarter, 4 * registers));
        Value offset = arith::AddIOp::create(b, rowStart, inRow);
        Value bytes = vector::LoadOp::create(
            b, VectorType::get({4 * registers}, b.getI8Type()), activations,
            ValueRange{offset}, /*nontemporal=*/false,
            llvm::MaybeAlign(4 * registers));
        Value words = vector::BitCastOp::create(
            b, VectorType::get({registers}, b.getI32Type()), bytes);
        SmallVector<Value> regs;
        for (int64_t r = 0; r < registers; ++r)
          regs.push_back(vector::ExtractOp::create(b, words, r));
        aRegs.push_back(regs);
      } else {
        Value offset = arith::AddIOp::create(b, rowStart, codeInRow);
        Value word = loadCodeWord(activations, offset, laneCodeBytes);
        if (actScheme.book.storesDialectIds())
          id = arith::IndexCastUIOp::create(
              b, b.getIndexType(),
              loadDialectId(b, activations,
                            actLayout->dialectOffset(b, actRow, block), block));
        SmallVector<Value, 4> words = permuteWordsOf(
            b, actScheme.book, plan.permuteValues(), actPermuteTable, id);
        aRegs.push_back(signedByteRegisters(word, words));
      }
      Value half = loadHalfScale(b, activations,
                                 actLayout->scaleOffset(b, actRow, block),
                                 actScheme.scale, scales, actScaleBase);
      // INT8 codes are integers q; 4-bit codes magnitudes in half units.
      Value actUnit =
          int8Acts ? Value(arith::AddFOp::create(b, half, half)) : half;
      actUnits.push_back(nanForPaddingId(b, actScheme.book, id, actUnit));
    }

    Type i32 = b.getI32Type();
    auto resultType =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {i32, i32, i32, i32});
    Value zero = arith::ConstantIntOp::create(b, i32, 0);
    SmallVector<Value> sumsIn(4, zero);
    SmallVector<Value> result(acc.begin(), acc.end());
    for (int64_t mt = 0; mt < plan.mTiles; ++mt)
      for (int64_t nt = 0; nt < plan.nTiles; ++nt) {
        ArrayRef<Value> rowG = aRegs[2 * mt], rowG8 = aRegs[2 * mt + 1];
        // k = 32: a0..a3 (row g, k 4t..), (row g+8, k 4t..), (row g,
        // k 16+4t..), (row g+8, k 16+4t..); b0, b1: k 4t.., k 16+4t...
        // k = 16: a0, a1 (row g, k 4t..), (row g+8, k 4t..); b0: k 4t...
        SmallVector<Value> a;
        for (int64_t r = 0; r < registers; ++r) {
          a.push_back(rowG[r]);
          a.push_back(rowG8[r]);
        }
        Value d = NVVM::MmaOp::create(
            b, resultType, a, bRegs[nt], sumsIn,
            ArrayRef<int64_t>{kMmaM, kMmaN, plan.unit},
            /*b1Op=*/std::nullopt, NVVM::MMAIntOverflow::wrapped,
            std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::s8,
                                          NVVM::MMATypes::s8},
            std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                           NVVM::MMALayout::col});
        // c0, c1: row g, columns 2t, 2t+1; c2, c3: row g+8, the same.
        for (int64_t i = 0; i < 4; ++i) {
          Value sum = LLVM::ExtractValueOp::create(b, d, i);
          Value asFloat = arith::SIToFPOp::create(b, b.getF32Type(), sum);
          Value scale = arith::MulFOp::create(b, actUnits[2 * mt + i / 2],
                                              halfScales[2 * nt + i % 2]);
          Value &total = result[(mt * plan.nTiles + nt) * 4 + i];
          total = fma(b, asFloat, scale, total);
        }
      }
    return result;
  }

  /// out[batch, row, column] += total for every accumulator that exists.
  void storeResults(ValueRange totals) {
    Value twiceQuarter = arith::MulIOp::create(b, quarter, cst(2));
    for (int64_t mt = 0; mt < plan.mTiles; ++mt)
      for (int64_t nt = 0; nt < plan.nTiles; ++nt)
        for (int64_t i = 0; i < 4; ++i) {
          Value row =
              add(arith::AddIOp::create(b, firstM, group), mt * kMmaM + 8 * (i / 2));
          Value col = add(arith::AddIOp::create(b, firstCol, twiceQuarter),
                          nt * kMmaN + i % 2);
          Value rowExists =
              arith::CmpIOp::create(b, arith::CmpIPredicate::ult, row, m);
          Value colExists = arith::CmpIOp::create(
              b, arith::CmpIPredicate::ult, col, cst(plan.rows));
          Value exists = arith::AndIOp::create(b, rowExists, colExists);
          Value total = totals[(mt * plan.nTiles + nt) * 4 + i];
          inThen(b, exists, [&] {
            Value column = arith::SubIOp::create(
                b, col, arith::MulIOp::create(b, batchIndex, cst(plan.n)));
            SmallVector<Value> index =
                bufferIndex(plan.batched, batchIndex, row, column);
            addToOutput(b, out, index, total, /*atomic=*/splits > 1);
          });
        }
  }

  ImplicitLocOpBuilder &b;
  const MmaPlan &plan;
  int64_t splits, unitsPerSplit;
  Value packed, activations, out, pairs, permuteTable, scales, m;
  Value actPermuteTable;
  int64_t actScaleBase;
  Value group, quarter, firstCol, firstM, batchIndex;
  /// Integer plans: the packed activations' layout, and the packed row of
  /// each entry of `actRows`.
  std::optional<cpu::PackedLayout> actLayout;
  SmallVector<Value> packedActRows;
  /// Per n tile, the weight row this lane decodes; per n tile and j in
  /// {0, 1}, the row whose scale its accumulator column 2t + j needs.
  SmallVector<Value> weightRows, scaleRows;
  /// Per m tile, activation rows g and g + 8.
  SmallVector<Value> actRows;
};

} // namespace

std::optional<MmaPlan>
planMmaMatmul(const num::Scheme &scheme, int64_t k, int64_t n, int64_t batch,
              bool batched, Type actElement, Type outElement,
              std::optional<int64_t> staticM, bool permuteDecode,
              const std::optional<num::Scheme> &actScheme,
              std::string *whyNot) {
  auto fail = [&](const std::string &why) -> std::optional<MmaPlan> {
    if (whyNot)
      *whyNot = why;
    return std::nullopt;
  };
  if (actScheme) {
    if (!permuteDecode)
      return fail("weight-decode=table; the integer tensor-core kernel "
                  "builds its signed-byte operands by byte permutes "
                  "(weight-decode=permute)");
  } else if (!actElement || !(actElement.isF16() || actElement.isBF16())) {
    return fail("its activations are " +
                (actElement ? mlir::debugString(actElement) : "not floats") +
                "; the tensor-core kernel takes f16 or bf16");
  }
  if (scheme.book.isInteger())
    return fail("its weights are INT8; the tensor-core kernel decodes 4-bit "
                "codes");
  if (scheme.blockSize % kMmaK != 0 || k % scheme.blockSize != 0)
    return fail("blocks of " + std::to_string(scheme.blockSize) +
                "; the tensor-core kernel takes blocks of a multiple of " +
                std::to_string(kMmaK));
  MmaPlan plan(scheme);
  plan.k = k;
  plan.n = n;
  plan.batch = batch;
  plan.batched = batched;
  plan.rows = batch * n;
  plan.actElement = actElement;
  plan.actScheme = actScheme;
  plan.outElement = outElement;
  plan.layout = num::computeLayout(plan.rows, k, scheme);
  plan.unit = scheme.blockSize % 32 == 0 ? 32 : 16;
  plan.dialects = scheme.book.dialectIdCount();
  // A warp's weight rows must share their batch.
  plan.nTiles = 4;
  if (batch > 1)
    while (plan.nTiles > 0 && n % (plan.nTiles * kMmaN) != 0)
      plan.nTiles /= 2;
  if (plan.nTiles == 0)
    return fail("a batch of " + std::to_string(batch) +
                " weights with N = " + std::to_string(n) +
                "; with batch > 1 the tensor-core kernel "
                "takes N a multiple of " +
                std::to_string(kMmaN));
  plan.mTiles = staticM && *staticM <= kMmaM ? 1 : 2;
  plan.permuteDecode = permuteDecode;
  // Signed-byte operands hold every 4-bit book's magnitudes (the CUDA-core
  // integer kernel relies on the same); there are no pairs to tabulate.
  if (actScheme)
    return plan;
  std::optional<std::vector<int32_t>> pairs = pairTable(plan);
  if (!pairs)
    return fail(std::string("a magnitude of the book is not exact in ") +
                (actElement.isBF16() ? "bf16" : "f16") +
                ", the tensor-core kernel's operand type");
  plan.pairs = std::move(*pairs);
  return plan;
}

void emitMmaMatmul(ImplicitLocOpBuilder &b, ModuleOp module,
                   SymbolTable &symbols, const MmaPlan &plan, Value packed,
                   Value activations, Value out, Value m) {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  int64_t pairCount = static_cast<int64_t>(plan.pairs.size());
  StringRef pairsName, permuteName, actPermuteName;
  PermuteValues values = plan.permuteValues();
  if (!plan.permuteDecode)
    pairsName = getOrCreateConstantTable(
        b, module, symbols,
        DenseElementsAttr::get(
            RankedTensorType::get({pairCount}, b.getI32Type()),
            ArrayRef<int32_t>(plan.pairs)),
        "__qblock_gpu_mma_pairs_");
  if (plan.permuteDecode && plan.dialects > 1)
    permuteName =
        getOrCreatePermuteTable(b, module, symbols, plan.scheme.book, values);
  if (plan.integer() && plan.actScheme->book.storesDialectIds())
    actPermuteName = getOrCreatePermuteTable(b, module, symbols,
                                             plan.actScheme->book, values);
  // The half scales of 8-bit scale codes: the weights' (if theirs are),
  // then the activations' (integer plans).
  std::vector<float> halfScales;
  auto appendHalfScales = [&](num::ScaleKind kind) {
    if (kind == num::ScaleKind::F16)
      return;
    for (int code = 0; code < 256; ++code)
      halfScales.push_back(num::halfScale(kind, static_cast<uint16_t>(code)));
  };
  appendHalfScales(plan.scheme.scale);
  int64_t actScaleBase = static_cast<int64_t>(halfScales.size());
  if (plan.integer())
    appendHalfScales(plan.actScheme->scale);
  int64_t scaleCount = static_cast<int64_t>(halfScales.size());
  bool scaleTable = scaleCount > 0;
  StringRef scalesName;
  if (scaleTable)
    scalesName = getOrCreateDecodeTable(b, module, symbols, halfScales);

  int64_t colsPerBlock = kWarps * plan.nTiles * kMmaN;
  int64_t rowsPerTile = plan.mTiles * kMmaM;
  int64_t gridX = (plan.rows + colsPerBlock - 1) / colsPerBlock;
  // Split K when a single row tile would leave the GPU mostly idle.
  int64_t units = plan.k / plan.unit;
  int64_t splits = 1;
  std::optional<int64_t> staticM = getConstantIntValue(m);
  if (plan.outElement.isF32() && staticM) {
    int64_t blocks = gridX * ((*staticM + rowsPerTile - 1) / rowsPerTile);
    splits = std::clamp<int64_t>((kTargetBlocks + blocks - 1) / blocks, 1,
                                 std::max<int64_t>(1, units / 4));
  }
  int64_t unitsPerSplit = (units + splits - 1) / splits;
  // No split without units (an empty one would still add +0.0 to a -0.0).
  splits = (units + unitsPerSplit - 1) / unitsPerSplit;

  auto launch = [&](Value slabFirst, Value slabRows) {
    Value gridY = arith::DivUIOp::create(
        b, arith::AddIOp::create(b, slabRows, cst(rowsPerTile - 1)),
        cst(rowsPerTile));
    auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(),
                                                gpu::AddressSpace::Workgroup);
    SmallVector<Type> attributions;
    if (!pairsName.empty())
      attributions.push_back(MemRefType::get(
          {pairCount}, b.getI32Type(), MemRefLayoutAttrInterface(), workgroup));
    if (scaleTable)
      attributions.push_back(MemRefType::get({scaleCount}, b.getF32Type(),
                                             MemRefLayoutAttrInterface(),
                                             workgroup));
    auto op = gpu::LaunchOp::create(
        b, cst(gridX), gridY, cst(splits), cst(kWarps * kWarpSize), cst(1),
        cst(1), /*dynamicSharedMemorySize=*/nullptr,
        /*asyncTokenType=*/nullptr, /*asyncDependencies=*/ValueRange{},
        attributions);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&op.getBody().front());
    Value globalPairs, globalScales, permuteTable, actPermuteTable;
    if (!pairsName.empty())
      globalPairs = memref::GetGlobalOp::create(
          b, MemRefType::get({pairCount}, b.getI32Type()), pairsName);
    if (scaleTable)
      globalScales = memref::GetGlobalOp::create(
          b, MemRefType::get({scaleCount}, b.getF32Type()), scalesName);
    if (!permuteName.empty())
      permuteTable = getPermuteTable(b, plan.scheme.book, permuteName);
    if (!actPermuteName.empty())
      actPermuteTable =
          getPermuteTable(b, plan.actScheme->book, actPermuteName);
    ValueRange shared = op.getWorkgroupAttributions();
    Value pairs = globalPairs ? shared.front() : Value();
    Value scales = scaleTable ? shared.back() : Value();
    MmaKernelBuilder(b, plan, splits, unitsPerSplit, packed, activations, out,
                     pairs, permuteTable, scales, m, actPermuteTable,
                     actScaleBase)
        .emit(globalPairs, globalScales, slabFirst);
    gpu::TerminatorOp::create(b);
  };

  int64_t slab = kMaxGridBlocks * rowsPerTile;
  if (staticM && *staticM <= slab) {
    launch(Value(), m);
    return;
  }
  forEachSlab(b, m, slab, launch);
}

} // namespace qblock::gpukernel
