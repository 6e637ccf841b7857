//===- MatmulW4A16.cpp - qblock.matmul with float activations -------------===//
//
// Float activations times 4-bit block-quantized weights (W4A16): weights
// are decoded in registers one block at a time and never written out;
// activations are de-interleaved once so that decoded even and odd
// elements meet them without shuffles. lowerMatmul is every matmul's
// entry: it quantizes fused activations (act_scheme) first and hands
// quantized activations to lowerQuantizedMatmul (MatmulW4A4.cpp).
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"
#include "Quantize.h"

#include "../KernelRemarks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Support/DebugStringHelper.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;
namespace num = ::qblock::numerics;

namespace {

/// Reduction elements per chunk of the matmul loop nest: the activation
/// slice of a tile (8 rows x 1024 x 4 bytes, even and odd halves) fits L1.
constexpr int64_t kChunkElements = 1024;

/// How far ahead of the decode the weight codes are prefetched.
constexpr int64_t kPrefetchBytes = 512;

/// How many tiles ahead a GEMV tile prefetches (emitLaterTilePrefetches).
constexpr int64_t kGemvTilesAhead = 2;

/// Output rows handed to one parallel task.
constexpr int64_t kRowsPerTask = 16;

/// Activation rows a GEMM tile multiplies at once (emitRows): they share
/// every decoded weight vector.
constexpr int64_t kActRows = 8;

/// L1 data cache geometry the activation rows are spread over: 64 sets of
/// 64-byte lines (32 KiB 8-way and 48 KiB 12-way caches alike), i.e. two
/// addresses 4 KiB apart compete for the same ways.
constexpr int64_t kL1Sets = 64, kLineBytes = 64;

/// Floats from the start of one de-interleaved half-row (evens or odds of
/// an activation row) to the next. A GEMM tile reads the same chunk of
/// 2 x kActRows = 16 half-rows at once (evens and odds, stored
/// alternately). Unpadded, K a multiple of 2048 puts all 16 at the same
/// offset modulo 4 KiB: 16 lines compete for every set of their chunk and
/// the slice that should stay in L1 thrashes (an FMA loop over such rows
/// ran 1.6x slower than over padded ones on this project's EPYC). The
/// smallest padding, in whole lines, that leaves at most 8 of those lines
/// on any set is added.
int64_t paddedHalfRowFloats(int64_t k) {
  int64_t halfFloats = k / 2;
  int64_t chunkLines =
      (std::min(kChunkElements / 2, halfFloats) * 4 + kLineBytes - 1) /
      kLineBytes;
  int64_t bestPad = 0, bestLoad = INT64_MAX;
  for (int64_t pad = 0; pad <= kL1Sets * kLineBytes; pad += kLineBytes) {
    int64_t stride = halfFloats * 4 + pad;
    SmallVector<int64_t> load(kL1Sets, 0);
    for (int64_t half = 0; half < 2 * kActRows; ++half)
      for (int64_t line = 0; line < chunkLines; ++line)
        ++load[(half * stride / kLineBytes + line) % kL1Sets];
    int64_t worst = *llvm::max_element(load);
    if (worst < bestLoad) {
      bestLoad = worst;
      bestPad = pad;
    }
    if (worst <= 8)
      break;
  }
  return halfFloats + bestPad / 4;
}

} // namespace

/// What keeps bf16 activations off the bf16 tiles (emitBF16Block): each
/// condition that fails, with what would meet it; empty when the target
/// and the scheme allow them. lowerMatmul's choice and its remark both
/// read this list, so they cannot disagree.
SmallVector<CPULowering::Blocker>
CPULowering::bf16TileBlockers(const num::Scheme &scheme) const {
  SmallVector<Blocker> blockers;
  if (!targetInfo.bf16Ops || targetInfo.isa != Target::AVX512)
    blockers.push_back(
        {targetOption == "host"
             ? "the host CPU has no AVX512-BF16 (target=host)"
             : "target=" + targetOption + " has no AVX512-BF16",
         "target=avx512 where the CPU that runs the code has AVX512-BF16 "
         "(Zen 4, Sapphire Rapids and later)"});
  if (scheme.blockSize % kBF16Lanes != 0)
    blockers.push_back({"blocks of " + std::to_string(scheme.blockSize) +
                            " (the bf16 tiles take multiples of " +
                            std::to_string(kBF16Lanes) + ")",
                        "blocks of 32 (block=32)"});
  return blockers;
}

/// Optimization remarks (--remarks-filter='qblock.*', KernelRemarks.h):
/// the W4A16 kernel `op` gets, and, where bf16 activations miss the bf16
/// tiles, the `bf16Blockers` that kept them off.
void CPULowering::remarkFloatActivationKernel(MatmulOp op, Type lhsElement,
                                              bool bf16Tiles,
                                              ArrayRef<Blocker> bf16Blockers) {
  if (!kernelRemarks)
    return;
  remark::passed(op.getLoc(),
                 kernelRemark(op, kCPUKernelRemarks, "w4a16-kernel"))
      << remark::add("W4A16 matmul decoding weights in registers ({0} "
                     "lookups), {1} activations{2}",
                     targetName(targetInfo.isa), debugString(lhsElement),
                     bf16Tiles ? "; one-row tiles multiply them in bf16 "
                                 "(vdpbf16ps)"
                               : "");
  if (!lhsElement.isBF16() || bf16Tiles)
    return;
  SmallVector<StringRef> why, fixes;
  for (const Blocker &blocker : bf16Blockers) {
    why.push_back(blocker.reason);
    fixes.push_back(blocker.fix);
  }
  remark::missed(op.getLoc(), kernelRemark(op, kCPUKernelRemarks, "bf16-tiles"))
      << remark::add("bf16 activations are widened to f32 and multiplied "
                     "in f32")
      << remark::reason("{0}", llvm::join(why, "; "))
      << remark::suggest("{0}", llvm::join(fixes, ", and "));
}

