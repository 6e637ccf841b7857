//===- MatmulW4A4.cpp - qblock.matmul, quantized activations --------------===//
//
// Quantized activations times quantized weights (W4A4, W4A8) as exact
// block dot products of integer codes, each scaled once: activations are
// decoded once per call; then a tiled kernel for many rows (f32 FMAs, or
// VNNI byte dot products on AVX-512) or a GEMV kernel for few (four
// columns at a time, or 16 with VNNI). All agree bit for bit.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"
#include "VectorTranspose.h"

#include "../KernelRemarks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;
namespace num = ::qblock::numerics;

/// W4A4: quantized activations times quantized weights as products of
/// scaled integers. Both operands decode to their unscaled integer codes
/// (4-bit formats: signed half-unit magnitudes; INT8: q in -127..127); a
/// block pair's dot product of such small integers is exact in f32 as
/// long as its sums stay below 2^24 (MatmulOp's verifier), i.e.
/// the same value an int32 accumulation gives, in any order. Each pair
/// then costs one scale multiply: acc += dot * (unitA * unitW)
/// (unitScale), in block order, and result = init + acc. A NaN activation
/// block (scale code 0xFF) makes NaN exactly the outputs of its row.
///
/// Activations are decoded once per call into a scratch matrix (and their
/// unit scales into another). With at least w4a4-tile-rows rows, weights go
/// in tiles of one vector of output columns: each weight block of the
/// tile is decoded once, transposed so a vector holds one element of every
/// column, and reused by all activation rows (broadcast-FMA, no horizontal
/// sums). Fewer rows go four output columns at a time. Both paths compute
/// the same f32 operations per output in the same order, so they agree
/// bit for bit.
LogicalResult CPULowering::lowerQuantizedMatmul(MatmulOp op) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto actType = cast<QuantizedTensorType>(op.getLhs().getType());
  auto weightType = cast<QuantizedTensorType>(op.getRhs().getType());
  FailureOr<Value> weights = getStorage(b, op, op.getRhs());
  if (failed(weights))
    return failure();
  FailureOr<Value> acts = getStorage(b, op, op.getLhs());
  if (failed(acts))
    return failure();
  num::Scheme weightScheme = weightType.getBlockScheme().toNumerics();
  num::Scheme actScheme = actType.getBlockScheme().toNumerics();
  // A dynamic batch comes from the output's; a dynamic N has no tiling.
  if (failed(checkStaticWeightRows(op, weightType)))
    return failure();
  if (failed(checkSizesKnown(op, op.getLhs())))
    return failure();
  W4A4Context ctx;
  ctx.blockSize = weightScheme.blockSize;
  ctx.blockBytes = ctx.blockSize / 2;
  SmallVector<Value> actSizes = quantizedSizes(b, op.getLhs());
  MatmulFrame frame = beginMatmul(b, op, weightType, op.getInit());
  ctx.frame = &frame;
  ctx.k = frame.k;
  ctx.n = frame.n;
  ctx.m = actSizes[frame.rank - 2];
  ctx.weights = *weights;
  ctx.weightScale = weightScheme.scale;
  ctx.weightLayout = PackedLayout::build(
      b, arith::MulIOp::create(b, frame.batch, cst(b, ctx.n)), ctx.k,
      weightScheme);
  checkPackedWeightBytes(b, op, *weights, weightType, ctx.weightLayout);
  ctx.weightTables = tablesFor(b, weightScheme);
  ctx.weightDialects = weightScheme.book.dialects();
  ctx.lanes = BlockDecoder::chooseLanes(targetInfo.isa, ctx.blockBytes);
  ctx.one =
      arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(1.0f));

  // Where the tiled kernel starts to pay (N = K = 2048 to 8192, two
  // threads, 2026-12-04): the AVX-512 VNNI GEMV kernel re-decodes the
  // weights per row but does so fast, and was faster than the tiles up to
  // M = 8 (M = 4: 0.95 against 1.43 ms at 4096^2; M = 8: 5.8 against
  // 8.7 ms at 8192^2), equal or slower from M = 12; the other GEMV kernel
  // already lost at M = 4 (AVX2: 3.08 against 2.66 ms at 4096^2).
  int64_t tileRows = w4a4TileRows;
  if (tileRows == 0)
    tileRows = integerGemvApplies(ctx) ? 9 : 4;
  // Optimization remark (--remarks-filter='qblock.*'): the kernel chosen.
  if (kernelRemarks)
    remark::passed(op.getLoc(),
                   kernelRemark(op, kCPUKernelRemarks, "integer-kernel"))
        << remark::add("W4A4/W4A8 matmul on integer codes ({0} lookups); "
                       "activation rows from {1} on share decoded weight "
                       "tiles, fewer rows run the {2} GEMV kernel",
                       targetName(targetInfo.isa), tileRows,
                       integerGemvApplies(ctx) ? "AVX-512 VNNI" : "portable");
  Value tiled = arith::CmpIOp::create(b, arith::CmpIPredicate::sge, ctx.m,
                                      cst(b, tileRows));
  scf::IfOp::create(
      b, tiled,
      [&](OpBuilder &tb, Location loc) {
        ImplicitLocOpBuilder ib(loc, tb);
        W4A4Context tileCtx = ctx;
        if (targetInfo.isa == Target::AVX512 && targetInfo.byteOps &&
            ctx.blockSize % 16 == 0) {
          // The integer kernel reads bytes only: decode straight to them.
          decodeActivations(ib, tileCtx, *acts, actScheme, frame.batch,
                            /*asBytes=*/true);
          emitW4A4IntegerTiles(ib, tileCtx);
        } else {
          decodeActivations(ib, tileCtx, *acts, actScheme, frame.batch,
                            /*asBytes=*/false);
          emitW4A4Tiles(ib, tileCtx);
        }
        scf::YieldOp::create(ib);
      },
      [&](OpBuilder &eb, Location loc) {
        ImplicitLocOpBuilder ib(loc, eb);
        W4A4Context elementCtx = ctx;
        decodeActivations(ib, elementCtx, *acts, actScheme, frame.batch,
                          /*asBytes=*/false);
        if (integerGemvApplies(ctx))
          emitW4A4IntegerGemv(ib, elementCtx);
        else
          emitW4A4Elements(ib, elementCtx);
        scf::YieldOp::create(ib);
      });
  finishMatmul(b, op, frame);
  return success();
}

/// Stores a vector of decoded activations (unscaled integers as f32) at
/// [row, element]: as f32 into ctx.actValues, or as bytes a + 128 into
/// ctx.actBytes (|a| <= 127, so they fit).
void CPULowering::storeDecodedActivations(ImplicitLocOpBuilder &b,
                                          const W4A4Context &ctx, Value row,
                                          Value element, Value decoded) {
  if (!ctx.actBytes) {
    vector::StoreOp::create(b, decoded, ctx.actValues,
                            ValueRange{row, element});
    return;
  }
  auto shape = cast<VectorType>(decoded.getType()).getShape();
  auto i32Type = VectorType::get(shape, b.getI32Type());
  Value biased = arith::AddIOp::create(
      b, arith::FPToSIOp::create(b, i32Type, decoded),
      arith::ConstantOp::create(
          b, DenseElementsAttr::get(i32Type, b.getI32IntegerAttr(128))));
  vector::StoreOp::create(
      b,
      arith::TruncIOp::create(b, VectorType::get(shape, b.getI8Type()),
                              biased),
      ctx.actBytes, ValueRange{row, element});
}

