//===- LutGemmKernel.cpp - The LUT-GEMM GPU kernel as a gpu.launch --------===//
//
// The kernel behind a qblock.gpu_lut_gemm stub (MatmulStub.h): BCQ weights
// (docs/formats.md section 8), f32, f16 or bf16 activations, an f32, f16 or
// bf16 result, with or without a leading batch dimension.
// docs/gpu-lowering.md has the picture; in short:
//
//  * K is cut into chunks of kChunkSubVectors sub-vectors of mu = 8 inputs
//    (256 inputs; the last chunk may be shorter). grid = (batch *
//    ceil(N / kRowsPerBlock), chunks, M): a thread block owns a tile of
//    weight rows (output columns) of one batch, one K chunk and one
//    activation row (of that batch).
//  * Each thread block first builds the chunk's tables in workgroup memory:
//    table[s][e] = sum_{j<8} (bit j of e ? +x[8s + j] : -x[8s + j]), the
//    bit order of a plane byte (bit j is input 8 * byte + j, a set bit is
//    b = +1). f32 tables: 32 sub-vectors x 256 x 4 bytes = 32 KiB, within
//    the 48 KiB of static workgroup memory. They are stored entry-major,
//    word e * 32 + s, so table s lies wholly in bank s of workgroup memory
//    (32 banks of 4 bytes): lookups by 32 lanes in 32 different tables
//    never conflict, whatever entries they read.
//  * Lane s of warp w builds table s's 32 entries whose low 3 bits are w:
//    it reads its sub-vector's 8 activations once and sums them in input
//    order, the entries sharing the sums of their common prefixes (a binary
//    tree over bits 3..7: 62 adds for 32 entries). A warp's stores then
//    fill 32 consecutive words, one per bank.
//  * Then warps walk the tile's rows. `lanesPerRow` consecutive lanes read
//    consecutive `wordBytes`-byte words of a row's plane bytes of the chunk
//    (32 bytes per plane: 8 lanes of 4 bytes, so a warp reads 4 rows per
//    step and plane). Each byte of a word indexes its sub-vector's table;
//    per group (a word lies inside one group or holds whole groups) the
//    lookups of plane i are summed and multiplied by alpha_i, and the
//    offset z multiplies the sum of the group's inputs, read from the
//    all-ones entries table[s][255] (the same for every row: read once).
//    The lanes of the step's rows that hold the same word start at
//    different bytes of it (row r of the step at byte r, in groups' order
//    when a word holds several groups), so each lookup instruction of the
//    warp reads 32 different tables. A loop iteration is kStepsPerIteration
//    of a warp's steps: their global loads (words, alphas, offsets) first,
//    so that each warp keeps that many steps' bytes in flight.
//  * The lanes of a row are summed by gpu.shuffle xor, and the row's first
//    lane adds the chunk's partial result to the output element with an
//    atomic add (the output holds init; chunks of K meet there).
//  * An f16/bf16 output cannot take f32 atomic adds without rounding each
//    chunk's: the kernel then adds into an f32 copy of init (a small
//    widening launch before it), and a narrowing launch rounds each sum
//    once into the output.
//
//===----------------------------------------------------------------------===//

#include "LutGemmKernel.h"
#include "KernelBuilding.h"
#include "MatmulStub.h"

#include "../KernelRemarks.h"

#include "qblock/IR/QBlockAttrs.h"
#include "qblock/Numerics/BCQ.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace qblock;
namespace num = ::qblock::numerics;