LogicalResult CPULowering::lowerMatmul(MatmulOp op) {
  if (SchemeAttr fused = op.getActSchemeAttr()) {
    // Online activation quantization: each activation row is quantized
    // once, at the start of this matmul's loop nest, into a scratch tile
    // that only the integer kernel below reads.
    ImplicitLocOpBuilder b(op.getLoc(), op);
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    // The activations' K is the weight's (the verifier checks it when both
    // are static). A dynamic K is cast to it first: the quantizer lays out
    // blocks by the static K of the type it is given.
    auto weightType = cast<QuantizedTensorType>(op.getRhs().getType());
    SmallVector<int64_t> lhsShape(lhsType.getShape());
    lhsShape.back() = weightType.getAxisSize();
    if (lhsType.isDynamicDim(lhsType.getRank() - 1)) {
      lhsType = lhsType.clone(lhsShape);
      op.getLhsMutable().assign(
          tensor::CastOp::create(b, lhsType, op.getLhs()).getResult());
    }
    auto actType = QuantizedTensorType::get(
        op.getContext(), lhsShape, lhsType.getElementType(), fused,
        lhsType.getRank() - 1);
    FailureOr<Value> bytes =
        emitQuantize(b, op, op.getLhs(), actType, module, *symbols);
    if (failed(bytes))
      return failure();
    auto view = FromStorageOp::create(b, actType, *bytes);
    logicalSizes[view.getResult()] = dimSizes(b, op.getLhs());
    op.getLhsMutable().assign(view.getResult());
    op.removeActSchemeAttr();
  }
  if (isa<QuantizedTensorType>(op.getLhs().getType()))
    return lowerQuantizedMatmul(op);
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto rhsType = cast<QuantizedTensorType>(op.getRhs().getType());
  if (failed(checkStaticWeightRows(op, rhsType)))
    return failure();
  FailureOr<Value> storage = getStorage(b, op, op.getRhs());
  if (failed(storage))
    return failure();
  num::Scheme scheme = rhsType.getBlockScheme().toNumerics();
  Value lhs = snapshot(b, op.getLhs());
  MatmulFrame frame = beginMatmul(b, op, rhsType, op.getInit());
  bool batched = frame.batched;
  int64_t k = frame.k, n = frame.n;
  Value batch = frame.batch, out = frame.out;
  Value m = frame.outSizes[frame.rank - 2];
  Value rows = arith::MulIOp::create(b, batch, cst(b, n));
  PackedLayout layout = PackedLayout::build(b, rows, k, scheme);
  DecodeTables tables = tablesFor(b, scheme);
  checkPackedWeightBytes(b, op, *storage, rhsType, layout);

  Value batchRows = arith::MulIOp::create(b, batch, m);

  // bf16 activations on AVX512-BF16: the tiles of one activation row (all
  // of a GEMV, the last odd row of a GEMM) multiply the activations as
  // they come, in bf16 (emitBF16Block); only the tiles of 2, 4 and 8 rows
  // read the de-interleaved f32 copy, so it is made (and allocated) only
  // when there are at least two rows.
  auto lhsElement = cast<ShapedType>(lhs.getType()).getElementType();
  Value bf16Dialects;
  SmallVector<Blocker> bf16Blockers = bf16TileBlockers(scheme);
  if (lhsElement.isBF16() && bf16Blockers.empty())
    bf16Dialects = getBF16DialectRows(b, module, *symbols, scheme);
  remarkFloatActivationKernel(op, lhsElement, bool(bf16Dialects), bf16Blockers);
  // The bf16 tiles sum unscaled magnitudes and flush subnormal inputs
  // (vdpbf16ps), so they match the f32 path only for activations in a
  // range (emitBF16RangeCheck); a call with any activation outside it
  // takes the f32 path for every row, and then needs the f32 copy below.
  Value bf16Acts, bf16InRange;
  Value groupedRows;
  Value halvesRows = batchRows;
  if (bf16Dialects) {
    bf16Acts = memref::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic, k}, lhsElement),
        ValueRange{batchRows}, b.getI64IntegerAttr(64));
    emitRowCopy(b, lhs, batched, m, batchRows, k, bf16Acts);
    // The largest activation exponent whose block sums cannot overflow:
    // blockSize x the book's largest magnitude (in half units, as the bf16
    // rows hold them) x 2^e stays below 2^127 (2^100 for the built-in
    // books, well inside).
    int64_t sumBits = static_cast<int64_t>(std::ceil(std::log2(std::max(
        1.0, double(scheme.blockSize) * scheme.book.maxMagnitude()))));
    // (At least -126: a book too large for any normal activation leaves
    // only zeros in range.)
    int64_t maxExponent =
        std::clamp<int64_t>(126 - sumBits, -126, 100);
    bf16InRange =
        emitBF16RangeCheck(b, bf16Acts, batchRows, k, maxExponent);
    Value outOfRange = arith::XOrIOp::create(
        b, bf16InRange, arith::ConstantIntOp::create(b, 1, 1));
    groupedRows = arith::OrIOp::create(
        b,
        arith::CmpIOp::create(b, arith::CmpIPredicate::uge, m, cst(b, 2)),
        outOfRange);
    Value none = cst(b, 0);
    halvesRows = arith::SelectOp::create(b, groupedRows, batchRows, none);
  }

  // De-interleave activations once: element 2i of a row pairs with the low
  // nibbles of the weight row, element 2i+1 with the high ones, so the
  // decoded vectors need no shuffle in the hot loop.
  // Both halves of a row share one buffer row, [evens | pad | odds | pad],
  // so the half-rows a tile reads together spread over the L1 sets
  // (paddedHalfRowFloats).
  int64_t halfStride = paddedHalfRowFloats(k);
  Value halves = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, 2 * halfStride},
                         b.getF32Type()),
      ValueRange{halvesRows}, b.getI64IntegerAttr(64));
  auto half = [&](int64_t first) -> Value {
    return memref::SubViewOp::create(
        b, halves,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(first)},
        ArrayRef<OpFoldResult>{halvesRows, b.getIndexAttr(k / 2)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  };
  Value evens = half(0);
  Value odds = half(halfStride);

  if (bf16Dialects) {
    scf::IfOp::create(b, groupedRows, [&](OpBuilder &nb, Location loc) {
      ImplicitLocOpBuilder ib(loc, nb);
      emitDeinterleave(ib, lhs, batched, m, batchRows, k, evens, odds);
      scf::YieldOp::create(ib);
    });
  } else {
    emitDeinterleave(b, lhs, batched, m, batchRows, k, evens, odds);
  }

  // Scaled rows read from a table (DecodeTables::getScaledRows) instead of
  // a multiply per block, in every f32 tile (with bf16 activations too:
  // the tiles of several rows, and one-row tiles whose activations are out
  // of the bf16 range; the bf16 tiles scale per block sum instead). Not
  // for `target=generic`, whose loops the GPU pipeline maps to GPU
  // threads: there the table would be one more host buffer staged for
  // every launch.
  if (DecodeTables::scaledRowCount(scheme) > 0 &&
      targetInfo.isa != Target::Generic)
    tables.getScaledRows(b, module, *symbols, scheme);

  int64_t blockBytes = scheme.blockSize / 2;
  int64_t lanes = BlockDecoder::chooseLanes(targetInfo.isa, blockBytes);
  // K is walked in chunks of about kChunkElements (see emitRows); an even
  // number of blocks per chunk lets the block loop take two at a time.
  int64_t chunkBlocks =
      std::max<int64_t>(1, kChunkElements / scheme.blockSize);
  // 16-element blocks on AVX-512: two blocks per 16-lane vector (they are
  // adjacent in a row) instead of 8-lane halves with sign flips.
  bool pairBlocks = BlockDecoder::pairsBlocks(targetInfo.isa, blockBytes) &&
                    chunkBlocks % 2 == 0 && layout.blocksPerRow % 2 == 0;
  if (pairBlocks)
    lanes = 2 * blockBytes;
  BlockDecoder decoder(targetInfo.isa, lanes, tables);
  KernelContext ctx{storage.value(), evens,  odds,   out,
                    batched,         m,      n,      layout,
                    scheme,          decoder, tables, lanes,
                    chunkBlocks,     pairBlocks, &frame};
  ctx.bf16Acts = bf16Acts;
  ctx.bf16Dialects = bf16Dialects;
  ctx.bf16InRange = bf16InRange;

  // Output rows n are independent: tasks of kRowsPerTask rows in parallel.
  Value tasks = cst(b, (n + kRowsPerTask - 1) / kRowsPerTask);
  scf::ParallelOp::create(
      b, ValueRange{cst(b, 0), cst(b, 0)}, ValueRange{batch, tasks},
      ValueRange{cst(b, 1), cst(b, 1)},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value first = arith::MulIOp::create(ib, ivs[1], cst(ib, kRowsPerTask));
        Value last = arith::MinSIOp::create(
            ib, arith::AddIOp::create(ib, first, cst(ib, kRowsPerTask)),
            cst(ib, n));
        emitRows(ib, ctx, ivs[0], first, last);
        scf::ReduceOp::create(ib);
      });

  finishMatmul(b, op, frame);
  return success();
}