/// Fills ctx.actValues (or, asBytes, ctx.actBytes) and ctx.actScales, one
/// parallel task per row.
void CPULowering::decodeActivations(ImplicitLocOpBuilder &b, W4A4Context &ctx,
                                    Value acts, const num::Scheme &actScheme,
                                    Value batch, bool asBytes) {
  FloatType f32 = b.getF32Type();
  Value rows = arith::MulIOp::create(b, batch, ctx.m);
  int64_t blocks = ctx.k / ctx.blockSize;
  Type elementType = asBytes ? Type(b.getI8Type()) : Type(f32);
  Value decodedBuffer = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, ctx.k}, elementType),
      ValueRange{rows}, b.getI64IntegerAttr(64));
  (asBytes ? ctx.actBytes : ctx.actValues) = decodedBuffer;
  ctx.actScales = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, blocks}, f32),
      ValueRange{rows}, b.getI64IntegerAttr(64));
  PackedLayout layout = PackedLayout::build(b, rows, ctx.k, actScheme);
  DecodeTables tables = tablesFor(b, actScheme);
  BlockDecoder decoder(targetInfo.isa, ctx.lanes, tables);
  scf::ParallelOp::create(
      b, ValueRange{cst(b, 0)}, ValueRange{rows}, ValueRange{cst(b, 1)},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value row = ivs[0];
        forRange(ib, cst(ib, 0), cst(ib, blocks), 1,
                 [&](ImplicitLocOpBuilder &kb, Value block) {
          Value first = arith::MulIOp::create(kb, block, cst(kb, ctx.blockSize));
          decodeBlock(kb, ctx, acts, layout, decoder, row, block,
                      [&](ImplicitLocOpBuilder &db, int64_t offset,
                          Value decoded) {
                        storeDecodedActivations(
                            db, ctx, row,
                            arith::AddIOp::create(db, first,
                                                  cst(db, offset)),
                            decoded);
                      });
          memref::StoreOp::create(
              kb,
              unitScale(kb, acts, layout, tables, actScheme.scale, row,
                        block),
              ctx.actScales, ValueRange{row, block});
        });
        scf::ReduceOp::create(ib);
      });
}

/// The value of one unit of a block's integer codes: the half scale for
/// 4-bit codes (magnitudes in half units), the full scale (twice the half
/// scale, exact) for INT8 codes q. An exact block dot of codes times
/// unitA * unitW is then the block's product, whatever the operands'
/// formats.
Value CPULowering::unitScale(ImplicitLocOpBuilder &b, Value storage,
                             const PackedLayout &layout,
                             const DecodeTables &tables, num::ScaleKind kind,
                             Value row, Value block) {
  Value half = loadHalfScale(b, storage, layout, tables, kind, row, block);
  return layout.codeBits == 8 ? Value(arith::AddFOp::create(b, half, half))
                              : half;
}

/// Decodes block `block` of row `row` of a packed operand (unscaled) and
/// hands each decoded vector, with its element offset in the block's
/// stored order (per chunk of `lanes` code bytes: evens, then odds), to
/// `use`. Activations and weights decode through this one order. INT8
/// codes (one byte per element, no dialect) give the integers q in the
/// same order: per 2 x lanes elements, the evens, then the odds.
void CPULowering::decodeBlock(
    ImplicitLocOpBuilder &b, const W4A4Context &ctx, Value storage,
    const PackedLayout &layout, const BlockDecoder &decoder, Value row,
    Value block,
    llvm::function_ref<void(ImplicitLocOpBuilder &, int64_t, Value)> use) {
  if (layout.codeBits == 8) {
    decodeInt8Block(b, ctx, storage, layout, row, block, use);
    return;
  }
  auto codeType = VectorType::get({ctx.lanes}, b.getI8Type());
  auto decoded = decoder.begin(
      b, loadDialectId(b, storage, layout, row, block), ctx.one);
  Value base = arith::AddIOp::create(
      b, arith::MulIOp::create(b, row, cst(b, ctx.k / 2)),
      arith::MulIOp::create(b, block, cst(b, ctx.blockBytes)));
  for (int64_t chunk = 0; chunk < ctx.blockBytes; chunk += ctx.lanes) {
    Value codes = vector::LoadOp::create(
        b, codeType, storage,
        ValueRange{arith::AddIOp::create(b, base, cst(b, chunk))});
    auto [even, odd] = decoder.decodeBytes(b, decoded, codes);
    use(b, 2 * chunk, even);
    use(b, 2 * chunk + ctx.lanes, odd);
  }
}

/// decodeBlock for INT8 codes.
void CPULowering::decodeInt8Block(
    ImplicitLocOpBuilder &b, const W4A4Context &ctx, Value storage,
    const PackedLayout &layout, Value row, Value block,
    llvm::function_ref<void(ImplicitLocOpBuilder &, int64_t, Value)> use) {
  int64_t lanes = ctx.lanes;
  auto codesType = VectorType::get({2 * lanes}, b.getI8Type());
  auto valuesType = VectorType::get({lanes}, b.getF32Type());
  SmallVector<int64_t> evens, odds;
  for (int64_t i = 0; i < lanes; ++i) {
    evens.push_back(2 * i);
    odds.push_back(2 * i + 1);
  }
  Value base = arith::AddIOp::create(
      b, arith::MulIOp::create(b, row, cst(b, layout.codeBytesPerRow)),
      arith::MulIOp::create(b, block, cst(b, ctx.blockSize)));
  for (int64_t chunk = 0; chunk < ctx.blockBytes; chunk += lanes) {
    Value codes = vector::LoadOp::create(
        b, codesType, storage,
        ValueRange{arith::AddIOp::create(b, base, cst(b, 2 * chunk))});
    use(b, 2 * chunk,
        arith::SIToFPOp::create(
            b, valuesType,
            vector::ShuffleOp::create(b, codes, codes, evens)));
    use(b, 2 * chunk + lanes,
        arith::SIToFPOp::create(
            b, valuesType, vector::ShuffleOp::create(b, codes, codes, odds)));
  }
}

/// decodeBlock on the weights.
void CPULowering::decodeWeightBlock(
    ImplicitLocOpBuilder &b, const W4A4Context &ctx,
    const BlockDecoder &decoder, Value weightRow, Value block,
    llvm::function_ref<void(ImplicitLocOpBuilder &, int64_t, Value)> use) {
  decodeBlock(b, ctx, ctx.weights, ctx.weightLayout, decoder, weightRow,
              block, use);
}

Value CPULowering::weightUnitScale(ImplicitLocOpBuilder &b,
                                   const W4A4Context &ctx, Value weightRow,
                                   Value block) {
  return unitScale(b, ctx.weights, ctx.weightLayout, ctx.weightTables,
                   ctx.weightScale, weightRow, block);
}