namespace {

using gpukernel::kMaxGridBlocks;
using gpukernel::kWarpSize;

/// Threads per block: 8 warps, which build the 32 tables' 256 entries (32
/// entries of one table per thread), then walk the rows.
constexpr int64_t kThreads = 256;
constexpr int64_t kWarps = kThreads / kWarpSize;
/// Inputs per table (mu) and entries per table (2^mu).
constexpr int64_t kMu = 8;
constexpr int64_t kEntries = 256;
/// Sub-vectors per K chunk: 32 f32 tables = 32 KiB of workgroup memory, one
/// table per bank.
constexpr int64_t kChunkSubVectors = 32;
/// Low bits of the entries a thread builds: its warp's index.
constexpr int64_t kWarpBits = 3;

static_assert(kChunkSubVectors == kWarpSize,
              "lane s of each warp builds table s; table s lies in bank s");
static_assert((int64_t(1) << kWarpBits) == kWarps &&
                  kWarps * kWarpSize == kEntries,
              "warp w builds the entries whose low bits are w");
/// Weight rows per thread block: the tables built per block serve this many
/// rows (untuned: 16 x 32 blocks for N = K = 8192, one wave on 132 SMs).
constexpr int64_t kRowsPerBlock = 512;
/// Warp steps per loop iteration, whose global loads (plane words, alphas,
/// offsets) are all issued before the first step's lookups: more bytes in
/// flight per warp (see docs/gpu-lowering.md, "The LUT-GEMM kernel").
constexpr int64_t kStepsPerIteration = 4;

static_assert(kThreads == kEntries,
              "each table is built by one lane of every warp");
static_assert(kWarpBits < kMu, "the tree covers the entries' high bits");

/// Everything about the kernel fixed at compile time.
struct LutPlan {
  num::BCQScheme scheme;
  num::BCQLayout layout;
  int64_t k = 0, n = 0;
  /// Batches (1 without a batch dimension; the packed rows are batch * n)
  /// and whether activations and output have the batch dimension.
  int64_t batch = 1;
  bool batched = false;
  /// Plane bytes per row (K / 8) and per row and chunk (one per sub-vector).
  int64_t rowPlaneBytes = 0, chunkBytes = kChunkSubVectors;
  int64_t chunks = 0;
  /// Bytes a lane loads per plane, lanes per row, rows per warp step.
  int64_t wordBytes = 0, lanesPerRow = 0, rowsPerStep = 0;
  /// Groups in a word and their bytes: one group of wordBytes bytes when a
  /// group spans whole words, else wordBytes * 8 / g groups of g / 8 bytes.
  int64_t partsPerWord = 1, bytesPerPart = 0;
};

/// The widest word (4, 2 or 1 bytes) that divides a plane row (so loads are
/// aligned) and either lies inside one group or holds whole groups. Groups
/// are multiples of 8 inputs, so 1 byte always qualifies.
int64_t chooseWordBytes(int64_t rowPlaneBytes, int64_t group) {
  for (int64_t bytes = 4; bytes > 1; bytes /= 2)
    if (rowPlaneBytes % bytes == 0 &&
        (group % (8 * bytes) == 0 || (8 * bytes) % group == 0))
      return bytes;
  return 1;
}

} // namespace

int64_t gpustub::lutGemmKernelMaxK() {
  return kMaxGridBlocks * kChunkSubVectors * kMu;
}

namespace {

/// Row tiles of one batch: grid x holds this many for each batch in turn.
int64_t tilesPerBatch(const LutPlan &plan) {
  return (plan.n + kRowsPerBlock - 1) / kRowsPerBlock;
}

LutPlan makePlan(const num::BCQScheme &scheme, int64_t k, int64_t n,
                 int64_t batch, bool batched) {
  LutPlan plan;
  plan.scheme = scheme;
  plan.k = k;
  plan.n = n;
  plan.batch = batch;
  plan.batched = batched;
  plan.layout = num::computeBCQLayout(batch * n, k, scheme);
  plan.rowPlaneBytes = k / 8;
  plan.chunks = (plan.rowPlaneBytes + plan.chunkBytes - 1) / plan.chunkBytes;
  plan.wordBytes = chooseWordBytes(plan.rowPlaneBytes, scheme.group);
  plan.lanesPerRow = plan.chunkBytes / plan.wordBytes;
  plan.rowsPerStep = kWarpSize / plan.lanesPerRow;
  if (8 * plan.wordBytes > scheme.group) {
    plan.partsPerWord = 8 * plan.wordBytes / scheme.group;
    plan.bytesPerPart = scheme.group / 8;
  } else {
    plan.partsPerWord = 1;
    plan.bytesPerPart = plan.wordBytes;
  }
  return plan;
}

/// Builds the kernel body; all methods emit at the builder's position.
class LutKernelBuilder {
public:
  LutKernelBuilder(ImplicitLocOpBuilder &b, const LutPlan &plan, Value packed,
                   Value activations, Value out, Value table)
      : b(b), plan(plan), packed(packed), activations(activations), out(out),
        table(table) {}