/// An scf.parallel over the batch * M activation rows, each an scf.for of
/// `steps` steps: body(builder, row bm, row bm's leading indices into the
/// activations, step).
static void forEachRowStep(
    ImplicitLocOpBuilder &b, bool batched, Value m, Value batchRows,
    int64_t steps,
    llvm::function_ref<void(ImplicitLocOpBuilder &, Value, ArrayRef<Value>,
                            Value)>
        body) {
  // Bounds one statement each: built inside one call's arguments, their
  // order (and the IR's) would depend on the C++ compiler.
  Value zero = cst(b, 0);
  Value one = cst(b, 1);
  scf::ParallelOp::create(
      b, ValueRange{zero}, ValueRange{batchRows}, ValueRange{one},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value bm = ivs[0];
        SmallVector<Value> prefix =
            CPULowering::rowIndices(ib, bm, batched, m);
        Value end = cst(ib, steps);
        scf::ForOp::create(
            ib, zero, end, one, ValueRange{},
            [&](OpBuilder &inner, Location loc2, Value i, ValueRange) {
              ImplicitLocOpBuilder jb(loc2, inner);
              body(jb, bm, prefix, i);
              scf::YieldOp::create(jb);
            });
        scf::ReduceOp::create(ib);
      });
}

void CPULowering::emitDeinterleave(ImplicitLocOpBuilder &b, Value lhs,
                                   bool batched, Value m, Value batchRows,
                                   int64_t k, Value evens, Value odds) {
  forEachRowStep(b, batched, m, batchRows, k / 2,
                 [&](ImplicitLocOpBuilder &jb, Value bm,
                     ArrayRef<Value> prefix, Value i) {
                   Value twice = arith::MulIOp::create(jb, i, cst(jb, 2));
                   SmallVector<Value> evenIndex(prefix), oddIndex(prefix);
                   evenIndex.push_back(twice);
                   oddIndex.push_back(
                       arith::AddIOp::create(jb, twice, cst(jb, 1)));
                   Value e =
                       toF32(jb, memref::LoadOp::create(jb, lhs, evenIndex));
                   Value o =
                       toF32(jb, memref::LoadOp::create(jb, lhs, oddIndex));
                   memref::StoreOp::create(jb, e, evens, ValueRange{bm, i});
                   memref::StoreOp::create(jb, o, odds, ValueRange{bm, i});
                 });
}

void CPULowering::emitRowCopy(ImplicitLocOpBuilder &b, Value lhs, bool batched,
                              Value m, Value batchRows, int64_t k,
                              Value rows) {
  forEachRowStep(b, batched, m, batchRows, k,
                 [&](ImplicitLocOpBuilder &jb, Value bm,
                     ArrayRef<Value> prefix, Value i) {
                   SmallVector<Value> index(prefix);
                   index.push_back(i);
                   Value v = memref::LoadOp::create(jb, lhs, index);
                   memref::StoreOp::create(jb, v, rows, ValueRange{bm, i});
                 });
}