/// [sum(v0), sum(v1), sum(v2), sum(v3)] for four vectors of one
/// power-of-two width, by pairwise even/odd shuffles and adds (the
/// horizontal sums share their steps instead of four separate
/// reductions). Used on exact integer-valued sums, where the order of
/// additions cannot change the result. Vectors narrower than four lanes
/// (blocks of fewer than 8 elements) are reduced one by one.
Value CPULowering::sumEachOfFour(ImplicitLocOpBuilder &b, ArrayRef<Value> v) {
  int64_t width = cast<VectorType>(v[0].getType()).getNumElements();
  if (width < 4) {
    SmallVector<Value> sums;
    for (Value x : v)
      sums.push_back(
          vector::ReductionOp::create(b, vector::CombiningKind::ADD, x));
    return vector::FromElementsOp::create(
        b, VectorType::get({4}, b.getF32Type()), sums);
  }
  auto evenOdd = [&](Value x, Value y, int64_t width) {
    SmallVector<int64_t> evens, odds;
    for (int64_t i = 0; i < width; ++i) {
      evens.push_back(2 * i);
      odds.push_back(2 * i + 1);
    }
    return arith::AddFOp::create(
        b, vector::ShuffleOp::create(b, x, y, evens),
        vector::ShuffleOp::create(b, x, y, odds));
  };
  // Lanes grouped by source: [v0 | v1], [v2 | v3], then [v0|v1|v2|v3].
  Value merged = evenOdd(evenOdd(v[0], v[1], width),
                         evenOdd(v[2], v[3], width), width);
  for (; width > 4; width /= 2)
    merged = evenOdd(merged, merged, width / 2);
  return merged;
}

/// Whether the VNNI GEMV kernel takes this matmul: AVX-512 byte ops,
/// blocks of 32 decoded 16 lanes wide, an even number of blocks per row
/// (it walks K two blocks at a time), 4-bit weight codes, and a book
/// whose every 4-bit id is a dialect (one dialect or 16), so no weight
/// block decodes to NaN. INT8 right-hand operands (full-path attention
/// with acts=int8) take the per-element kernel.
bool CPULowering::integerGemvApplies(const W4A4Context &ctx) const {
  size_t dialects = ctx.weightDialects.size();
  return targetInfo.isa == Target::AVX512 && targetInfo.byteOps &&
         ctx.blockSize == 32 && ctx.weightLayout.codeBits == 4 &&
         ctx.lanes == 16 && (ctx.k / ctx.blockSize) % 2 == 0 &&
         (dialects == 1 || dialects == static_cast<size_t>(num::kMaxDialects));
}