  /// `firstActRow` (null: 0) is the activation row of grid z index 0.
  void emit(Value firstActRow) {
    Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    // Row tiles never straddle batches: grid x holds tilesPerBatch tiles of
    // each batch in turn.
    Value tileIndex = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    batchIndex =
        arith::DivUIOp::create(b, tileIndex, cst(tilesPerBatch(plan)));
    tileInBatch =
        arith::RemUIOp::create(b, tileIndex, cst(tilesPerBatch(plan)));
    Value chunk = gpu::BlockIdOp::create(b, gpu::Dimension::y);
    actRow = gpu::BlockIdOp::create(b, gpu::Dimension::z);
    if (firstActRow)
      actRow = arith::AddIOp::create(b, firstActRow, actRow);
    // Plane bytes (= sub-vectors) of this chunk: 32 but in a last, partial
    // chunk.
    chunkFirstByte = arith::MulIOp::create(b, chunk, cst(plan.chunkBytes));
    Value bytesLeft =
        arith::SubIOp::create(b, cst(plan.rowPlaneBytes), chunkFirstByte);
    Value chunkSubs =
        arith::MinUIOp::create(b, bytesLeft, cst(plan.chunkBytes));
    buildTables(tid, chunkSubs);
    gpu::BarrierOp::create(b);
    walkRows(tid, chunkSubs);
  }

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, v); }

  /// The index of element `column` of this block's activation row (or of
  /// its output element, for a column of the output).
  SmallVector<Value> actIndex(Value column) {
    return gpukernel::bufferIndex(plan.batched, batchIndex, actRow, column);
  }
  Value f32(float v) {
    return arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(v));
  }

  /// Lane s of warp w writes the entries of table s whose low kWarpBits
  /// bits are w (s below the chunk's sub-vectors): the signed sums of
  /// sub-vector s's 8 activations, + where bit j of the entry is set.
  void buildTables(Value tid, Value chunkSubs) {
    Value warp = arith::DivUIOp::create(b, tid, cst(kWarpSize));
    Value lane = arith::RemUIOp::create(b, tid, cst(kWarpSize));
    Value inChunk =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, lane, chunkSubs);
    gpukernel::inThen(b, inChunk, [&] {
      Value globalSub = arith::AddIOp::create(b, chunkFirstByte, lane);
      Value firstInput = arith::MulIOp::create(b, globalSub, cst(kMu));
      // 16-byte loads: two of 4 f32 activations, or one of 8 f16 or bf16
      // ones, widened exactly (sub-vectors start at multiples of 8 inputs
      // and rows at multiples of K, itself a multiple of 8, so they are
      // aligned).
      Type element = cast<MemRefType>(activations.getType()).getElementType();
      int64_t lanes = 128 / element.getIntOrFloatBitWidth();
      auto loadType = VectorType::get({lanes}, element);
      SmallVector<Value> x;
      for (int64_t first = 0; first < kMu; first += lanes) {
        Value column = arith::AddIOp::create(b, firstInput, cst(first));
        Value loaded =
            vector::LoadOp::create(b, loadType, activations, actIndex(column),
                                   /*nontemporal=*/false, llvm::MaybeAlign(16));
        for (int64_t j = 0; j < lanes; ++j) {
          Value xj = vector::ExtractOp::create(b, loaded, j);
          if (!element.isF32())
            xj = arith::ExtFOp::create(b, b.getF32Type(), xj);
          x.push_back(xj);
        }
      }
      // The first kWarpBits signs are the warp's bits: the same for all 32
      // entries of this thread.
      Value warpBits = arith::IndexCastUIOp::create(b, b.getI32Type(), warp);
      Value acc = f32(0.0f);
      for (int64_t j = 0; j < kWarpBits; ++j) {
        Value shifted = arith::ShRUIOp::create(
            b, warpBits, arith::ConstantIntOp::create(b, b.getI32Type(), j));
        Value bit = arith::AndIOp::create(
            b, shifted, arith::ConstantIntOp::create(b, b.getI32Type(), 1));
        Value isSet = arith::CmpIOp::create(
            b, arith::CmpIPredicate::ne, bit,
            arith::ConstantIntOp::create(b, b.getI32Type(), 0));
        Value plus = f32(1.0f);
        Value minus = f32(-1.0f);
        Value sign = arith::SelectOp::create(b, isSet, plus, minus);
        acc = gpukernel::fma(b, sign, x[j], acc);
      }
      buildEntries(tid, x, kWarpBits, /*highBits=*/0, acc);
    });
  }

  /// Stores every entry whose bits below `bit` gave `prefix` (the sum of
  /// x_0 .. x_{bit-1} with their signs; bits kWarpBits .. bit - 1 are
  /// `highBits`): x_bit is subtracted, then added, and the sums of both
  /// are carried on. The adds round as the chain of eight fma(+-1, x, acc)
  /// in input order does, since each partial sum is rounded once.
  void buildEntries(Value tid, ArrayRef<Value> x, int64_t bit, int64_t highBits,
                    Value prefix) {
    if (bit == kMu) {
      // Entry e = warp + kWarps * highBits of table `lane` is word
      // e * kChunkSubVectors + lane = tid + kThreads * highBits.
      Value index = arith::AddIOp::create(b, tid, cst(kThreads * highBits));
      memref::StoreOp::create(b, prefix, table, ValueRange{index});
      return;
    }
    buildEntries(tid, x, bit + 1, highBits,
                 arith::SubFOp::create(b, prefix, x[bit]));
    buildEntries(tid, x, bit + 1, highBits | (int64_t(1) << (bit - kWarpBits)),
                 arith::AddFOp::create(b, prefix, x[bit]));
  }

  /// Warps step over the block's rows, `rowsPerStep` rows at a time.
  void walkRows(Value tid, Value chunkSubs) {
    Value warp = arith::DivUIOp::create(b, tid, cst(kWarpSize));
    Value lane = arith::RemUIOp::create(b, tid, cst(kWarpSize));
    rowInStep = arith::DivUIOp::create(b, lane, cst(plan.lanesPerRow));
    word = arith::RemUIOp::create(b, lane, cst(plan.lanesPerRow));
    // Lanes whose word lies past a partial last chunk read the chunk's last
    // word (the tables of later sub-vectors are not built) and add nothing.
    Value chunkWords =
        arith::DivUIOp::create(b, chunkSubs, cst(plan.wordBytes));
    wordExists =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, word, chunkWords);
    Value lastWord = arith::SubIOp::create(b, chunkWords, cst(1));
    Value wordInChunk = arith::MinUIOp::create(b, word, lastWord);
    firstSub = arith::MulIOp::create(b, wordInChunk, cst(plan.wordBytes));
    byteInRow = arith::AddIOp::create(b, chunkFirstByte, firstSub);
    planRotation();
    if (plan.scheme.offset)
      sumPartInputs();

    int64_t rows = plan.batch * plan.n;
    alphas = viewAsF16(plan.layout.alphasOffset,
                       rows * plan.layout.groupsPerRow * plan.scheme.bits);
    if (plan.scheme.offset)
      offsets = viewAsF16(plan.layout.offsetsOffset,
                          rows * plan.layout.groupsPerRow);
    // Packed row of this batch's column 0.
    batchFirstRow = arith::MulIOp::create(b, batchIndex, cst(plan.n));

    Value tileStart =
        arith::MulIOp::create(b, tileInBatch, cst(kRowsPerBlock));
    Value tileLimit = arith::AddIOp::create(b, tileStart, cst(kRowsPerBlock));
    tileEnd = arith::MinUIOp::create(b, tileLimit, cst(plan.n));
    Value warpOffset = arith::MulIOp::create(b, warp, cst(plan.rowsPerStep));
    Value first = arith::AddIOp::create(b, tileStart, warpOffset);
    // The block's warps take steps in turn; an iteration is
    // kStepsPerIteration of a warp's steps, loads first. The bounds are
    // uniform across a warp, so every shuffle sees 32 lanes.
    int64_t stepStride = kWarps * plan.rowsPerStep;
    auto loop = scf::ForOp::create(b, first, tileEnd,
                                   cst(kStepsPerIteration * stepStride));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    SmallVector<StepLoads> steps;
    for (int64_t k = 0; k < kStepsPerIteration; ++k)
      steps.push_back(loadStep(arith::AddIOp::create(b, loop.getInductionVar(),
                                                     cst(k * stepStride))));
    for (const StepLoads &step : steps)
      emitStep(step);
  }

  /// Which byte of its word a lane looks up at each step. The step's
  /// rows (as many as a word has bytes) read the same sub-vectors; row r
  /// starts at its own byte so that the lookups of one instruction read
  /// 32 different tables. With groups of parts (parts x bytes per part = a
  /// word), step (p, t) is byte t' = (t + r % bytes) % bytes of part
  /// (p + r / bytes) % parts: a part's bytes stay together under one alpha,
  /// and for each step r -> byte is one-to-one. Row-invariant, with the
  /// `prmt` selector that extracts each step's byte and the group (within
  /// a row) of each part.
  void planRotation() {
    int64_t parts = plan.partsPerWord, bytes = plan.bytesPerPart;
    Value firstInput = arith::MulIOp::create(b, byteInRow, cst(kMu));
    // (turn + offset) % period: the row's turn, `offset` steps on.
    // (Operands made one statement at a time: the order of the ops must not
    // depend on the compiler's order of evaluating arguments.)
    auto turned = [&](Value turn, int64_t offset, int64_t period) -> Value {
      Value ahead = arith::AddIOp::create(b, turn, cst(offset));
      return arith::RemUIOp::create(b, ahead, cst(period));
    };
    Value partTurn =
        parts > 1 ? Value(arith::DivUIOp::create(b, rowInStep, cst(bytes)))
                  : Value();
    Value byteTurn =
        bytes > 1 ? Value(arith::RemUIOp::create(b, rowInStep, cst(bytes)))
                  : Value();
    for (int64_t p = 0; p < parts; ++p) {
      // The part's first byte (none: the word is one part).
      Value partStart;
      Value partInput = firstInput;
      if (parts > 1) {
        Value part = turned(partTurn, p, parts);
        partStart = arith::MulIOp::create(b, part, cst(bytes));
        Value partOffset = arith::MulIOp::create(b, partStart, cst(kMu));
        partInput = arith::AddIOp::create(b, firstInput, partOffset);
      }
      groupOfPart.push_back(
          arith::DivUIOp::create(b, partInput, cst(plan.scheme.group)));
      for (int64_t t = 0; t < bytes; ++t) {
        Value inPart = bytes > 1 ? turned(byteTurn, t, bytes) : Value();
        Value byte = partStart && inPart
                         ? Value(arith::AddIOp::create(b, partStart, inPart))
                     : partStart ? partStart
                     : inPart    ? inPart
                                 : cst(0);
        subOfStep.push_back(arith::AddIOp::create(b, firstSub, byte));
        if (plan.wordBytes == 1)
          continue;
        // prmt.b32 in its default mode: result byte 0 is source byte
        // `byte` of the word, bytes 1-3 are byte 0 of the second source
        // (zero). One instruction, as a constant byte's extraction is.
        Value byteIndex = arith::IndexCastUIOp::create(b, b.getI32Type(), byte);
        selectorOfStep.push_back(arith::OrIOp::create(
            b, byteIndex,
            arith::ConstantIntOp::create(b, b.getI32Type(), 0x4440)));
      }
    }
  }

  /// Per part of the lane's word, the sum of its inputs, which the offset
  /// term multiplies: the tables' all-ones entries. The same for every row.
  void sumPartInputs() {
    for (int64_t part = 0; part < plan.partsPerWord; ++part) {
      Value inputs;
      for (int64_t j = 0; j < plan.bytesPerPart; ++j) {
        Value entry = lookup(part * plan.bytesPerPart + j, cst(kEntries - 1));
        inputs =
            inputs ? Value(arith::AddFOp::create(b, inputs, entry)) : entry;
      }
      partInputSums.push_back(inputs);
    }
  }

  /// The f16 array (alphas or offsets) at byte `offset` of the packed
  /// buffer.
  Value viewAsF16(int64_t offset, int64_t size) {
    auto type = MemRefType::get({size}, b.getF16Type());
    return memref::ViewOp::create(b, type, packed, cst(offset), ValueRange{});
  }

  /// Element `index` of an f16 array, widened to f32 (exact).
  Value loadWidened(Value halves, Value index) {
    return arith::ExtFOp::create(
        b, b.getF32Type(),
        Value(memref::LoadOp::create(b, halves, ValueRange{index})));
  }

  /// What a lane of one warp step reads from global memory.
  struct StepLoads {
    /// The step's row of this lane (a column of the batch) and whether it
    /// is one of the tile's.
    Value row, rowExists;
    /// Per plane, the lane's word as an i32 (a 1-byte word: the byte).
    SmallVector<Value> words;
    /// Per part of the word: its group's alphas (one per plane) and
    /// offset, widened to f32 (no offsets without them).
    SmallVector<SmallVector<Value>> alphas;
    SmallVector<Value> offsets;
  };

  /// The loads of the warp step at `stepRow`: lane group r takes column
  /// stepRow + r of the batch.
  StepLoads loadStep(Value stepRow) {
    StepLoads step;
    step.row = arith::AddIOp::create(b, stepRow, rowInStep);
    // Rows past the tile belong to the next one (or are past the batch's
    // last column): read a column of the batch, add nothing.
    step.rowExists =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, step.row, tileEnd);
    Value safeRow = arith::AddIOp::create(
        b, batchFirstRow, arith::MinUIOp::create(b, step.row, cst(plan.n - 1)));

    int64_t bits = plan.scheme.bits;
    auto wordType = VectorType::get({plan.wordBytes}, b.getI8Type());
    auto wordIntType =
        VectorType::get({1}, b.getIntegerType(8 * plan.wordBytes));
    Value planeRow0 = arith::MulIOp::create(b, safeRow, cst(bits));
    for (int64_t i = 0; i < bits; ++i) {
      Value planeRow = arith::AddIOp::create(b, planeRow0, cst(i));
      Value rowStart =
          arith::MulIOp::create(b, planeRow, cst(plan.rowPlaneBytes));
      Value offset = arith::AddIOp::create(b, rowStart, byteInRow);
      Value loaded = vector::LoadOp::create(
          b, wordType, packed, ValueRange{offset}, /*nontemporal=*/false,
          llvm::MaybeAlign(plan.wordBytes));
      if (plan.wordBytes > 1)
        loaded = vector::BitCastOp::create(b, wordIntType, loaded);
      Value word = vector::ExtractOp::create(b, loaded, 0);
      if (plan.wordBytes == 2)
        word = arith::ExtUIOp::create(b, b.getI32Type(), word);
      step.words.push_back(word);
    }

    Value rowGroups =
        arith::MulIOp::create(b, safeRow, cst(plan.layout.groupsPerRow));
    for (int64_t part = 0; part < plan.partsPerWord; ++part) {
      Value groupIndex = arith::AddIOp::create(b, rowGroups, groupOfPart[part]);
      Value alphaBase = arith::MulIOp::create(b, groupIndex, cst(bits));
      SmallVector<Value> partAlphas;
      for (int64_t i = 0; i < bits; ++i)
        partAlphas.push_back(
            loadWidened(alphas, arith::AddIOp::create(b, alphaBase, cst(i))));
      step.alphas.push_back(partAlphas);
      if (plan.scheme.offset)
        step.offsets.push_back(loadWidened(offsets, groupIndex));
    }
    return step;
  }

  /// One warp step's lookups, sums and atomic adds, from its loads.
  void emitStep(const StepLoads &step) {
    int64_t bits = plan.scheme.bits;
    Value acc = f32(0.0f);
    for (int64_t part = 0; part < plan.partsPerWord; ++part) {
      for (int64_t i = 0; i < bits; ++i) {
        Value sum;
        for (int64_t j = 0; j < plan.bytesPerPart; ++j) {
          int64_t byte = part * plan.bytesPerPart + j;
          Value code = step.words[i];
          if (plan.wordBytes > 1)
            code = NVVM::PermuteOp::create(
                b, b.getI32Type(), code,
                arith::ConstantIntOp::create(b, b.getI32Type(), 0),
                selectorOfStep[byte], NVVM::PermuteMode::DEFAULT);
          Value entry = lookup(
              byte, arith::IndexCastUIOp::create(b, b.getIndexType(), code));
          sum = sum ? Value(arith::AddFOp::create(b, sum, entry)) : entry;
        }
        acc = gpukernel::fma(b, step.alphas[part][i], sum, acc);
      }
      if (plan.scheme.offset)
        acc = gpukernel::fma(b, step.offsets[part], partInputSums[part], acc);
    }
    Value exists = arith::AndIOp::create(b, step.rowExists, wordExists);
    Value partial = arith::SelectOp::create(b, exists, acc, f32(0.0f));
    Value total = gpukernel::sumOverLanes(b, partial, plan.lanesPerRow);
    Value isFirstLane =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, word, cst(0));
    Value adds = arith::AndIOp::create(b, isFirstLane, step.rowExists);
    gpukernel::inThen(b, adds, [&] {
      memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addf, total, out,
                                  actIndex(step.row));
    });
  }

  /// Entry `entry` of the table of the byte the lane reads at `step`
  /// (workgroup memory, entry-major).
  Value lookup(int64_t step, Value entry) {
    Value base = arith::MulIOp::create(b, entry, cst(kChunkSubVectors));
    Value index = arith::AddIOp::create(b, base, subOfStep[step]);
    return memref::LoadOp::create(b, table, ValueRange{index});
  }

  ImplicitLocOpBuilder &b;
  const LutPlan &plan;
  Value packed, activations, out, table;
  Value batchIndex, tileInBatch, batchFirstRow, tileEnd;
  Value actRow, chunkFirstByte;
  Value rowInStep, word, wordExists, firstSub, byteInRow;
  /// Per step of a word (parts x bytes per part, in order): the sub-vector
  /// (index in the chunk) of the byte the lane reads and, for words of 2 or
  /// 4 bytes, the prmt selector that extracts it. Per part step, the group
  /// (within a row) of the part the lane reads.
  SmallVector<Value> subOfStep, selectorOfStep, groupOfPart;
  /// Per part of the word, the sum of its inputs (with offsets only).
  SmallVector<Value> partInputSums;
  Value alphas, offsets;
};