/// Whether every bf16 activation of `rows` (rowCount x k, k a multiple of
/// 32) is zero or normal with magnitude below 2^maxExponent, as an i1.
/// Within that range the bf16 tiles give the f32 path's numbers:
/// vdpbf16ps flushes only subnormal inputs (there are none), and a block's
/// unscaled sum cannot overflow before the block's scale applies (the
/// caller picks maxExponent for that). Infinities and NaNs are outside
/// too, so they propagate as the f32 path propagates them. The test runs
/// on the bits: magnitude 0, or in [0x0080, (127 + maxExponent) << 7).
Value CPULowering::emitBF16RangeCheck(ImplicitLocOpBuilder &b, Value rows,
                                      Value rowCount, int64_t k,
                                      int64_t maxExponent) {
  constexpr int64_t kLanes = 32;
  auto bitsType = VectorType::get({kLanes}, b.getI16Type());
  auto valueType = VectorType::get({kLanes}, b.getBF16Type());
  auto splat = [&](ImplicitLocOpBuilder &ib, int64_t v) -> Value {
    return arith::ConstantOp::create(
        ib, DenseElementsAttr::get(bitsType, ib.getI16IntegerAttr(v)));
  };
  Value noneBad = splat(b, 0);
  auto rowLoop = scf::ForOp::create(
      b, cst(b, 0), rowCount, cst(b, 1), ValueRange{noneBad},
      [&](OpBuilder &rb, Location rloc, Value row, ValueRange rowAcc) {
        ImplicitLocOpBuilder ib(rloc, rb);
        auto colLoop = scf::ForOp::create(
            ib, cst(ib, 0), cst(ib, k), cst(ib, kLanes), rowAcc,
            [&](OpBuilder &cb, Location cloc, Value col, ValueRange acc) {
              ImplicitLocOpBuilder jb(cloc, cb);
              // One statement per op: built inside one call's arguments,
              // their order in the IR would depend on the C++ compiler.
              Value values = vector::LoadOp::create(jb, valueType, rows,
                                                    ValueRange{row, col});
              Value bits = vector::BitCastOp::create(jb, bitsType, values);
              Value magnitude =
                  arith::AndIOp::create(jb, bits, splat(jb, 0x7FFF));
              // Subnormal: magnitude - 1 < 0x7F unsigned (0 wraps away).
              Value belowOne =
                  arith::SubIOp::create(jb, magnitude, splat(jb, 1));
              Value subnormal = arith::CmpIOp::create(
                  jb, arith::CmpIPredicate::ult, belowOne, splat(jb, 0x7F));
              Value limit = splat(jb, (127 + maxExponent) << 7);
              Value large = arith::CmpIOp::create(
                  jb, arith::CmpIPredicate::uge, magnitude, limit);
              Value either = arith::OrIOp::create(jb, subnormal, large);
              Value bad = arith::ExtUIOp::create(jb, bitsType, either);
              scf::YieldOp::create(jb,
                                   arith::OrIOp::create(jb, acc[0], bad)
                                       .getResult());
            });
        scf::YieldOp::create(ib, colLoop.getResults());
      });
  Value anyBad = vector::ReductionOp::create(b, vector::CombiningKind::OR,
                                             rowLoop.getResult(0));
  return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, anyBad,
                               arith::ConstantIntOp::create(b, 0, 16));
}