/// W4A4/W4A8 for few activation rows on AVX-512 VNNI: tasks of 16
/// consecutive output columns, K two blocks (64 elements) at a time. The
/// activation pair is packed once as signed bytes [evens of block b |
/// evens of b+1 | odds of b | odds of b+1] (the order nibbles come out of
/// 32 code bytes). Per column, the 32 code bytes' low and high nibbles
/// index the pair-table row (both blocks' dialects) of weight magnitude +
/// 128, so one vpermb gives unsigned weight bytes and one vpdpbusd their
/// products with the activations, four per lane (lanes 0-3 and 8-11:
/// block b). sumLaneGroups16x16 reduces the 16 columns' lane vectors to
/// each column's exact block dots plus 128 x (the activation block's
/// sum), which is subtracted. Then, per lane (column), exactly the other
/// kernels' steps: acc = acc + float(dot) * (unitA * unitW) in block
/// order, result = init + acc.
void CPULowering::emitW4A4IntegerGemv(ImplicitLocOpBuilder &b,
                                      const W4A4Context &ctx) {
  const MatmulFrame &frame = *ctx.frame;
  int64_t blocks = ctx.k / ctx.blockSize, pairs = blocks / 2;
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  FloatType f32 = b.getF32Type();
  auto bytes64 = VectorType::get({64}, i8);
  auto bytes16 = VectorType::get({16}, i8);
  auto i32x16 = VectorType::get({16}, i32);
  auto f32x16 = VectorType::get({16}, f32);
  Value rows = arith::MulIOp::create(b, frame.batch, ctx.m);

  // Activations: the packed pairs (rows x K bytes) and, per block, 128 x
  // the block's sum, which the biased weights add to every dot.
  Value packedActs = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, ctx.k}, i8),
      ValueRange{rows}, b.getI64IntegerAttr(64));
  Value biasSums = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, blocks}, i32),
      ValueRange{rows}, b.getI64IntegerAttr(64));
  scf::ParallelOp::create(
      b, ValueRange{cst(b, 0)}, ValueRange{rows}, ValueRange{cst(b, 1)},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value row = ivs[0];
        forRange(ib, cst(ib, 0), cst(ib, pairs), 1,
                 [&](ImplicitLocOpBuilder &pb, Value pair) {
          Value first = arith::MulIOp::create(pb, pair, cst(pb, 64));
          // Stored order per block: 16 evens, then 16 odds.
          SmallVector<Value> parts;
          for (int64_t offset : {0, 32, 16, 48})
            parts.push_back(arith::FPToSIOp::create(
                pb, i32x16,
                vector::LoadOp::create(
                    pb, f32x16, ctx.actValues,
                    ValueRange{row, arith::AddIOp::create(
                                        pb, first, cst(pb, offset))})));
          for (int64_t part = 0; part < 4; ++part)
            vector::StoreOp::create(
                pb, arith::TruncIOp::create(pb, bytes16, parts[part]),
                packedActs,
                ValueRange{row, arith::AddIOp::create(
                                    pb, first, cst(pb, 16 * part))});
          for (int64_t half = 0; half < 2; ++half) {
            // Block 2 pair + half: parts {half, half + 2}.
            Value sum = vector::ReductionOp::create(
                pb, vector::CombiningKind::ADD,
                arith::AddIOp::create(pb, parts[half], parts[half + 2]));
            Value block = arith::AddIOp::create(
                pb, arith::MulIOp::create(pb, pair, cst(pb, 2)),
                cst(pb, half));
            memref::StoreOp::create(
                pb,
                arith::ShLIOp::create(
                    pb, sum, arith::ConstantIntOp::create(pb, i32, 7)),
                biasSums, ValueRange{row, block});
          }
        });
        scf::ReduceOp::create(ib);
      });

  // Weight byte tables, one 32-byte row per dialect-id byte (the ids of
  // a block pair: low nibble the even block, high nibble the odd one):
  // the even block's dialect, then the odd one's, each as 16 signed
  // magnitudes + 128 (in 1..255 for magnitudes up to 127), unsigned. The
  // kernel loads 64 bytes at row * 32 (vpermb reads entries 0-31 only),
  // so 32 bytes of padding follow the last row. One-dialect books have
  // no id bytes and use row 0 throughout.
  size_t dialects = ctx.weightDialects.size();
  int64_t pairRows = ctx.weightLayout.hasDialects ? 256 : 1;
  auto biasedRow = [&](size_t dialect, SmallVector<int8_t> &out) {
    for (int code = 0; code < 16; ++code) {
      int magnitude = ctx.weightDialects[dialect][code & 7];
      int biased = ((code & 8) ? -magnitude : magnitude) + 128;
      out.push_back(static_cast<int8_t>(static_cast<uint8_t>(biased)));
    }
  };
  SmallVector<int8_t> table;
  for (int64_t ids = 0; ids < pairRows; ++ids) {
    biasedRow(static_cast<size_t>(ids & 15) % dialects, table);
    biasedRow(static_cast<size_t>(ids >> 4) % dialects, table);
  }
  table.append(32, 0);
  Value pairTables =
      getOrCreateTable(b, module, *symbols, "__qblock_pair_table", table,
                       {static_cast<int64_t>(table.size())});
  // Code bytes of a block pair, loaded into both halves of a vector:
  // the low half keeps the low nibbles, the high half is shifted right by
  // 4 (one variable word shift), then both are masked to 4 bits and the
  // odd block's bytes (16-31 of each half) get table entries 16-31.
  auto i16x32 = VectorType::get({32}, b.getI16Type());
  SmallVector<int16_t> shifts(32, 0);
  for (int64_t i = 16; i < 32; ++i)
    shifts[i] = 4;
  Value nibbleShifts = arith::ConstantOp::create(
      b, DenseElementsAttr::get(i16x32, ArrayRef<int16_t>(shifts)));
  Value lowNibbles = arith::ConstantOp::create(
      b, DenseElementsAttr::get(bytes64, b.getI8IntegerAttr(15)));
  SmallVector<int8_t> offsets(64, 0);
  for (int64_t i = 0; i < 64; ++i)
    offsets[i] = (i / 16) % 2 == 1 ? 16 : 0;
  Value blockOffsets = arith::ConstantOp::create(
      b, DenseElementsAttr::get(bytes64, ArrayRef<int8_t>(offsets)));
  Value zeroI32 = arith::ConstantOp::create(
      b, DenseElementsAttr::get(i32x16, b.getI32IntegerAttr(0)));
  Value zeroF32 = arith::ConstantOp::create(
      b, DenseElementsAttr::get(f32x16, b.getF32FloatAttr(0.0f)));
  SmallVector<int64_t> twice(64);
  for (int64_t i = 0; i < 64; ++i)
    twice[i] = i % 32;
  bool vectorScales = ctx.weightScale == num::ScaleKind::E8M0;

  int64_t tiles = (ctx.n + kGemvColumns - 1) / kGemvColumns;
  forEachTile(b, frame.batch, tiles, kGemvColumns,
              [&](ImplicitLocOpBuilder &tb, Value bi, Value n0) {
    // The 16 columns are consecutive, so their weight rows are one
    // pointer plus constant offsets (sixteen separate row addresses would
    // not fit the scalar registers). With N >= 16 the last tile starts
    // early, at N - 16, and stores only the columns the previous tile
    // did not; with N < 16, columns past N repeat the last one and are
    // never stored.
    Value start = n0;
    if (ctx.n >= kGemvColumns)
      start = arith::MinUIOp::create(tb, n0, cst(tb, ctx.n - kGemvColumns));
    SmallVector<Value> weightRows;
    for (int64_t c = 0; c < kGemvColumns; ++c) {
      Value col = arith::AddIOp::create(tb, start, cst(tb, c));
      if (ctx.n < kGemvColumns)
        col = arith::MinUIOp::create(tb, col, cst(tb, ctx.n - 1));
      weightRows.push_back(arith::AddIOp::create(
          tb, arith::MulIOp::create(tb, bi, cst(tb, ctx.n)), col));
    }
    forRange(tb, cst(tb, 0), ctx.m, 1, [&](ImplicitLocOpBuilder &mb,
                                           Value mi) {
      Value actRow = arith::AddIOp::create(
          mb, arith::MulIOp::create(mb, bi, ctx.m), mi);
      auto pairLoop = scf::ForOp::create(
          mb, cst(mb, 0), cst(mb, pairs), cst(mb, 1), ValueRange{zeroF32},
          [&](OpBuilder &kb0, Location kl, Value pair, ValueRange acc) {
            ImplicitLocOpBuilder kb(kl, kb0);
            Value firstElement = arith::MulIOp::create(kb, pair, cst(kb, 64));
            Value firstBlock = arith::MulIOp::create(kb, pair, cst(kb, 2));
            Value acts = vector::LoadOp::create(
                kb, bytes64, packedActs, ValueRange{actRow, firstElement});
            SmallVector<Value> laneSums;
            emitNextGemvTaskPrefetches(kb, ctx, weightRows[0], pair, pairs);
            for (int64_t c = 0; c < kGemvColumns; ++c) {
              Value codes = vector::LoadOp::create(
                  kb, VectorType::get({32}, i8), ctx.weights,
                  ValueRange{arith::AddIOp::create(
                      kb,
                      arith::MulIOp::create(kb, weightRows[c],
                                            cst(kb, ctx.k / 2)),
                      arith::MulIOp::create(kb, pair, cst(kb, 32)))});
              Value words = vector::BitCastOp::create(
                  kb, i16x32,
                  vector::ShuffleOp::create(kb, codes, codes, twice));
              Value nibbles = vector::BitCastOp::create(
                  kb, bytes64,
                  arith::ShRUIOp::create(kb, words, nibbleShifts));
              Value indices = arith::OrIOp::create(
                  kb, arith::AndIOp::create(kb, nibbles, lowNibbles),
                  blockOffsets);
              Value pairRow = cst(kb, 0);
              if (ctx.weightLayout.hasDialects) {
                Value ids = memref::LoadOp::create(
                    kb, ctx.weights,
                    ValueRange{ctx.weightLayout.dialectOffset(
                        kb, weightRows[c], firstBlock)});
                pairRow = arith::MulIOp::create(
                    kb,
                    arith::IndexCastUIOp::create(kb, kb.getIndexType(), ids),
                    cst(kb, 32));
              }
              Value rowsOfTable = vector::LoadOp::create(
                  kb, bytes64, pairTables, ValueRange{pairRow});
              Value weightsU8 = LookupOp::create(kb, rowsOfTable, indices);
              laneSums.push_back(DotBytesOp::create(kb, i32x16, zeroI32,
                                                    weightsU8, acts));
            }
            SmallVector<Value, 2> dots = sumLaneGroups16x16(kb, laneSums);
            SmallVector<Value, 2> pairScales;
            if (vectorScales)
              pairScales = weightHalfScalePairs(kb, ctx, weightRows,
                                                firstBlock);
            Value next = acc[0];
            for (int64_t half = 0; half < 2; ++half) {
              Value block = arith::AddIOp::create(kb, firstBlock,
                                                  cst(kb, half));
              Value bias = vector::BroadcastOp::create(
                  kb, i32x16,
                  memref::LoadOp::create(kb, biasSums,
                                         ValueRange{actRow, block}));
              Value dot = arith::SubIOp::create(kb, dots[half], bias);
              Value weightScales;
              if (vectorScales) {
                weightScales = pairScales[half];
              } else {
                SmallVector<Value> columnScales;
                for (int64_t c = 0; c < kGemvColumns; ++c)
                  columnScales.push_back(
                      weightUnitScale(kb, ctx, weightRows[c], block));
                weightScales =
                    vector::FromElementsOp::create(kb, f32x16, columnScales);
              }
              Value actScale = vector::BroadcastOp::create(
                  kb, f32x16,
                  memref::LoadOp::create(kb, ctx.actScales,
                                         ValueRange{actRow, block}));
              Value scale = arith::MulFOp::create(kb, actScale, weightScales);
              Value term = arith::MulFOp::create(
                  kb, arith::SIToFPOp::create(kb, f32x16, dot), scale);
              next = arith::AddFOp::create(kb, next, term);
            }
            scf::YieldOp::create(kb, ValueRange{next});
          });
      Value result = pairLoop.getResult(0);
      for (int64_t c = 0; c < kGemvColumns; ++c) {
        Value col = arith::AddIOp::create(mb, start, cst(mb, c));
        Value inside = arith::AndIOp::create(
            mb,
            arith::CmpIOp::create(mb, arith::CmpIPredicate::ult, col,
                                  cst(mb, ctx.n)),
            arith::CmpIOp::create(mb, arith::CmpIPredicate::uge, col, n0));
        scf::IfOp::create(mb, inside, [&](OpBuilder &ob, Location ol) {
          ImplicitLocOpBuilder xb(ol, ob);
          accumulate(xb, frame, outputIndex(frame, bi, mi, col),
                     vector::ExtractOp::create(xb, result, c));
          scf::YieldOp::create(xb);
        });
      }
    });
  });
}