/// Launches the kernel for activation rows [firstActRow, firstActRow + m)
/// (firstActRow null: from 0), one per grid z index.
/// A launch of 256-thread blocks, one thread per element, that writes
/// `src` converted to `dst`'s element type (arith.extf, or arith.truncf:
/// round to nearest even) into `dst`; both have `dst`'s shape, identity
/// layouts, any rank, `sizes` its dimension sizes.
void emitConvertLaunch(ImplicitLocOpBuilder &b, Value src, Value dst,
                       ArrayRef<Value> sizes) {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value total = cst(1);
  for (Value size : sizes)
    total = arith::MulIOp::create(b, total, size);
  constexpr int64_t kConvertThreads = 256;
  Value grid = arith::DivUIOp::create(
      b, arith::AddIOp::create(b, total, cst(kConvertThreads - 1)),
      cst(kConvertThreads));
  auto launch = gpu::LaunchOp::create(b, grid, cst(1), cst(1),
                                      cst(kConvertThreads), cst(1), cst(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value index = arith::AddIOp::create(
      b,
      arith::MulIOp::create(b, gpu::BlockIdOp::create(b, gpu::Dimension::x),
                            cst(kConvertThreads)),
      gpu::ThreadIdOp::create(b, gpu::Dimension::x));
  Value inside =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, index, total);
  gpukernel::inThen(b, inside, [&] {
    // The flat index as [i0, ..., in-1], last dimension fastest.
    SmallVector<Value> indices(sizes.size());
    Value rest = index;
    for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
      indices[d] = d == 0 ? rest : arith::RemUIOp::create(b, rest, sizes[d]);
      if (d > 0)
        rest = arith::DivUIOp::create(b, rest, sizes[d]);
    }
    Value value = memref::LoadOp::create(b, src, indices);
    Type element = cast<MemRefType>(dst.getType()).getElementType();
    Value converted =
        element.getIntOrFloatBitWidth() > value.getType().getIntOrFloatBitWidth()
            ? Value(arith::ExtFOp::create(b, element, value))
            : Value(arith::TruncFOp::create(b, element, value));
    memref::StoreOp::create(b, converted, dst, indices);
  });
  gpu::TerminatorOp::create(b);
}