/// Output rows [first, last) of batch `batchIndex`. Activation rows go in
/// groups of 8 that share every decoded weight vector (two weight rows at
/// a time, 16 accumulators), so GEMM decodes each weight once per 8 rows;
/// the rest (M mod 8) go in groups of 4 and 2 the same way, and a last
/// single row (all of a GEMV) against 4 weight rows that share the
/// activation loads. A GEMV (one activation row)
/// takes whole weight rows per tile; otherwise K is walked in chunks
/// (leftover rows then reread a chunk's weights from L1, where whole rows
/// made M = 3 about 8% slower).
void CPULowering::emitRows(ImplicitLocOpBuilder &b,
                           const KernelContext &taskCtx, Value batchIndex,
                           Value first, Value last) {
  KernelContext ctx = taskCtx;
  // INT4's F16 scales: per block, a scalar conversion and a broadcast
  // across lanes cost more shuffle-port work than the block's lookups
  // (the GEMV ran 1.8x MXFP4's time in L2). Each tile converts its rows'
  // scales 16 at a time into this task-local buffer first, and the block
  // loop reads them as E8M0's table entries are read. Not for the
  // portable target, whose loop nests the GPU pipeline also maps to GPU
  // threads (a private 16 KiB array per thread there).
  if (ctx.scheme.scale == num::ScaleKind::F16 &&
      targetInfo.isa != Target::Generic &&
      ctx.layout.blocksPerRow <= kMaxF16ScaleBlocks)
    ctx.halfScaleRows = memref::AllocaOp::create(
        b, MemRefType::get({kF16ScaleRows,
                            static_cast<int64_t>(
                                llvm::alignTo(ctx.layout.blocksPerRow, 16))},
                           b.getF32Type()),
        b.getI64IntegerAttr(64));
  auto forEachGroup = [&](ImplicitLocOpBuilder &ib, Value lo, Value hi,
                          int64_t step, auto body) {
    Value count = arith::SubIOp::create(ib, hi, lo);
    Value mainEnd = arith::SubIOp::create(
        ib, hi, arith::RemUIOp::create(ib, count, cst(ib, step)));
    scf::ForOp::create(ib, lo, mainEnd, cst(ib, step), ValueRange{},
                       [&](OpBuilder &nb, Location loc, Value iv, ValueRange) {
                         ImplicitLocOpBuilder jb(loc, nb);
                         body(jb, iv, step);
                         scf::YieldOp::create(jb);
                       });
    if (step > 1)
      scf::ForOp::create(
          ib, mainEnd, hi, cst(ib, 1), ValueRange{},
          [&](OpBuilder &nb, Location loc, Value iv, ValueRange) {
            ImplicitLocOpBuilder jb(loc, nb);
            body(jb, iv, 1);
            scf::YieldOp::create(jb);
          });
    return mainEnd;
  };
  constexpr int64_t kWeightRowsWide = 2, kWeightRowsNarrow = 4;
  // The 8-row groups walk K in chunks of ctx.chunkBlocks blocks so that
  // the activation slice a tile re-reads for every weight row stays in L1;
  // partial sums go through the output between chunks.
  const PackedLayout &layout = ctx.layout;
  int64_t chunkBlocks = ctx.chunkBlocks;
  Value mCount = ctx.m;
  auto rowGroups = [&](ImplicitLocOpBuilder &ib, Value m0, KRange range,
                       GemvPrefetch prefetch) {
    forEachGroup(
        ib, first, last, kWeightRowsNarrow,
        [&](ImplicitLocOpBuilder &tb, Value n0, int64_t nr) {
          if (prefetch != GemvPrefetch::LaterTiles) {
            emitTile(tb, ctx, batchIndex, n0, nr, m0, 1, range, prefetch);
            return;
          }
          // The tiles whose later tile lies past the matrix (the last
          // kGemvTilesAhead) have nothing to prefetch; the others prefetch
          // with no clamp (PrefetchRows::InMatrix).
          Value laterEnd = arith::AddIOp::create(
              tb, n0, cst(tb, (kGemvTilesAhead + 1) * nr));
          scf::IfOp::create(
              tb,
              arith::CmpIOp::create(tb, arith::CmpIPredicate::sle, laterEnd,
                                    cst(tb, ctx.n)),
              [&](OpBuilder &nb, Location loc) {
                ImplicitLocOpBuilder jb(loc, nb);
                emitTile(jb, ctx, batchIndex, n0, nr, m0, 1, range,
                         GemvPrefetch::LaterTiles);
                scf::YieldOp::create(jb);
              },
              [&](OpBuilder &nb, Location loc) {
                ImplicitLocOpBuilder jb(loc, nb);
                emitTile(jb, ctx, batchIndex, n0, nr, m0, 1, range,
                         GemvPrefetch::None);
                scf::YieldOp::create(jb);
              });
        });
  };
  // GEMV: the single activation row fits L1 unchunked, so each tile takes
  // whole weight rows and prefetches a later tile's bytes as one run.
  Value isGemv =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, mCount, cst(b, 1));
  scf::IfOp::create(
      b, isGemv,
      [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        rowGroups(ib, cst(ib, 0),
                  KRange{cst(ib, 0), cst(ib, layout.blocksPerRow)},
                  GemvPrefetch::LaterTiles);
        scf::YieldOp::create(ib);
      },
      [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        Value mMain = arith::SubIOp::create(
            ib, mCount, arith::RemUIOp::create(ib, mCount, cst(ib, kActRows)));
        scf::ForOp::create(
            ib, cst(ib, 0), cst(ib, layout.blocksPerRow),
            cst(ib, chunkBlocks), ValueRange{},
            [&](OpBuilder &cb, Location cloc, Value kFirst, ValueRange) {
              ImplicitLocOpBuilder kb(cloc, cb);
              Value kLast = arith::MinSIOp::create(
                  kb, arith::AddIOp::create(kb, kFirst, cst(kb, chunkBlocks)),
                  cst(kb, layout.blocksPerRow));
              KRange range{kFirst, kLast};
              scf::ForOp::create(
                  kb, cst(kb, 0), mMain, cst(kb, kActRows), ValueRange{},
                  [&](OpBuilder &nb2, Location loc2, Value m0, ValueRange) {
                    ImplicitLocOpBuilder mb(loc2, nb2);
                    forEachGroup(
                        mb, first, last, kWeightRowsWide,
                        [&](ImplicitLocOpBuilder &tb, Value n0, int64_t nr) {
                          emitTile(tb, ctx, batchIndex, n0, nr, m0,
                                   kActRows, range, GemvPrefetch::PerRow);
                        });
                    scf::YieldOp::create(mb);
                  });
              // The rest, M mod 8 rows, in groups of 4, 2 and 1: each group
              // decodes the weights once, so M = 7 decodes them three times,
              // not seven.
              Value rest = arith::SubIOp::create(kb, mCount, mMain);
              Value m0 = mMain;
              for (int64_t group : {kActRows / 2, kActRows / 4}) {
                Value taken = arith::AndIOp::create(kb, rest, cst(kb, group));
                Value any = arith::CmpIOp::create(
                    kb, arith::CmpIPredicate::ne, taken, cst(kb, 0));
                scf::IfOp::create(kb, any, [&](OpBuilder &nb2, Location loc2) {
                  ImplicitLocOpBuilder mb(loc2, nb2);
                  forEachGroup(
                      mb, first, last, kWeightRowsWide,
                      [&](ImplicitLocOpBuilder &tb, Value n0, int64_t nr) {
                        emitTile(tb, ctx, batchIndex, n0, nr, m0, group,
                                 range, GemvPrefetch::PerRow);
                      });
                  scf::YieldOp::create(mb);
                });
                m0 = arith::AddIOp::create(kb, m0, taken);
              }
              Value single = arith::CmpIOp::create(kb, arith::CmpIPredicate::ult,
                                                   m0, mCount);
              scf::IfOp::create(kb, single, [&](OpBuilder &nb2, Location loc2) {
                ImplicitLocOpBuilder mb(loc2, nb2);
                rowGroups(mb, m0, range, GemvPrefetch::PerRow);
                scf::YieldOp::create(mb);
              });
              scf::YieldOp::create(kb);
            });
        scf::YieldOp::create(ib);
      });
}