/// While a task of the VNNI GEMV kernel works on block pair `pair`,
/// prefetches share `pair` of what the next task reads: its 16 rows'
/// codes, scales and dialect ids, three contiguous runs, in address
/// order. The task itself walks 16 interleaved rows, more streams than
/// the hardware prefetchers follow well (measured, M = 1, --acts
/// blockdialect, 2 threads: N = K = 4096 0.43 -> 0.29-0.32 ms, 8192
/// 1.17-1.54 -> 1.09-1.36 ms; two tasks ahead was no better, prefetching
/// each row 256 bytes ahead less).
void CPULowering::emitNextGemvTaskPrefetches(ImplicitLocOpBuilder &b,
                                             const W4A4Context &ctx,
                                             Value firstRow, Value pair,
                                             int64_t pairs) {
  Value nextRow = arith::AddIOp::create(b, firstRow, cst(b, kGemvColumns));
  prefetchPackedRowsShare(b, ctx.weights, ctx.weightLayout, nextRow,
                          kGemvColumns, pair, pairs, PrefetchRows::MayRunPast,
                          targetInfo.farPrefetchLocality);
}

/// The E8M0 half scales of blocks `firstBlock` (even) and `firstBlock + 1`
/// of 16 weight rows, as two vectors (lane c: row c). The two scale bytes
/// of a row are adjacent, so each row costs one 16-bit load; the vectors
/// are decoded arithmetically (halfScalesE8M0) instead of through 32
/// table loads and inserts.
SmallVector<Value, 2> CPULowering::weightHalfScalePairs(
    ImplicitLocOpBuilder &b, const W4A4Context &ctx, ArrayRef<Value> weightRows,
    Value firstBlock) {
  Type i8 = b.getI8Type(), i16 = b.getI16Type();
  SmallVector<Value> pairs;
  for (Value row : weightRows) {
    Value bytes = vector::LoadOp::create(
        b, VectorType::get({2}, i8), ctx.weights,
        ValueRange{ctx.weightLayout.scaleOffset(b, row, firstBlock)});
    pairs.push_back(vector::ExtractOp::create(
        b,
        vector::BitCastOp::create(b, VectorType::get({1}, i16), bytes),
        int64_t(0)));
  }
  Value codes = vector::BitCastOp::create(
      b, VectorType::get({32}, i8),
      vector::FromElementsOp::create(
          b, VectorType::get({static_cast<int64_t>(pairs.size())}, i16),
          pairs));
  SmallVector<Value, 2> scales;
  for (int64_t half = 0; half < 2; ++half) {
    SmallVector<int64_t> picks;
    for (int64_t c = 0; c < 16; ++c)
      picks.push_back(2 * c + half);
    Value blockCodes = arith::ExtUIOp::create(
        b, VectorType::get({16}, b.getI32Type()),
        vector::ShuffleOp::create(b, codes, codes, picks));
    scales.push_back(halfScalesE8M0(b, blockCodes));
  }
  return scales;
}

/// Few activation rows (GEMV): kW4A4Columns output columns at a time.
/// Each block pair's dot is a vector FMA chain against the shared
/// activation vectors and one reduction; the per-element arithmetic is
/// exactly the tiled kernel's.
void CPULowering::emitW4A4Elements(ImplicitLocOpBuilder &b,
                                   const W4A4Context &ctx) {
  const MatmulFrame &frame = *ctx.frame;
  int64_t blocks = ctx.k / ctx.blockSize;
  int64_t groups = (ctx.n + kW4A4Columns - 1) / kW4A4Columns;
  BlockDecoder decoder(targetInfo.isa, ctx.lanes, ctx.weightTables);
  auto vecType = VectorType::get({ctx.lanes}, b.getF32Type());
  scf::ParallelOp::create(
      b, ValueRange{cst(b, 0), cst(b, 0)},
      ValueRange{frame.batch, cst(b, groups)}, ValueRange{cst(b, 1), cst(b, 1)},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value bi = ivs[0];
        Value n0 = arith::MulIOp::create(ib, ivs[1], cst(ib, kW4A4Columns));
        // Columns past N repeat the last one; they are never stored.
        SmallVector<Value> cols, weightRows;
        for (int64_t c = 0; c < kW4A4Columns; ++c) {
          cols.push_back(arith::AddIOp::create(ib, n0, cst(ib, c)));
          Value clamped =
              arith::MinUIOp::create(ib, cols.back(), cst(ib, ctx.n - 1));
          weightRows.push_back(arith::AddIOp::create(
              ib, arith::MulIOp::create(ib, bi, cst(ib, ctx.n)), clamped));
        }
        Value zero = arith::ConstantFloatOp::create(ib, ib.getF32Type(),
                                                    llvm::APFloat(0.0f));
        Value zeroVec = arith::ConstantOp::create(
            ib, DenseElementsAttr::get(vecType, ib.getF32FloatAttr(0.0f)));
        forRange(ib, cst(ib, 0), ctx.m, 1, [&](ImplicitLocOpBuilder &mb,
                                               Value mi) {
          Value actRow = arith::AddIOp::create(
              mb, arith::MulIOp::create(mb, bi, ctx.m), mi);
          auto blockLoop = scf::ForOp::create(
              mb, cst(mb, 0), cst(mb, blocks), cst(mb, 1),
              SmallVector<Value>(kW4A4Columns, zero),
              [&](OpBuilder &kb0, Location kl, Value block, ValueRange acc) {
                ImplicitLocOpBuilder kb(kl, kb0);
                Value first =
                    arith::MulIOp::create(kb, block, cst(kb, ctx.blockSize));
                // The block's activation vectors, by element offset.
                SmallVector<Value> actVectors;
                for (int64_t offset = 0; offset < ctx.blockSize;
                     offset += ctx.lanes)
                  actVectors.push_back(vector::LoadOp::create(
                      kb, vecType, ctx.actValues,
                      ValueRange{actRow, arith::AddIOp::create(
                                             kb, first, cst(kb, offset))}));
                Value actScale = memref::LoadOp::create(
                    kb, ctx.actScales, ValueRange{actRow, block});
                SmallVector<Value> sums;
                for (int64_t c = 0; c < kW4A4Columns; ++c) {
                  Value sum = zeroVec;
                  decodeWeightBlock(
                      kb, ctx, decoder, weightRows[c], block,
                      [&](ImplicitLocOpBuilder &db, int64_t offset,
                          Value decoded) {
                        sum = vector::FMAOp::create(
                            db, actVectors[offset / ctx.lanes], decoded, sum);
                      });
                  sums.push_back(sum);
                }
                Value dots = sumEachOfFour(kb, sums);
                SmallVector<Value> next;
                for (int64_t c = 0; c < kW4A4Columns; ++c) {
                  Value dot = vector::ExtractOp::create(kb, dots, c);
                  Value scale = arith::MulFOp::create(
                      kb, actScale,
                      weightUnitScale(kb, ctx, weightRows[c], block));
                  next.push_back(arith::AddFOp::create(
                      kb, acc[c], arith::MulFOp::create(kb, dot, scale)));
                }
                scf::YieldOp::create(kb, next);
              });
          for (int64_t c = 0; c < kW4A4Columns; ++c) {
            Value inside = arith::CmpIOp::create(
                mb, arith::CmpIPredicate::ult, cols[c], cst(mb, ctx.n));
            scf::IfOp::create(mb, inside, [&](OpBuilder &tb, Location tl) {
              ImplicitLocOpBuilder xb(tl, tb);
              accumulate(xb, frame, outputIndex(frame, bi, mi, cols[c]),
                         blockLoop.getResult(c));
              scf::YieldOp::create(xb);
            });
          }
        });
        scf::ReduceOp::create(ib);
      });
}