void emitLaunch(ImplicitLocOpBuilder &b, const LutPlan &plan, Value packed,
                Value activations, Value out, Value m, Value firstActRow) {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value gridX = cst(plan.batch * tilesPerBatch(plan));
  Value gridY = cst(plan.chunks);
  auto tableType = MemRefType::get(
      {kChunkSubVectors * kEntries}, b.getF32Type(),
      MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  Value one = cst(1);
  Value threads = cst(kThreads);
  auto launch = gpu::LaunchOp::create(
      b, gridX, gridY, m, threads, one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/ValueRange{}, TypeRange{tableType});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value table = launch.getWorkgroupAttributions().front();
  LutKernelBuilder(b, plan, packed, activations, out, table).emit(firstActRow);
  gpu::TerminatorOp::create(b);
}

} // namespace

LogicalResult qblock::gpustub::expandLutGemmStub(func::CallOp call,
                                                 DictionaryAttr fields) {
  auto bcq = fields ? fields.getAs<BCQSchemeAttr>("bcq") : BCQSchemeAttr();
  auto k = fields ? fields.getAs<IntegerAttr>("k") : IntegerAttr();
  auto n = fields ? fields.getAs<IntegerAttr>("n") : IntegerAttr();
  // Absent: no batch dimension.
  auto batchAttr = fields ? fields.getAs<IntegerAttr>("batch") : IntegerAttr();
  if (!bcq || !k || !n)
    return call.emitOpError()
           << "calls a GPU LUT-GEMM stub whose attribute lacks bcq, k or n; "
              "stubs come from --qblock-convert-matmul-to-gpu";
  int64_t batch = batchAttr ? batchAttr.getInt() : 1;
  num::BCQScheme scheme = bcq.toNumerics();
  if (k.getInt() <= 0 || k.getInt() % scheme.group != 0 || n.getInt() <= 0 ||
      batch <= 0)
    return call.emitOpError()
           << "calls a GPU LUT-GEMM stub with k = " << k.getInt()
           << ", n = " << n.getInt() << ", batch = " << batch
           << "; they must be positive and k a multiple of the group size "
           << scheme.group;
  if (!gpustub::hasStubOperands(call))
    return call.emitOpError()
           << "calls a GPU LUT-GEMM stub with operands other than three "
              "identity-layout memrefs (packed weights, activations, "
              "output); bufferize with identity layouts";
  Value packed = call.getOperand(0), activations = call.getOperand(1),
        out = call.getOperand(2);
  auto actType = cast<MemRefType>(activations.getType());
  auto outType = cast<MemRefType>(out.getType());
  // With a batch attribute, activations and output lead with the batch
  // (a dynamic size is the batch at run time, as the op's verifier
  // requires).
  auto sizeFits = [](int64_t size, int64_t expected) {
    return ShapedType::isDynamic(size) || size == expected;
  };
  int64_t rank = batchAttr ? 3 : 2;
  if (actType.getRank() != rank || outType.getRank() != rank ||
      !gpustub::isKernelElementType(actType.getElementType()) ||
      !gpustub::isKernelElementType(outType.getElementType()) ||
      actType.getDimSize(rank - 1) != k.getInt() ||
      outType.getDimSize(rank - 1) != n.getInt() ||
      (batchAttr && (!sizeFits(actType.getDimSize(0), batch) ||
                     !sizeFits(outType.getDimSize(0), batch))))
    return call.emitOpError()
           << "passes activations of type " << actType << " and output of "
           << "type " << outType
           << " to a GPU LUT-GEMM stub for k = " << k.getInt()
           << ", n = " << n.getInt()
           << (batchAttr ? ", batch = " + std::to_string(batch) : "")
           << "; they must be memrefs " << (batchAttr ? "[batch, M, k]" : "[M, k]")
           << " and " << (batchAttr ? "[batch, M, n]" : "[M, n]")
           << ", each of f32, f16 or bf16";
  LutPlan plan =
      makePlan(scheme, k.getInt(), n.getInt(), batch, bool(batchAttr));
  auto packedType = cast<MemRefType>(packed.getType());
  if (packedType.getRank() != 1 || !packedType.getElementType().isInteger(8) ||
      (packedType.hasStaticShape() &&
       packedType.getDimSize(0) != plan.layout.totalBytes))
    return call.emitOpError()
           << "passes packed weights of type " << packedType
           << " to a GPU LUT-GEMM stub whose scheme and shape need memref<"
           << plan.layout.totalBytes << "xi8>";

  ImplicitLocOpBuilder b(call.getLoc(), call);
  // Half outputs: the kernel adds into an f32 copy, rounded once at the end.
  Value result = out;
  SmallVector<Value> outSizes;
  if (!outType.getElementType().isF32()) {
    SmallVector<Value> dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      Value size = outType.isDynamicDim(dim)
                       ? Value(memref::DimOp::create(b, out, dim))
                       : Value(arith::ConstantIndexOp::create(
                             b, outType.getDimSize(dim)));
      outSizes.push_back(size);
      if (outType.isDynamicDim(dim))
        dynamicSizes.push_back(size);
    }
    out = memref::AllocOp::create(
        b, MemRefType::get(outType.getShape(), b.getF32Type()), dynamicSizes,
        b.getI64IntegerAttr(64));
    emitConvertLaunch(b, result, out, outSizes);
  }
  int64_t mDim = rank - 2;
  int64_t staticM = actType.getDimSize(mDim);
  // Optimization remark (--remarks-filter='qblock.*'): the kernel chosen,
  // unless nothing launches (a static M of 0).
  if (actType.isDynamicDim(mDim) || staticM > 0)
    remark::passed(call.getLoc(),
                   kernelRemark(call, kGPUKernelRemarks, "lut-gemm-kernel"))
        << remark::add("LUT-GEMM, q = {0}, group = {1}, k = {2}, n = {3}: "
                       "mu = 8 tables in workgroup memory",
                       scheme.bits, scheme.group, k.getInt(), n.getInt());
  if (!actType.isDynamicDim(mDim) && staticM <= kMaxGridBlocks) {
    // A grid of 0 blocks cannot launch.
    if (staticM > 0)
      emitLaunch(b, plan, packed, activations, out,
                 arith::ConstantIndexOp::create(b, staticM), Value());
  } else {
    // A grid's z dimension holds at most 65535 blocks: launch slabs of
    // activation rows (none when M = 0). A prefill of 64K tokens needs two.
    Value m = memref::DimOp::create(b, activations, mDim);
    gpukernel::forEachSlab(b, m, kMaxGridBlocks, [&](Value first, Value rows) {
      emitLaunch(b, plan, packed, activations, out, rows, first);
    });
  }
  if (out != result) {
    // After the loop of slabs, if any.
    b.setInsertionPoint(call);
    emitConvertLaunch(b, out, result, outSizes);
    memref::DeallocOp::create(b, out);
  }
  call.erase();
  return success();
}