/// One block of every weight row of a tile against its activation rows
/// (with ctx.pairBlocks, blocks `block` and `block + 1` as one); returns
/// the updated accumulators. `dialects` holds the rows' dialect ids of
/// this block when the caller loaded them already (else empty);
/// `nextDialects` those of the next block, for pairs (always loaded).
/// `halfScales` and `nextHalfScales` likewise hold the rows' half scales
/// when the caller has them (else empty: loaded here).
SmallVector<Value>
CPULowering::emitBlock(ImplicitLocOpBuilder &bb, const KernelContext &ctx,
                       Value block, ArrayRef<Value> weightRows,
                       ArrayRef<Value> actRows, ArrayRef<Value> codeBase,
                       ArrayRef<Value> dialects, ArrayRef<Value> nextDialects,
                       ArrayRef<Value> halfScales,
                       ArrayRef<Value> nextHalfScales, ValueRange accs,
                       int64_t nr, int64_t mt, int64_t perPair,
                       GemvPrefetch prefetch) {
  const PackedLayout &layout = ctx.layout;
  int64_t lanes = ctx.lanes, blockBytes = layout.blockSize / 2;
  auto vecType = VectorType::get({lanes}, bb.getF32Type());
  auto codeType = VectorType::get({lanes}, bb.getI8Type());
  // Block `at` of weight row r: its scaled row read from the prebuilt
  // table when there is one, else its dialect row times its half scale
  // (`known`, when the caller has the half scales).
  auto beginBlock = [&](size_t r, Value dialect, Value at,
                        ArrayRef<Value> known) {
    Value row = weightRows[r];
    if (ctx.tables.scaledRows)
      return ctx.decoder.beginScaled(
          bb, dialect, loadScaleCode(bb, ctx.storage, layout, row, at));
    Value halfScale = !known.empty()
                          ? known[r]
                          : loadHalfScale(bb, ctx.storage, layout, ctx.tables,
                                          ctx.scheme.scale, row, at);
    return ctx.decoder.begin(bb, dialect, halfScale);
  };
  SmallVector<BlockDecoder::Block> decoders;
  for (auto [r, row] : llvm::enumerate(weightRows)) {
    Value dialect = dialects.empty()
                        ? loadDialectId(bb, ctx.storage, layout, row, block)
                        : dialects[r];
    BlockDecoder::Block first = beginBlock(r, dialect, block, halfScales);
    if (!ctx.pairBlocks) {
      decoders.push_back(first);
      continue;
    }
    // Pairs imply two blocks per iteration, whose ids emitTile loads.
    assert(nextDialects.size() == weightRows.size());
    Value next = arith::AddIOp::create(bb, block, cst(bb, 1));
    decoders.push_back(ctx.decoder.beginPair(
        bb, first, beginBlock(r, nextDialects[r], next, nextHalfScales)));
  }
  Value blockStart = arith::MulIOp::create(bb, block, cst(bb, blockBytes));
  int64_t spanBytes = ctx.pairBlocks ? 2 * blockBytes : blockBytes;
  auto chunkLoop = scf::ForOp::create(
      bb, cst(bb, 0), cst(bb, spanBytes), cst(bb, lanes), accs,
      [&](OpBuilder &cb, Location cloc, Value chunk, ValueRange chunkAccs) {
        ImplicitLocOpBuilder ib(cloc, cb);
        Value col = arith::AddIOp::create(ib, blockStart, chunk);
        SmallVector<Value> evensW, oddsW;
        for (int64_t r = 0; r < nr; ++r) {
          Value at = arith::AddIOp::create(ib, codeBase[r], col);
          Value codes =
              vector::LoadOp::create(ib, codeType, ctx.storage, at);
          // Several weight rows stream at once; hardware prefetchers keep
          // up better with a nudge (measured on GEMV 8192^2, before GEMV
          // tiles prefetched later tiles instead: 1.71 -> 1.44 ms with 512
          // bytes; 256 and 1024 were worse).
          if (prefetch == GemvPrefetch::PerRow)
            memref::PrefetchOp::create(
                ib, ctx.storage,
                ValueRange{arith::AddIOp::create(ib, at,
                                                 cst(ib, kPrefetchBytes))},
                /*isWrite=*/false, /*localityHint=*/0,
                /*isDataCache=*/true);
          auto [evenW, oddW] =
              ctx.pairBlocks
                  ? ctx.decoder.decodePairBytes(ib, decoders[r], codes)
                  : ctx.decoder.decodeBytes(ib, decoders[r], codes);
          evensW.push_back(evenW);
          oddsW.push_back(oddW);
        }
        SmallVector<Value> next(chunkAccs.begin(), chunkAccs.end());
        for (int64_t i = 0; i < mt; ++i) {
          Value xe = vector::LoadOp::create(ib, vecType, ctx.evens,
                                            ValueRange{actRows[i], col});
          Value xo = vector::LoadOp::create(ib, vecType, ctx.odds,
                                            ValueRange{actRows[i], col});
          for (int64_t r = 0; r < nr; ++r) {
            int64_t slot = perPair * (i * nr + r);
            next[slot] = vector::FMAOp::create(ib, xe, evensW[r], next[slot]);
            int64_t oddSlot = slot + perPair - 1;
            next[oddSlot] =
                vector::FMAOp::create(ib, xo, oddsW[r], next[oddSlot]);
          }
        }
        scf::YieldOp::create(ib, next);
      });
  return SmallVector<Value>(chunkLoop.getResults());
}

/// One block of every weight row of a one-row tile with bf16 activations
/// (ctx.bf16Acts); returns the accumulators with slot `2 r + parity`
/// updated for weight row r.
///
/// A block's codes decode to its dialect's *unscaled* half-unit
/// magnitudes, small integers that bf16 holds exactly, so one vdpbf16ps
/// per 32 elements multiplies them with the activations exactly (the
/// products fit f32) and sums pairs in f32; the block's sum is then scaled
/// once, `acc += halfScale * sum`. Per 16 code bytes: a zero-extension to
/// 16 x i32 `d` and `d | d << 12`, whose 16-bit halves are the indices of
/// element 2j (low half: the low nibble in bits 0-3; bit 4, the high
/// nibble's bit 0, is harmless because the table repeats its 16 entries)
/// and element 2j + 1 (high half: `d >> 4`), i.e. element order, matching
/// the activations as they are stored; one vpermw looks up all 32. Against
/// the f32 path this drops the per-block scaling of the table row, one
/// lookup and one FMA per 32 elements, and the activations' de-interleaved
/// f32 copy (half the bytes per activation load).
SmallVector<Value> CPULowering::emitBF16Block(
    ImplicitLocOpBuilder &bb, const KernelContext &ctx, Value block,
    ArrayRef<Value> weightRows, Value actRow, ArrayRef<Value> codeBase,
    ArrayRef<Value> dialects, ArrayRef<Value> halfScales, ValueRange accs,
    int64_t parity, GemvPrefetch prefetch) {
  const PackedLayout &layout = ctx.layout;
  int64_t blockBytes = layout.blockSize / 2;
  int64_t chunkBytes = kBF16Lanes / 2;
  auto bf16Type = VectorType::get({kBF16Lanes}, bb.getBF16Type());
  auto sumType = VectorType::get({kBF16Lanes / 2}, bb.getF32Type());
  auto codeType = VectorType::get({chunkBytes}, bb.getI8Type());
  auto wideType = VectorType::get({chunkBytes}, bb.getI32Type());
  auto indexType = VectorType::get({kBF16Lanes}, bb.getI16Type());
  int64_t nr = weightRows.size();

  SmallVector<Value> tableRows, scales;
  for (auto [r, row] : llvm::enumerate(weightRows)) {
    Value dialect = dialects.empty()
                        ? loadDialectId(bb, ctx.storage, layout, row, block)
                        : dialects[r];
    scales.push_back(!halfScales.empty()
                         ? halfScales[r]
                         : loadHalfScale(bb, ctx.storage, layout, ctx.tables,
                                         ctx.scheme.scale, row, block));
    tableRows.push_back(vector::LoadOp::create(
        bb, bf16Type, ctx.bf16Dialects, ValueRange{dialect, cst(bb, 0)}));
  }
  Value zero = arith::ConstantOp::create(
      bb, DenseElementsAttr::get(sumType, bb.getF32FloatAttr(0.0f)));
  Value shift = arith::ConstantOp::create(
      bb, DenseElementsAttr::get(wideType, bb.getI32IntegerAttr(12)));
  Value byteStart = arith::MulIOp::create(bb, block, cst(bb, blockBytes));
  Value elementStart =
      arith::MulIOp::create(bb, block, cst(bb, layout.blockSize));
  SmallVector<Value> zeros(nr, zero);
  Value chunkBegin = cst(bb, 0);
  Value chunkEnd = cst(bb, blockBytes);
  Value chunkStep = cst(bb, chunkBytes);
  auto chunkLoop = scf::ForOp::create(
      bb, chunkBegin, chunkEnd, chunkStep, zeros,
      [&](OpBuilder &cb, Location cloc, Value chunk, ValueRange sums) {
        ImplicitLocOpBuilder ib(cloc, cb);
        Value col = arith::AddIOp::create(ib, byteStart, chunk);
        Value element = arith::AddIOp::create(
            ib, elementStart, arith::MulIOp::create(ib, chunk, cst(ib, 2)));
        Value acts = vector::LoadOp::create(ib, bf16Type, ctx.bf16Acts,
                                            ValueRange{actRow, element});
        SmallVector<Value> next;
        for (int64_t r = 0; r < nr; ++r) {
          Value at = arith::AddIOp::create(ib, codeBase[r], col);
          Value codes = vector::LoadOp::create(ib, codeType, ctx.storage, at);
          if (prefetch == GemvPrefetch::PerRow)
            memref::PrefetchOp::create(
                ib, ctx.storage,
                ValueRange{arith::AddIOp::create(ib, at,
                                                 cst(ib, kPrefetchBytes))},
                /*isWrite=*/false, /*localityHint=*/0,
                /*isDataCache=*/true);
          Value wide = arith::ExtUIOp::create(ib, wideType, codes);
          Value shifted = arith::ShLIOp::create(ib, wide, shift);
          Value both = arith::OrIOp::create(ib, wide, shifted);
          Value indices = vector::BitCastOp::create(ib, indexType, both);
          Value weights = LookupOp::create(ib, tableRows[r], indices);
          next.push_back(DotBF16Op::create(ib, sumType, sums[r], weights,
                                           acts));
        }
        scf::YieldOp::create(ib, next);
      });
  SmallVector<Value> result(accs.begin(), accs.end());
  for (int64_t r = 0; r < nr; ++r) {
    Value scale = vector::BroadcastOp::create(bb, sumType, scales[r]);
    int64_t slot = 2 * r + parity;
    result[slot] = vector::FMAOp::create(bb, scale, chunkLoop.getResult(r),
                                         result[slot]);
  }
  return result;
}