/// scf.parallel over (batch, tiles) with `body(batch index, first column)`.
void CPULowering::forEachTile(
    ImplicitLocOpBuilder &b, Value batch, int64_t tiles, int64_t width,
    llvm::function_ref<void(ImplicitLocOpBuilder &, Value, Value)> body) {
  scf::ParallelOp::create(
      b, ValueRange{cst(b, 0), cst(b, 0)}, ValueRange{batch, cst(b, tiles)},
      ValueRange{cst(b, 1), cst(b, 1)},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder ib(loc, nested);
        body(ib, ivs[0], arith::MulIOp::create(ib, ivs[1], cst(ib, width)));
        scf::ReduceOp::create(ib);
      });
}

/// The loop structure both tiled W4A4 kernels share: per-(row, column)
/// f32 accumulators (zeroed), K walked in chunks of blocks sized so all
/// activation rows x one chunk stay in L2, a parallel loop over tiles of
/// `width` columns per chunk with `block(kb, bi, n0, firstRow, block,
/// accumulators, scratch)` for each block (`scratch` from `setup`, once
/// per tile and chunk), and result = init + acc at the end for the
/// columns each tile really has.
void CPULowering::emitW4A4TileLoops(
    ImplicitLocOpBuilder &b, const W4A4Context &ctx, int64_t width,
    llvm::function_ref<SmallVector<Value>(ImplicitLocOpBuilder &)> setup,
    llvm::function_ref<void(ImplicitLocOpBuilder &, Value, Value, Value, Value,
                            Value, ArrayRef<Value>)>
        block) {
  const MatmulFrame &frame = *ctx.frame;
  int64_t blocks = ctx.k / ctx.blockSize;
  int64_t tiles = (ctx.n + width - 1) / width;
  auto tileVec = VectorType::get({width}, b.getF32Type());
  Value rows = arith::MulIOp::create(b, frame.batch, ctx.m);
  // acc[batch row][tile column]: every (row, column) accumulator.
  Value accumulators = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, tiles * width},
                         b.getF32Type()),
      ValueRange{rows}, b.getI64IntegerAttr(64));
  Value zeroVec = arith::ConstantOp::create(
      b, DenseElementsAttr::get(tileVec, b.getF32FloatAttr(0.0f)));
  // Blocks per chunk: max(1, 64 Ki floats / (M * block size)).
  Value chunkBlocks = arith::MaxUIOp::create(
      b, cst(b, 1),
      arith::DivUIOp::create(
          b, cst(b, kW4A4ChunkFloats),
          arith::MulIOp::create(b, ctx.m, cst(b, ctx.blockSize))));
  Value chunks = arith::CeilDivUIOp::create(b, cst(b, blocks), chunkBlocks);

  forEachTile(b, frame.batch, tiles, width,
              [&](ImplicitLocOpBuilder &ib, Value bi, Value n0) {
    Value firstRow = arith::MulIOp::create(ib, bi, ctx.m);
    forRange(ib, cst(ib, 0), ctx.m, 1, [&](ImplicitLocOpBuilder &xb, Value mi) {
      vector::StoreOp::create(
          xb, zeroVec, accumulators,
          ValueRange{arith::AddIOp::create(xb, firstRow, mi), n0});
    });
  });

  forRange(b, cst(b, 0), chunks, 1, [&](ImplicitLocOpBuilder &cb, Value chunk) {
    Value firstBlock = arith::MulIOp::create(cb, chunk, chunkBlocks);
    Value endBlock = arith::MinUIOp::create(
        cb, cst(cb, blocks), arith::AddIOp::create(cb, firstBlock, chunkBlocks));
    forEachTile(cb, frame.batch, tiles, width,
                [&](ImplicitLocOpBuilder &ib, Value bi, Value n0) {
      Value firstRow = arith::MulIOp::create(ib, bi, ctx.m);
      SmallVector<Value> scratch = setup(ib);
      forRange(ib, firstBlock, endBlock, 1,
               [&](ImplicitLocOpBuilder &kb, Value blockIndex) {
                 block(kb, bi, n0, firstRow, blockIndex, accumulators,
                       scratch);
               });
    });
  });

  // result = init + acc, for the columns each tile really has.
  forEachTile(b, frame.batch, tiles, width,
              [&](ImplicitLocOpBuilder &ib, Value bi, Value n0) {
    Value firstRow = arith::MulIOp::create(ib, bi, ctx.m);
    Value valid = arith::MinUIOp::create(
        ib, cst(ib, width), arith::SubIOp::create(ib, cst(ib, ctx.n), n0));
    forRange(ib, cst(ib, 0), ctx.m, 1, [&](ImplicitLocOpBuilder &xb, Value mi) {
      Value actRow = arith::AddIOp::create(xb, firstRow, mi);
      forRange(xb, cst(xb, 0), valid, 1, [&](ImplicitLocOpBuilder &yb, Value l) {
        Value col = arith::AddIOp::create(yb, n0, l);
        accumulate(yb, frame, outputIndex(frame, bi, mi, col),
                   memref::LoadOp::create(yb, accumulators,
                                          ValueRange{actRow, col}));
      });
    });
  });
}

/// `multiplyRows(rb, first row, count)` over all activation rows:
/// kW4A4TileRows at a time, then the rest one by one.
void CPULowering::forEachRowGroup(
    ImplicitLocOpBuilder &b, const W4A4Context &ctx,
    llvm::function_ref<void(ImplicitLocOpBuilder &, Value, int64_t)>
        multiplyRows) {
  Value groupedRows = arith::MulIOp::create(
      b, arith::DivUIOp::create(b, ctx.m, cst(b, kW4A4TileRows)),
      cst(b, kW4A4TileRows));
  forRange(b, cst(b, 0), groupedRows, kW4A4TileRows,
           [&](ImplicitLocOpBuilder &rb, Value mi) {
             multiplyRows(rb, mi, kW4A4TileRows);
           });
  forRange(b, groupedRows, ctx.m, 1,
           [&](ImplicitLocOpBuilder &rb, Value mi) {
             multiplyRows(rb, mi, 1);
           });
}