/// A GEMV tile (one activation row, whole weight rows) streams its nr
/// rows' codes, scales and dialect ids at once, more runs than hardware
/// prefetchers follow well. Each block-loop iteration (`blockOffset`
/// blocks into the row, `unroll` blocks per iteration) therefore
/// prefetches its share of the tile two tiles on, in address order
/// (measured on GEMV N = K = 8192, 2 threads: 1.44-1.9 -> 1.2-1.3 ms
/// when the machine was quiet; one and three tiles ahead were within the
/// noise of two). emitRows calls it only for tiles whose later tile lies
/// in the matrix, so the addresses need no clamp (PrefetchRows::InMatrix;
/// blockdialect: 0.93 -> 0.82-0.87 ms with the weights in L3, 1.05-1.1 ->
/// 0.95-1.02 ms streamed, against per-line clamps).
void CPULowering::emitLaterTilePrefetches(ImplicitLocOpBuilder &b,
                                          const KernelContext &ctx,
                                          Value firstRow, int64_t nr,
                                          Value blockOffset, int64_t unroll) {
  int64_t iterations = (ctx.layout.blocksPerRow + unroll - 1) / unroll;
  Value iteration = arith::DivUIOp::create(b, blockOffset, cst(b, unroll));
  Value laterRow =
      arith::AddIOp::create(b, firstRow, cst(b, kGemvTilesAhead * nr));
  prefetchPackedRowsShare(b, ctx.storage, ctx.layout, laterRow, nr, iteration,
                          iterations, PrefetchRows::InMatrix,
                          targetInfo.farPrefetchLocality);
}