/// Many activation rows (GEMM): tasks of one tile of output columns (two
/// machine vectors). Per block, the tile's weights are decoded once,
/// transposed into `columns` (element p of every column in one vector)
/// and multiplied with broadcast activations, kW4A4TileRows rows at a
/// time; per-row, per-column accumulators live in a scratch matrix.
/// K is walked in chunks, each a parallel loop over the tiles, so the
/// activation slice every tile re-reads (all rows x one chunk, about
/// 256 KiB) stays in L2 instead of streaming all activations per tile.
void CPULowering::emitW4A4Tiles(ImplicitLocOpBuilder &b,
                                const W4A4Context &ctx) {
  // Two machine vectors of columns: each broadcast activation feeds two
  // FMAs, which balances loads against FMAs.
  int64_t width = targetInfo.isa == Target::AVX512 ? 32 : 16;
  int64_t bs = ctx.blockSize;
  FloatType f32 = b.getF32Type();
  auto tileVec = VectorType::get({width}, f32);
  Value zeroVec = arith::ConstantOp::create(
      b, DenseElementsAttr::get(tileVec, b.getF32FloatAttr(0.0f)));
  BlockDecoder decoder(targetInfo.isa, ctx.lanes, ctx.weightTables);
  auto setup = [&](ImplicitLocOpBuilder &ib) -> SmallVector<Value> {
    return {memref::AllocaOp::create(ib, MemRefType::get({width, bs}, f32)),
            memref::AllocaOp::create(ib, MemRefType::get({bs, width}, f32)),
            memref::AllocaOp::create(ib, MemRefType::get({width}, f32))};
  };
  auto body = [&](ImplicitLocOpBuilder &kb, Value bi, Value n0,
                  Value firstRow, Value block, Value accumulators,
                  ArrayRef<Value> scratch) {
    Value decodedRows = scratch[0], columns = scratch[1], scales = scratch[2];
    // Decode the tile's rows (past N: the last row again; those lanes are
    // never stored) and transpose them.
    forRange(kb, cst(kb, 0), cst(kb, width), 1,
             [&](ImplicitLocOpBuilder &lb, Value l) {
      Value col = arith::MinUIOp::create(
          lb, arith::AddIOp::create(lb, n0, l), cst(lb, ctx.n - 1));
      Value weightRow = arith::AddIOp::create(
          lb, arith::MulIOp::create(lb, bi, cst(lb, ctx.n)), col);
      decodeWeightBlock(lb, ctx, decoder, weightRow, block,
                        [&](ImplicitLocOpBuilder &db, int64_t offset,
                            Value decoded) {
                          vector::StoreOp::create(
                              db, decoded, decodedRows,
                              ValueRange{l, cst(db, offset)});
                        });
      memref::StoreOp::create(lb, weightUnitScale(lb, ctx, weightRow, block),
                              scales, ValueRange{l});
    });
    forRange(kb, cst(kb, 0), cst(kb, bs), 1,
             [&](ImplicitLocOpBuilder &pb, Value p) {
      SmallVector<Value> lanes;
      for (int64_t l = 0; l < width; ++l)
        lanes.push_back(memref::LoadOp::create(pb, decodedRows,
                                               ValueRange{cst(pb, l), p}));
      vector::StoreOp::create(
          pb, vector::FromElementsOp::create(pb, tileVec, lanes), columns,
          ValueRange{p, cst(pb, 0)});
    });
    Value weightScales =
        vector::LoadOp::create(kb, tileVec, scales, ValueRange{cst(kb, 0)});
    Value first = arith::MulIOp::create(kb, block, cst(kb, bs));
    // `count` activation rows from `mi` against the tile.
    auto multiplyRows = [&](ImplicitLocOpBuilder &rb, Value mi,
                            int64_t count) {
      SmallVector<Value> actRows;
      for (int64_t r = 0; r < count; ++r)
        actRows.push_back(arith::AddIOp::create(
            rb, firstRow, arith::AddIOp::create(rb, mi, cst(rb, r))));
      // Fully unrolled over the block: one column-vector load feeds
      // `count` broadcast FMAs.
      SmallVector<Value> dots(count, zeroVec);
      for (int64_t p = 0; p < bs; ++p) {
        Value w = vector::LoadOp::create(rb, tileVec, columns,
                                         ValueRange{cst(rb, p), cst(rb, 0)});
        Value element = arith::AddIOp::create(rb, first, cst(rb, p));
        for (int64_t r = 0; r < count; ++r) {
          Value a = memref::LoadOp::create(rb, ctx.actValues,
                                           ValueRange{actRows[r], element});
          dots[r] = vector::FMAOp::create(
              rb, vector::BroadcastOp::create(rb, tileVec, a), w, dots[r]);
        }
      }
      for (int64_t r = 0; r < count; ++r) {
        Value scale = arith::MulFOp::create(
            rb,
            vector::BroadcastOp::create(
                rb, tileVec,
                memref::LoadOp::create(rb, ctx.actScales,
                                       ValueRange{actRows[r], block})),
            weightScales);
        Value acc = vector::LoadOp::create(rb, tileVec, accumulators,
                                           ValueRange{actRows[r], n0});
        vector::StoreOp::create(
            rb,
            arith::AddFOp::create(rb, acc,
                                  arith::MulFOp::create(rb, dots[r], scale)),
            accumulators, ValueRange{actRows[r], n0});
      }
    };
    forEachRowGroup(kb, ctx, multiplyRows);
  };
  emitW4A4TileLoops(b, ctx, width, setup, body);
}