/// One tile: weight rows n0..n0+nr, activation rows m0..m0+mt, the blocks
/// of `range`; adds its partial sums into the output.
void CPULowering::emitTile(ImplicitLocOpBuilder &b, const KernelContext &ctx,
                           Value batchIndex, Value n0, int64_t nr, Value m0,
                           int64_t mt, KRange range, GemvPrefetch prefetch) {
  // One-row tiles in bf16 only when the activations are in range; the
  // two versions of the tile are chosen once per tile.
  if (ctx.bf16Acts && mt == 1 && ctx.bf16InRange) {
    KernelContext bf16Ctx = ctx, f32Ctx = ctx;
    bf16Ctx.bf16InRange = f32Ctx.bf16InRange = {};
    f32Ctx.bf16Acts = {};
    scf::IfOp::create(
        b, ctx.bf16InRange,
        [&](OpBuilder &nb, Location loc) {
          ImplicitLocOpBuilder ib(loc, nb);
          emitTile(ib, bf16Ctx, batchIndex, n0, nr, m0, mt, range, prefetch);
          scf::YieldOp::create(ib);
        },
        [&](OpBuilder &nb, Location loc) {
          ImplicitLocOpBuilder ib(loc, nb);
          emitTile(ib, f32Ctx, batchIndex, n0, nr, m0, mt, range, prefetch);
          scf::YieldOp::create(ib);
        });
    return;
  }
  const PackedLayout &layout = ctx.layout;
  int64_t lanes = ctx.lanes;
  auto vecType = VectorType::get({lanes}, b.getF32Type());
  Value zeroVec = arith::ConstantOp::create(
      b, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0.0f)));

  SmallVector<Value> weightRows, actRows;
  Value rowBase = arith::MulIOp::create(b, batchIndex, cst(b, ctx.n));
  for (int64_t r = 0; r < nr; ++r)
    weightRows.push_back(arith::AddIOp::create(
        b, rowBase, arith::AddIOp::create(b, n0, cst(b, r))));
  Value actBase = arith::MulIOp::create(b, batchIndex, ctx.m);
  for (int64_t i = 0; i < mt; ++i)
    actRows.push_back(arith::AddIOp::create(
        b, actBase, arith::AddIOp::create(b, m0, cst(b, i))));
  SmallVector<Value> codeBase;
  for (Value row : weightRows)
    codeBase.push_back(
        arith::MulIOp::create(b, row, cst(b, layout.k / 2)));

  // Small tiles (one activation row, or two against two weight rows) give
  // even and odd lanes accumulators of their own so that enough
  // independent FMA chains hide the FMA latency; wider tiles have enough
  // chains already and need the registers.
  int64_t perPair = mt * nr < 8 ? 2 : 1;
  SmallVector<Value> init(perPair * mt * nr, zeroVec);
  // Two blocks per iteration when every chunk holds an even number of
  // blocks: they share their dialect-id byte, loaded once.
  int64_t unroll =
      ctx.chunkBlocks % 2 == 0 && layout.blocksPerRow % 2 == 0 ? 2 : 1;
  if (ctx.halfScaleRows)
    emitF16ScaleConversion(b, ctx, weightRows, range);
  auto blockLoop = scf::ForOp::create(
      b, range.first, range.last, cst(b, unroll), init,
      [&](OpBuilder &nb, Location loc, Value firstBlock, ValueRange accs) {
        ImplicitLocOpBuilder bb(loc, nb);
        SmallVector<Value> current(accs.begin(), accs.end());
        if (prefetch == GemvPrefetch::LaterTiles)
          emitLaterTilePrefetches(bb, ctx, weightRows.front(), nr,
                                  arith::SubIOp::create(bb, firstBlock,
                                                        range.first),
                                  unroll);
        // The two blocks of an iteration share their dialect-id byte
        // (firstBlock is even: chunks hold an even number of blocks).
        SmallVector<SmallVector<Value>> dialects(unroll);
        if (unroll == 2)
          for (Value row : weightRows) {
            auto [even, odd] = loadDialectIdPair(bb, ctx.storage, layout,
                                                 row, firstBlock);
            dialects[0].push_back(even);
            dialects[1].push_back(odd);
          }
        // Converted F16 scales are plain f32 loads, which the table-row
        // multiply takes as a broadcast memory operand.
        SmallVector<SmallVector<Value>> halfScales(unroll);
        if (ctx.halfScaleRows)
          for (int64_t u = 0; u < unroll; ++u) {
            Value at = arith::AddIOp::create(
                bb, arith::SubIOp::create(bb, firstBlock, range.first),
                cst(bb, u));
            for (int64_t r = 0; r < nr; ++r)
              halfScales[u].push_back(memref::LoadOp::create(
                  bb, ctx.halfScaleRows, ValueRange{cst(bb, r), at}));
          }
        if (ctx.bf16Acts && mt == 1)
          for (int64_t u = 0; u < unroll; ++u) {
            Value block = arith::AddIOp::create(bb, firstBlock, cst(bb, u));
            current = emitBF16Block(bb, ctx, block, weightRows, actRows[0],
                                    codeBase, dialects[u], halfScales[u],
                                    current, u, prefetch);
          }
        else if (ctx.pairBlocks)
          current = emitBlock(bb, ctx, firstBlock, weightRows, actRows,
                              codeBase, dialects[0], dialects[1],
                              halfScales[0], halfScales[1], current, nr, mt,
                              perPair, prefetch);
        else
          for (int64_t u = 0; u < unroll; ++u) {
            Value block = arith::AddIOp::create(bb, firstBlock, cst(bb, u));
            current = emitBlock(bb, ctx, block, weightRows, actRows,
                                codeBase, dialects[u], {}, halfScales[u], {},
                                current, nr, mt, perPair, prefetch);
          }
        scf::YieldOp::create(bb, current);
      });

  for (int64_t i = 0; i < mt; ++i) {
    for (int64_t r = 0; r < nr; ++r) {
      int64_t slot = perPair * (i * nr + r);
      Value sum = blockLoop.getResult(slot);
      if (perPair == 2)
        sum = arith::AddFOp::create(b, sum, blockLoop.getResult(slot + 1));
      // In any order: an ordered reduction is a chain of 15 scalar adds
      // (about 35 instructions with the extracts), paid for every
      // accumulator of every chunk; reassoc gives LLVM's shuffle tree.
      Value dot = vector::ReductionOp::create(
          b, vector::CombiningKind::ADD, sum, arith::FastMathFlags::reassoc);
      accumulate(b, *ctx.frame,
                 outputIndex(*ctx.frame, batchIndex,
                             arith::AddIOp::create(b, m0, cst(b, i)),
                             arith::AddIOp::create(b, n0, cst(b, r))),
                 dot);
    }
  }
}

/// Per weight row, the F16 scales of blocks `range` go 16 at a time through
/// one masked load (never past the storage; bytes of the next row past the
/// range are converted and unused), one conversion, the NaN check and the
/// halving, and one store.
void CPULowering::emitF16ScaleConversion(ImplicitLocOpBuilder &b,
                                         const KernelContext &ctx,
                                         ArrayRef<Value> weightRows,
                                         KRange range) {
  constexpr int64_t kScalesPerStep = 16;
  auto bytesType = VectorType::get({2 * kScalesPerStep}, b.getI8Type());
  auto halvesType = VectorType::get({kScalesPerStep}, b.getF16Type());
  Value count = arith::SubIOp::create(b, range.last, range.first);
  Value padding = arith::ConstantIntOp::create(b, b.getI8Type(), 0);
  scf::ForOp::create(
      b, cst(b, 0), count, cst(b, kScalesPerStep), ValueRange{},
      [&](OpBuilder &nb, Location loc, Value step, ValueRange) {
        ImplicitLocOpBuilder sb(loc, nb);
        Value block = arith::AddIOp::create(sb, range.first, step);
        for (auto [r, row] : llvm::enumerate(weightRows)) {
          Value bytes = vector::TransferReadOp::create(
              sb, bytesType, ctx.storage,
              ValueRange{ctx.layout.scaleOffset(sb, row, block)}, padding,
              ArrayRef<bool>{false});
          Value scales = halfScaleOfF16(
              sb, vector::BitCastOp::create(sb, halvesType, bytes));
          vector::StoreOp::create(
              sb, scales, ctx.halfScaleRows,
              ValueRange{cst(sb, static_cast<int64_t>(r)), step});
        }
        scf::YieldOp::create(sb);
      });
}