/// emitW4A4Tiles with integer dot products (AVX-512 VNNI's vpdpbusd
/// through qblock.dot_bytes): activations are stored once as unsigned
/// bytes a + 128; per weight block, the tile's 32 columns are decoded to
/// signed bytes laid out four elements per 32-bit lane (one lane per
/// column), so one dot_bytes does 4 elements x 16 columns against a
/// broadcast activation word. Each (row, column, block) integer sum
/// starts at -128 * (sum of the column's block, itself dot products of
/// the bytes with ones), which cancels the bias, so it is the exact block
/// dot product; then acc += float(dot) *
/// (sa * sw), the same f32 operations in the same order as the other
/// kernels, so all agree bit for bit. A weight block that decodes to NaN
/// (a corrupt dialect id) gets a NaN scale instead of silent integers.
void CPULowering::emitW4A4IntegerTiles(ImplicitLocOpBuilder &b,
                                       const W4A4Context &ctx) {
  constexpr int64_t width = 32, half = 16;
  int64_t bs = ctx.blockSize;
  int64_t words = bs / 4;
  FloatType f32 = b.getF32Type();
  Type i32 = b.getI32Type(), i8 = b.getI8Type();
  auto halfF32 = VectorType::get({half}, f32);
  auto halfI32 = VectorType::get({half}, i32);
  auto halfBytes = VectorType::get({4 * half}, i8);
  auto laneF32 = VectorType::get({ctx.lanes}, f32);
  BlockDecoder decoder(targetInfo.isa, ctx.lanes, ctx.weightTables);

  // Activations as unsigned bytes a + 128 (|a| <= 127 half units),
  // decoded so by decodeActivations.
  Value actBytes = ctx.actBytes;
  assert(actBytes && "the integer kernel reads activation bytes");

  auto setup = [&](ImplicitLocOpBuilder &ib) -> SmallVector<Value> {
    // columnWords[w][4 l + t]: element 4w + t (stored order) of the block
    // of column l, a signed byte.
    return {memref::AllocaOp::create(
                ib, MemRefType::get({words, 4 * width}, i8), ValueRange{},
                ib.getI64IntegerAttr(64)),
            memref::AllocaOp::create(ib, MemRefType::get({width}, f32),
                                     ValueRange{}, ib.getI64IntegerAttr(64))};
  };
  auto body = [&](ImplicitLocOpBuilder &kb, Value bi, Value n0,
                  Value firstRow, Value block, Value accumulators,
                  ArrayRef<Value> scratch) {
    Value columnWords = scratch[0], scales = scratch[1];
    forRange(kb, cst(kb, 0), cst(kb, width), 1,
             [&](ImplicitLocOpBuilder &lb, Value l) {
      Value col = arith::MinUIOp::create(
          lb, arith::AddIOp::create(lb, n0, l), cst(lb, ctx.n - 1));
      Value weightRow = arith::AddIOp::create(
          lb, arith::MulIOp::create(lb, bi, cst(lb, ctx.n)), col);
      auto maskType = VectorType::get({ctx.lanes}, lb.getI1Type());
      Value anyNaN = arith::ConstantOp::create(
          lb, DenseElementsAttr::get(maskType, false));
      Value laneByte = arith::MulIOp::create(lb, l, cst(lb, 4));
      decodeWeightBlock(
          lb, ctx, decoder, weightRow, block,
          [&](ImplicitLocOpBuilder &db, int64_t offset, Value decoded) {
            // NaN lanes (a corrupt dialect id) convert as 0 and make
            // the block's scale NaN below.
            Value ordered = arith::CmpFOp::create(
                db, arith::CmpFPredicate::ORD, decoded, decoded);
            anyNaN = arith::OrIOp::create(
                db, anyNaN,
                arith::XOrIOp::create(
                    db, ordered,
                    arith::ConstantOp::create(
                        db, DenseElementsAttr::get(maskType, true))));
            decoded = arith::SelectOp::create(
                db, ordered, decoded,
                arith::ConstantOp::create(
                    db, DenseElementsAttr::get(
                            laneF32, db.getF32FloatAttr(0.0f))));
            Value bytes = arith::TruncIOp::create(
                db, VectorType::get({ctx.lanes}, i8),
                arith::FPToSIOp::create(
                    db, VectorType::get({ctx.lanes}, i32), decoded));
            for (int64_t e = 0; e < ctx.lanes; e += 4) {
              Value four = vector::ExtractStridedSliceOp::create(
                  db, bytes, ArrayRef<int64_t>{e}, ArrayRef<int64_t>{4},
                  ArrayRef<int64_t>{1});
              vector::StoreOp::create(
                  db, four, columnWords,
                  ValueRange{cst(db, (offset + e) / 4), laneByte});
            }
          });
      Value nan = vector::ReductionOp::create(
          lb, vector::CombiningKind::OR, anyNaN);
      Value weightScale = weightUnitScale(lb, ctx, weightRow, block);
      memref::StoreOp::create(
          lb,
          arith::SelectOp::create(
              lb, nan,
              arith::ConstantFloatOp::create(
                  lb, f32, llvm::APFloat::getNaN(llvm::APFloat::IEEEsingle())),
              weightScale),
          scales, ValueRange{l});
    });
    // Each column's dot products start at -128 * (its block's sum),
    // cancelling the activations' bias: the sums come from the
    // transposed bytes with the same dot products against ones.
    Value ones = arith::ConstantOp::create(
        kb, DenseElementsAttr::get(halfBytes, kb.getI8IntegerAttr(1)));
    Value zeroI32 = arith::ConstantOp::create(
        kb, DenseElementsAttr::get(halfI32, kb.getI32IntegerAttr(0)));
    SmallVector<Value> weightScales, startSums;
    for (int64_t h = 0; h < width; h += half) {
      weightScales.push_back(vector::LoadOp::create(
          kb, halfF32, scales, ValueRange{cst(kb, h)}));
      Value sum = zeroI32;
      for (int64_t w = 0; w < words; ++w)
        sum = DotBytesOp::create(
            kb, halfI32, sum, ones,
            vector::LoadOp::create(kb, halfBytes, columnWords,
                                   ValueRange{cst(kb, w), cst(kb, 4 * h)}));
      startSums.push_back(arith::SubIOp::create(
          kb, zeroI32,
          arith::ShLIOp::create(
              kb, sum,
              arith::ConstantOp::create(
                  kb, DenseElementsAttr::get(halfI32,
                                             kb.getI32IntegerAttr(7))))));
    }
    Value first = arith::MulIOp::create(kb, block, cst(kb, bs));
    auto multiplyRows = [&](ImplicitLocOpBuilder &rb, Value mi,
                            int64_t count) {
      SmallVector<Value> actRows;
      for (int64_t r = 0; r < count; ++r)
        actRows.push_back(arith::AddIOp::create(
            rb, firstRow, arith::AddIOp::create(rb, mi, cst(rb, r))));
      // dots[r * 2 + h]: row r against columns 16h..16h+15.
      SmallVector<Value> dots;
      for (int64_t r = 0; r < count; ++r)
        dots.append(startSums.begin(), startSums.end());
      for (int64_t w = 0; w < words; ++w) {
        SmallVector<Value> columnsOf;
        for (int64_t h = 0; h < width; h += half)
          columnsOf.push_back(vector::LoadOp::create(
              rb, halfBytes, columnWords,
              ValueRange{cst(rb, w), cst(rb, 4 * h)}));
        Value element = arith::AddIOp::create(rb, first, cst(rb, 4 * w));
        for (int64_t r = 0; r < count; ++r) {
          Value four = vector::LoadOp::create(
              rb, VectorType::get({4}, i8), actBytes,
              ValueRange{actRows[r], element});
          Value word = vector::ExtractOp::create(
              rb,
              vector::BitCastOp::create(rb, VectorType::get({1}, i32),
                                        four),
              0);
          Value broadcast = vector::BitCastOp::create(
              rb, halfBytes,
              vector::BroadcastOp::create(rb, halfI32, word));
          for (int64_t h = 0; h < 2; ++h)
            dots[r * 2 + h] = DotBytesOp::create(
                rb, halfI32, dots[r * 2 + h], broadcast, columnsOf[h]);
        }
      }
      for (int64_t r = 0; r < count; ++r) {
        Value actScale = vector::BroadcastOp::create(
            rb, halfF32,
            memref::LoadOp::create(rb, ctx.actScales,
                                   ValueRange{actRows[r], block}));
        for (int64_t h = 0; h < 2; ++h) {
          Value scale =
              arith::MulFOp::create(rb, actScale, weightScales[h]);
          Value column = arith::AddIOp::create(rb, n0, cst(rb, h * half));
          Value acc = vector::LoadOp::create(
              rb, halfF32, accumulators, ValueRange{actRows[r], column});
          Value dot =
              arith::SIToFPOp::create(rb, halfF32, dots[r * 2 + h]);
          vector::StoreOp::create(
              rb,
              arith::AddFOp::create(rb, acc,
                                    arith::MulFOp::create(rb, dot, scale)),
              accumulators, ValueRange{actRows[r], column});
        }
      }
    };
      forEachRowGroup(kb, ctx, multiplyRows);
  };
  emitW4A4TileLoops(b, ctx, width, setup, body);
}
