//===- QBlockToCPU.cpp - qblock ops to CPU loop nests ---------------------===//
//
// Runs before bufferization. Quantized values are reduced to their packed
// bytes (qblock.from_storage of an i8 tensor), then every consumer becomes a
// loop nest over bufferization.to_buffer views that writes a fresh buffer,
// handed back to tensor land with bufferization.to_tensor. One-shot
// bufferization then handles everything else in the module.
//
//===----------------------------------------------------------------------===//

#include "Decode.h"
#include "PackedLayout.h"
#include "Quantize.h"
#include "VectorTranspose.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

namespace qblock {
#define GEN_PASS_DEF_CONVERTQBLOCKTOCPU
#include "qblock/Conversion/Passes.h.inc"
} // namespace qblock

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;
namespace num = ::qblock::numerics;

namespace {

constexpr const char *kCrossingMessage =
    "cannot lower a quantized value used here; quantized tensors must not "
    "cross function boundaries: pass packed bytes as tensor<Nxi8> and view "
    "them with qblock.from_storage";

/// Reduction elements per chunk of the matmul loop nest: the activation
/// slice of a tile (8 rows x 1024 x 4 bytes, even and odd halves) fits L1.
constexpr int64_t kChunkElements = 1024;

/// How far ahead of the decode the weight codes are prefetched.
constexpr int64_t kPrefetchBytes = 512;

/// Output rows handed to one parallel task.
constexpr int64_t kRowsPerTask = 16;

Value cst(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

/// Prefetches share `index` of `shares` equal shares of the byte run
/// [start, start + bytes) of `storage`, one prefetch per cache line,
/// never past byte `lastByte`. A task that streams many rows at once (more
/// than hardware prefetchers follow) walks a later task's runs this way,
/// in address order, a share per step of its own loop, which keeps DRAM
/// streaming (measurements in docs/cpu-lowering.md). A share shorter than a
/// line prefetches the line it starts in, so consecutive shares repeat a
/// line (nearly free when it is in flight) rather than run ahead of the
/// run. Each line is clamped on its own, with no branch: clamping a share
/// once and guarding it with a branch put the prefetches in a block of
/// their own, issued in one burst instead of among the kernel's other
/// instructions, and made the LUT-GEMM GEMV 0.8-0.96 -> 1.5 ms.
void prefetchShare(ImplicitLocOpBuilder &b, Value storage, Value start,
                   int64_t bytes, Value index, int64_t shares,
                   Value lastByte) {
  // Rounded up, so a share of less than a byte still prefetches its line.
  int64_t lines = ((bytes + shares - 1) / shares + 63) / 64;
  Value first = arith::AddIOp::create(
      b, start,
      arith::DivUIOp::create(b, arith::MulIOp::create(b, index, cst(b, bytes)),
                             cst(b, shares)));
  for (int64_t line = 0; line < lines; ++line)
    memref::PrefetchOp::create(
        b, storage,
        ValueRange{arith::MinSIOp::create(
            b, arith::AddIOp::create(b, first, cst(b, line * 64)),
            lastByte)},
        // Into every level: measured faster than L2 only (locality 2) on
        // the LUT-GEMM GEMV.
        /*isWrite=*/false, /*localityHint=*/3, /*isDataCache=*/true);
}

/// prefetchShare over what packed block-format rows [firstRow, firstRow +
/// rows) read: their codes, scales and dialect ids, three runs of the
/// storage, in address order.
void prefetchPackedRowsShare(ImplicitLocOpBuilder &b, Value storage,
                             const PackedLayout &layout, Value firstRow,
                             int64_t rows, Value index, int64_t shares) {
  Value lastByte = arith::SubIOp::create(b, layout.totalBytes, cst(b, 1));
  auto share = [&](Value arrayOffset, int64_t rowBytes) {
    prefetchShare(b, storage,
                  arith::AddIOp::create(
                      b, arrayOffset,
                      arith::MulIOp::create(b, firstRow, cst(b, rowBytes))),
                  rows * rowBytes, index, shares, lastByte);
  };
  share(cst(b, 0), layout.codeBytesPerRow);
  share(layout.scalesOffset, layout.blocksPerRow * layout.scaleBytes);
  if (layout.hasDialects)
    share(layout.dialectsOffset, (layout.blocksPerRow + 1) / 2);
}

/// A read-only memref view of a tensor. Only for packed weights: one-shot
/// bufferization does not order a to_buffer read against in-place writes
/// that follow it, so small operands go through snapshot() instead.
Value toBuffer(ImplicitLocOpBuilder &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return bufferization::ToBufferOp::create(b, memrefType, tensor,
                                           /*read_only=*/true);
}

/// Sizes of every dimension of a shaped value (tensor.dim / memref.dim for
/// dynamic ones).
SmallVector<Value> dimSizes(ImplicitLocOpBuilder &b, Value shaped) {
  auto type = cast<ShapedType>(shaped.getType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      sizes.push_back(cst(b, type.getDimSize(d)));
    else if (isa<TensorType>(type))
      sizes.push_back(tensor::DimOp::create(b, shaped, d));
    else
      sizes.push_back(memref::DimOp::create(b, shaped, d));
  }
  return sizes;
}

/// A fresh buffer holding the tensor's current value. The copy is a
/// bufferization.materialize_in_destination, a read that one-shot
/// bufferization orders correctly against in-place writes elsewhere (a
/// to_buffer view is not: an op later in the function may reuse the
/// tensor's buffer in place before the view is read).
Value snapshot(ImplicitLocOpBuilder &b, Value tensor);

/// memref.alloc with the dynamic sizes of `sizes` for a shape.
Value allocLike(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape,
                Type elementType, ArrayRef<Value> sizes) {
  SmallVector<Value> dynamic;
  for (auto [dim, size] : llvm::zip(shape, sizes))
    if (ShapedType::isDynamic(dim))
      dynamic.push_back(size);
  return memref::AllocOp::create(b, MemRefType::get(shape, elementType),
                                 dynamic, b.getI64IntegerAttr(64));
}

Value snapshot(ImplicitLocOpBuilder &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value copy = allocLike(b, type.getShape(), type.getElementType(),
                         dimSizes(b, tensor));
  bufferization::MaterializeInDestinationOp::create(
      b, /*result=*/Type(), tensor, copy, /*restrict=*/true,
      /*writable=*/true);
  return copy;
}

Value toF32(ImplicitLocOpBuilder &b, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, b.getF32Type(), v);
}

Value fromF32(ImplicitLocOpBuilder &b, Value v, Type type) {
  if (type.isF32())
    return v;
  return arith::TruncFOp::create(b, type, v);
}

struct ConvertQBlockToCPUPass
    : public qblock::impl::ConvertQBlockToCPUBase<ConvertQBlockToCPUPass> {
  using Base::Base;

  Target targetISA = Target::Generic;
  /// Whether the target has AVX-512 byte permutes and dot products (VBMI,
  /// VNNI); asked once per run, `host` queries the machine.
  bool byteOps = false;
  /// Dimension sizes of quantized values whose shape is only known at run
  /// time (they come from a run-time qblock.quantize).
  llvm::DenseMap<Value, SmallVector<Value>> logicalSizes;
  std::shared_ptr<SymbolTable> symbols;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<Target> parsed = parseTarget(target);
    if (failed(parsed)) {
      emitError(module.getLoc())
          << "--convert-qblock-to-cpu: unknown target '" << target
          << "'; use generic, avx2, avx512 or host";
      return signalPassFailure();
    }
    targetISA = *parsed;
    byteOps = cpu::hasByteOps(target);
    if (w4a4TileRows < 1) {
      emitError(module.getLoc())
          << "--convert-qblock-to-cpu: w4a4-tile-rows must be at least 1, got "
          << static_cast<int64_t>(w4a4TileRows);
      return signalPassFailure();
    }
    if (lutTables != "f32" && lutTables != "i8") {
      emitError(module.getLoc())
          << "--convert-qblock-to-cpu: unknown lut-tables '" << lutTables
          << "'; use f32 or i8";
      return signalPassFailure();
    }
    symbols = std::make_shared<SymbolTable>(module);

    // 1. Packed constants become byte constants viewed through from_storage.
    module.walk([&](ConstantOp op) {
      OpBuilder b(op);
      auto bytes = arith::ConstantOp::create(b, op.getLoc(),
                                             cast<TypedAttr>(op.getData()));
      Value view =
          FromStorageOp::create(b, op.getLoc(), op.getType(), bytes);
      op.replaceAllUsesWith(view);
      op.erase();
    });

    // Quantized values in signatures have no byte representation to lower.
    bool failedAny = false;
    module.walk([&](FunctionOpInterface func) {
      if (llvm::any_of(func.getArgumentTypes(),
                       llvm::IsaPred<QuantizedTensorType>) ||
          llvm::any_of(func.getResultTypes(),
                       llvm::IsaPred<QuantizedTensorType>)) {
        func.emitError(kCrossingMessage);
        failedAny = true;
      }
    });
    if (failedAny)
      return signalPassFailure();

    // Run-time quantization produces packed bytes too.
    module.walk([&](QuantizeOp op) {
      ImplicitLocOpBuilder b(op.getLoc(), op);
      FailureOr<Value> bytes = emitQuantize(b, op, op.getInput(), op.getType(),
                                            module, *symbols);
      if (failed(bytes)) {
        failedAny = true;
        return;
      }
      auto view = FromStorageOp::create(b, op.getType(), *bytes);
      logicalSizes[view.getResult()] = dimSizes(b, op.getInput());
      op.replaceAllUsesWith(view.getResult());
      op.erase();
    });
    if (failedAny)
      return signalPassFailure();

    // 2. Consumers of packed bytes become loop nests.
    module.walk([&](Operation *op) {
      LogicalResult result =
          TypeSwitch<Operation *, LogicalResult>(op)
              .Case<MatmulOp>([&](MatmulOp m) { return lowerMatmul(m); })
              .Case<DequantizeOp>(
                  [&](DequantizeOp d) { return lowerDequantize(d); })
              .Case<LutGemmOp>([&](LutGemmOp l) { return lowerLutGemm(l); })
              .Default([](Operation *) { return success(); });
      failedAny |= failed(result);
    });
    if (failedAny)
      return signalPassFailure();

    // 3. Views nobody reads any more go; anything left is unsupported.
    module.walk([&](FromStorageOp op) {
      if (op->use_empty())
        op.erase();
    });
    WalkResult leftover = module.walk([&](Operation *op) {
      // Lookups are ours to emit; --qblock-lower-lookups lowers them.
      if (isa<LookupOp, DotBytesOp>(op))
        return WalkResult::advance();
      if (isa<QBlockDialect>(op->getDialect()) ||
          llvm::any_of(op->getOperandTypes(), llvm::IsaPred<QuantizedTensorType>) ||
          llvm::any_of(op->getResultTypes(), llvm::IsaPred<QuantizedTensorType>)) {
        op->emitError(kCrossingMessage);
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (leftover.wasInterrupted())
      return signalPassFailure();
  }

  /// The packed bytes behind a quantized value, as a memref.
  FailureOr<Value> getStorage(ImplicitLocOpBuilder &b, Operation *user,
                              Value quantized) {
    auto view = quantized.getDefiningOp<FromStorageOp>();
    if (!view)
      return user->emitOpError(
          "needs its quantized operand to come from qblock.constant, "
          "qblock.from_storage or qblock.quantize");
    return toBuffer(b, view.getStorage());
  }

  DecodeTables tablesFor(ImplicitLocOpBuilder &b, const num::Scheme &scheme) {
    return DecodeTables::get(b, getOperation(), *symbols, scheme);
  }

  //===--------------------------------------------------------------------===//
  // qblock.matmul
  //===--------------------------------------------------------------------===//

  /// What every matmul-like lowering needs: shapes, and an output buffer
  /// that starts as a copy of the init operand.
  struct MatmulFrame {
    RankedTensorType resultType;
    int64_t rank, k, n;
    bool batched;
    Value out, batch;
    SmallVector<Value> outSizes;
  };

  MatmulFrame beginMatmul(ImplicitLocOpBuilder &b, Operation *op,
                          QuantizedTensorType rhsType, Value init) {
    MatmulFrame frame;
    frame.resultType = cast<RankedTensorType>(op->getResult(0).getType());
    frame.rank = rhsType.getRank();
    frame.batched = frame.rank == 3;
    frame.k = rhsType.getAxisSize();
    ArrayRef<int64_t> rhsShape = rhsType.getShape();
    bool transposed = rhsType.getAxis() == frame.rank - 1;
    frame.n = transposed ? rhsShape[frame.rank - 2] : rhsShape[frame.rank - 1];
    frame.outSizes = dimSizes(b, init);
    frame.out = allocLike(b, frame.resultType.getShape(),
                          frame.resultType.getElementType(), frame.outSizes);
    bufferization::MaterializeInDestinationOp::create(
        b, /*result=*/Type(), init, frame.out, /*restrict=*/true,
        /*writable=*/true);
    frame.batch = frame.batched ? frame.outSizes[0] : cst(b, 1);
    return frame;
  }

  /// Hands the output buffer back as the op's result.
  void finishMatmul(ImplicitLocOpBuilder &b, Operation *op,
                    const MatmulFrame &frame) {
    Value result = bufferization::ToTensorOp::create(
        b, frame.resultType, frame.out, /*restrict=*/true, /*writable=*/true);
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
  }

  /// The index of output element [batch,] m, n.
  static SmallVector<Value> outputIndex(const MatmulFrame &frame,
                                        Value batchIndex, Value m, Value n) {
    SmallVector<Value> index;
    if (frame.batched)
      index.push_back(batchIndex);
    index.push_back(m);
    index.push_back(n);
    return index;
  }

  /// out[index] += value, converting through f32.
  static void accumulate(ImplicitLocOpBuilder &b, const MatmulFrame &frame,
                         ArrayRef<Value> index, Value value) {
    Type elementType = frame.resultType.getElementType();
    Value old = toF32(b, memref::LoadOp::create(b, frame.out, index));
    memref::StoreOp::create(
        b, fromF32(b, arith::AddFOp::create(b, old, value), elementType),
        frame.out, index);
  }


  LogicalResult lowerMatmul(MatmulOp op) {
    if (SchemeAttr fused = op.getActSchemeAttr()) {
      // Online activation quantization: each activation row is quantized
      // once, at the start of this matmul's loop nest, into a scratch tile
      // that only the integer kernel below reads.
      ImplicitLocOpBuilder b(op.getLoc(), op);
      auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
      auto actType = QuantizedTensorType::get(
          op.getContext(), lhsType.getShape(), lhsType.getElementType(), fused,
          lhsType.getRank() - 1);
      FailureOr<Value> bytes = emitQuantize(b, op, op.getLhs(), actType,
                                            getOperation(), *symbols);
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

    // De-interleave activations once: element 2i of a row pairs with the low
    // nibbles of the weight row, element 2i+1 with the high ones, so the
    // decoded vectors need no shuffle in the hot loop.
    Value batchRows = arith::MulIOp::create(b, batch, m);
    auto halfType =
        MemRefType::get({ShapedType::kDynamic, k / 2}, b.getF32Type());
    Value evens = memref::AllocOp::create(b, halfType, ValueRange{batchRows},
                                          b.getI64IntegerAttr(64));
    Value odds = memref::AllocOp::create(b, halfType, ValueRange{batchRows},
                                         b.getI64IntegerAttr(64));
    emitDeinterleave(b, lhs, batched, m, batchRows, k, evens, odds);

    int64_t blockBytes = scheme.blockSize / 2;
    int64_t lanes = BlockDecoder::chooseLanes(targetISA, blockBytes);
    // K is walked in chunks of about kChunkElements (see emitRows); an even
    // number of blocks per chunk lets the block loop take two at a time.
    int64_t chunkBlocks =
        std::max<int64_t>(1, kChunkElements / scheme.blockSize);
    // 16-element blocks on AVX-512: two blocks per 16-lane vector (they are
    // adjacent in a row) instead of 8-lane halves with sign flips.
    bool pairBlocks = BlockDecoder::pairsBlocks(targetISA, blockBytes) &&
                      chunkBlocks % 2 == 0 && layout.blocksPerRow % 2 == 0;
    if (pairBlocks)
      lanes = 2 * blockBytes;
    BlockDecoder decoder(targetISA, lanes, tables);
    KernelContext ctx{storage.value(), evens,  odds,   out,
                      batched,         m,      n,      layout,
                      scheme,          decoder, tables, lanes,
                      chunkBlocks,     pairBlocks, &frame};

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

  /// Sizes of a quantized value's dimensions.
  SmallVector<Value> quantizedSizes(ImplicitLocOpBuilder &b, Value value) {
    if (auto it = logicalSizes.find(value); it != logicalSizes.end())
      return it->second;
    SmallVector<Value> sizes;
    for (int64_t dim : cast<QuantizedTensorType>(value.getType()).getShape())
      sizes.push_back(cst(b, dim));
    return sizes;
  }

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
  LogicalResult lowerQuantizedMatmul(MatmulOp op) {
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
    if (!weightType.hasStaticShape())
      return op.emitOpError("with a right-hand operand of dynamic size has no "
                            "CPU lowering yet; its non-reduction sizes must "
                            "be static");
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
    ctx.weightTables = tablesFor(b, weightScheme);
    ctx.weightDialects = weightScheme.book.dialects();
    ctx.lanes = BlockDecoder::chooseLanes(targetISA, ctx.blockBytes);
    ctx.one =
        arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(1.0f));

    Value tiled = arith::CmpIOp::create(b, arith::CmpIPredicate::sge, ctx.m,
                                        cst(b, w4a4TileRows));
    scf::IfOp::create(
        b, tiled,
        [&](OpBuilder &tb, Location loc) {
          ImplicitLocOpBuilder ib(loc, tb);
          W4A4Context tileCtx = ctx;
          if (targetISA == Target::AVX512 && byteOps &&
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

  /// Activation rows the tiled W4A4 kernel multiplies per pass over a
  /// decoded weight block (independent FMA chains in flight).
  static constexpr int64_t kW4A4TileRows = 4;
  /// Activation floats (all rows x one K chunk) the tiled W4A4 kernel keeps
  /// hot while it sweeps the tiles: 256 KiB, half an L2 of current x86.
  static constexpr int64_t kW4A4ChunkFloats = 64 * 1024;

  struct W4A4Context {
    const MatmulFrame *frame;
    int64_t k, n, blockSize, blockBytes, lanes;
    Value m, weights, one;
    decltype(num::Scheme::scale) weightScale{};
    PackedLayout weightLayout;
    DecodeTables weightTables;
    /// The weight book's dialect tables (the integer GEMV kernel builds its
    /// byte tables from them).
    std::vector<num::DialectTable> weightDialects;
    /// Decoded activations (rows x K, unscaled integer codes) and their unit
    /// scales (unitScale; rows x blocks). Within a block, elements are stored as the
    /// decoder yields them: per chunk of `lanes` code bytes, the even
    /// elements, then the odd ones. Decoded weights use the same order, and
    /// a block's dot product does not depend on it (it is exact).
    Value actValues, actScales;
    /// The integer kernel's form of actValues (rows x K bytes a + 128, same
    /// order), decoded instead of actValues where that kernel runs.
    Value actBytes;
  };

  /// Stores a vector of decoded activations (unscaled integers as f32) at
  /// [row, element]: as f32 into ctx.actValues, or as bytes a + 128 into
  /// ctx.actBytes (|a| <= 127, so they fit).
  void storeDecodedActivations(ImplicitLocOpBuilder &b, const W4A4Context &ctx,
                               Value row, Value element, Value decoded) {
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
  void decodeActivations(ImplicitLocOpBuilder &b, W4A4Context &ctx,
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
    BlockDecoder decoder(targetISA, ctx.lanes, tables);
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
  Value unitScale(ImplicitLocOpBuilder &b, Value storage,
                  const PackedLayout &layout, const DecodeTables &tables,
                  num::ScaleKind kind, Value row, Value block) {
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
  void decodeBlock(
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
  void decodeInt8Block(
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
  void decodeWeightBlock(
      ImplicitLocOpBuilder &b, const W4A4Context &ctx,
      const BlockDecoder &decoder, Value weightRow, Value block,
      llvm::function_ref<void(ImplicitLocOpBuilder &, int64_t, Value)> use) {
    decodeBlock(b, ctx, ctx.weights, ctx.weightLayout, decoder, weightRow,
                block, use);
  }

  Value weightUnitScale(ImplicitLocOpBuilder &b, const W4A4Context &ctx,
                        Value weightRow, Value block) {
    return unitScale(b, ctx.weights, ctx.weightLayout, ctx.weightTables,
                     ctx.weightScale, weightRow, block);
  }

  /// Output columns one task of the GEMV W4A4 kernel handles together:
  /// they share every activation load and scale.
  static constexpr int64_t kW4A4Columns = 4;

  /// [sum(v0), sum(v1), sum(v2), sum(v3)] for four vectors of one
  /// power-of-two width, by pairwise even/odd shuffles and adds (the
  /// horizontal sums share their steps instead of four separate
  /// reductions). Used on exact integer-valued sums, where the order of
  /// additions cannot change the result. Vectors narrower than four lanes
  /// (blocks of fewer than 8 elements) are reduced one by one.
  static Value sumEachOfFour(ImplicitLocOpBuilder &b, ArrayRef<Value> v) {
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

  /// Columns one task of the integer GEMV kernel handles (one vector).
  static constexpr int64_t kGemvColumns = 16;

  /// Whether the VNNI GEMV kernel takes this matmul: AVX-512 byte ops,
  /// blocks of 32 decoded 16 lanes wide, an even number of blocks per row
  /// (it walks K two blocks at a time), 4-bit weight codes, and a book
  /// whose every 4-bit id is a dialect (one dialect or 16), so no weight
  /// block decodes to NaN. INT8 right-hand operands (full-path attention
  /// with acts=int8) take the per-element kernel.
  bool integerGemvApplies(const W4A4Context &ctx) const {
    size_t dialects = ctx.weightDialects.size();
    return targetISA == Target::AVX512 && byteOps && ctx.blockSize == 32 &&
           ctx.weightLayout.codeBits == 4 &&
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
  void emitW4A4IntegerGemv(ImplicitLocOpBuilder &b, const W4A4Context &ctx) {
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
        getOrCreateTable(b, getOperation(), *symbols, "__qblock_pair_table",
                         table, {static_cast<int64_t>(table.size())});
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
  void emitNextGemvTaskPrefetches(ImplicitLocOpBuilder &b,
                                  const W4A4Context &ctx, Value firstRow,
                                  Value pair, int64_t pairs) {
    Value nextRow = arith::AddIOp::create(b, firstRow, cst(b, kGemvColumns));
    prefetchPackedRowsShare(b, ctx.weights, ctx.weightLayout, nextRow,
                            kGemvColumns, pair, pairs);
  }

  /// The E8M0 half scales of blocks `firstBlock` (even) and `firstBlock + 1`
  /// of 16 weight rows, as two vectors (lane c: row c). The two scale bytes
  /// of a row are adjacent, so each row costs one 16-bit load; the vectors
  /// are decoded arithmetically (halfScalesE8M0) instead of through 32
  /// table loads and inserts.
  SmallVector<Value, 2> weightHalfScalePairs(ImplicitLocOpBuilder &b,
                                             const W4A4Context &ctx,
                                             ArrayRef<Value> weightRows,
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
  void emitW4A4Elements(ImplicitLocOpBuilder &b, const W4A4Context &ctx) {
    const MatmulFrame &frame = *ctx.frame;
    int64_t blocks = ctx.k / ctx.blockSize;
    int64_t groups = (ctx.n + kW4A4Columns - 1) / kW4A4Columns;
    BlockDecoder decoder(targetISA, ctx.lanes, ctx.weightTables);
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

  /// scf.for lo..hi step `step` with `body(iv)`.
  static void forRange(
      ImplicitLocOpBuilder &b, Value lo, Value hi, int64_t step,
      llvm::function_ref<void(ImplicitLocOpBuilder &, Value)> body) {
    scf::ForOp::create(b, lo, hi, cst(b, step), ValueRange{},
                       [&](OpBuilder &ob, Location ol, Value iv, ValueRange) {
                         ImplicitLocOpBuilder xb(ol, ob);
                         body(xb, iv);
                         scf::YieldOp::create(xb);
                       });
  }

  /// scf.parallel over (batch, tiles) with `body(batch index, first column)`.
  static void forEachTile(
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
  void emitW4A4TileLoops(
      ImplicitLocOpBuilder &b, const W4A4Context &ctx, int64_t width,
      llvm::function_ref<SmallVector<Value>(ImplicitLocOpBuilder &)> setup,
      llvm::function_ref<void(ImplicitLocOpBuilder &, Value, Value, Value,
                              Value, Value, ArrayRef<Value>)>
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
  void forEachRowGroup(
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
  void emitW4A4Tiles(ImplicitLocOpBuilder &b, const W4A4Context &ctx) {
    // Two machine vectors of columns: each broadcast activation feeds two
    // FMAs, which balances loads against FMAs.
    int64_t width = targetISA == Target::AVX512 ? 32 : 16;
    int64_t bs = ctx.blockSize;
    FloatType f32 = b.getF32Type();
    auto tileVec = VectorType::get({width}, f32);
    Value zeroVec = arith::ConstantOp::create(
        b, DenseElementsAttr::get(tileVec, b.getF32FloatAttr(0.0f)));
    BlockDecoder decoder(targetISA, ctx.lanes, ctx.weightTables);
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
  void emitW4A4IntegerTiles(ImplicitLocOpBuilder &b, const W4A4Context &ctx) {
    constexpr int64_t width = 32, half = 16;
    int64_t bs = ctx.blockSize;
    int64_t words = bs / 4;
    FloatType f32 = b.getF32Type();
    Type i32 = b.getI32Type(), i8 = b.getI8Type();
    auto halfF32 = VectorType::get({half}, f32);
    auto halfI32 = VectorType::get({half}, i32);
    auto halfBytes = VectorType::get({4 * half}, i8);
    auto laneF32 = VectorType::get({ctx.lanes}, f32);
    BlockDecoder decoder(targetISA, ctx.lanes, ctx.weightTables);

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

  /// The leading indices of activation row `bm` of a (batch x) M x K
  /// operand: {bm} unbatched, {bm / M, bm % M} batched.
  static SmallVector<Value> rowIndices(ImplicitLocOpBuilder &b, Value bm,
                                       bool batched, Value m) {
    if (!batched)
      return {bm};
    return {arith::DivUIOp::create(b, bm, m), arith::RemUIOp::create(b, bm, m)};
  }

  void emitDeinterleave(ImplicitLocOpBuilder &b, Value lhs, bool batched,
                        Value m, Value batchRows, int64_t k, Value evens,
                        Value odds) {
    scf::ParallelOp::create(
        b, ValueRange{cst(b, 0)}, ValueRange{batchRows}, ValueRange{cst(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value bm = ivs[0];
          SmallVector<Value> prefix = rowIndices(ib, bm, batched, m);
          scf::ForOp::create(
              ib, cst(ib, 0), cst(ib, k / 2), cst(ib, 1), ValueRange{},
              [&](OpBuilder &inner, Location loc2, Value i, ValueRange) {
                ImplicitLocOpBuilder jb(loc2, inner);
                Value twice = arith::MulIOp::create(jb, i, cst(jb, 2));
                SmallVector<Value> evenIndex(prefix), oddIndex(prefix);
                evenIndex.push_back(twice);
                oddIndex.push_back(arith::AddIOp::create(jb, twice, cst(jb, 1)));
                Value e = toF32(jb, memref::LoadOp::create(jb, lhs, evenIndex));
                Value o = toF32(jb, memref::LoadOp::create(jb, lhs, oddIndex));
                memref::StoreOp::create(jb, e, evens, ValueRange{bm, i});
                memref::StoreOp::create(jb, o, odds, ValueRange{bm, i});
                scf::YieldOp::create(jb);
              });
          scf::ReduceOp::create(ib);
        });
  }

  struct KernelContext {
    Value storage, evens, odds, out;
    bool batched;
    Value m;
    int64_t n;
    PackedLayout layout;
    num::Scheme scheme;
    BlockDecoder decoder;
    DecodeTables tables;
    int64_t lanes;
    /// Blocks per K chunk (see emitRows).
    int64_t chunkBlocks;
    /// Two adjacent blocks decode as one vector (BlockDecoder::pairsBlocks).
    bool pairBlocks;
    const MatmulFrame *frame;
  };

  /// Output rows [first, last) of batch `batchIndex`. Activation rows go in
  /// groups of 8 that share every decoded weight vector (two weight rows at
  /// a time, 16 accumulators), so GEMM decodes each weight once per 8 rows;
  /// leftover rows (all of them for GEMV) go one at a time against 4 weight
  /// rows that share the activation loads. A GEMV (one activation row)
  /// takes whole weight rows per tile; otherwise K is walked in chunks
  /// (leftover rows then reread a chunk's weights from L1, where whole rows
  /// made M = 3 about 8% slower).
  void emitRows(ImplicitLocOpBuilder &b, const KernelContext &ctx,
                Value batchIndex, Value first, Value last) {
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
    constexpr int64_t kActRows = 8, kWeightRowsWide = 2, kWeightRowsNarrow = 4;
    // The 8-row groups walk K in chunks of ctx.chunkBlocks blocks so that
    // the activation slice a tile re-reads for every weight row stays in L1;
    // partial sums go through the output between chunks.
    const PackedLayout &layout = ctx.layout;
    int64_t chunkBlocks = ctx.chunkBlocks;
    Value mCount = ctx.m;
    auto rowGroups = [&](ImplicitLocOpBuilder &ib, Value m0, KRange range,
                         GemvPrefetch prefetch) {
      forEachGroup(ib, first, last, kWeightRowsNarrow,
                   [&](ImplicitLocOpBuilder &tb, Value n0, int64_t nr) {
                     emitTile(tb, ctx, batchIndex, n0, nr, m0, 1, range,
                              prefetch);
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
                scf::ForOp::create(
                    kb, mMain, mCount, cst(kb, 1), ValueRange{},
                    [&](OpBuilder &nb2, Location loc2, Value m0, ValueRange) {
                      ImplicitLocOpBuilder mb(loc2, nb2);
                      rowGroups(mb, m0, range, GemvPrefetch::PerRow);
                      scf::YieldOp::create(mb);
                    });
                scf::YieldOp::create(kb);
              });
          scf::YieldOp::create(ib);
        });
  }

  /// Blocks [first, last) of the reduction handled by one tile call.
  struct KRange {
    Value first, last;
  };

  /// How a tile helps the hardware prefetchers: each row's codes a fixed
  /// distance ahead (chunked tiles), or its share of a later tile's bytes
  /// in address order (GEMV tiles over whole rows, emitLaterTilePrefetches).
  enum class GemvPrefetch { PerRow, LaterTiles };

  /// One block of every weight row of a tile against its activation rows
  /// (with ctx.pairBlocks, blocks `block` and `block + 1` as one); returns
  /// the updated accumulators. `dialects` holds the rows' dialect ids of
  /// this block when the caller loaded them already (else empty);
  /// `nextDialects` those of the next block, for pairs (always loaded).
  SmallVector<Value> emitBlock(ImplicitLocOpBuilder &bb,
                               const KernelContext &ctx, Value block,
                               ArrayRef<Value> weightRows,
                               ArrayRef<Value> actRows,
                               ArrayRef<Value> codeBase,
                               ArrayRef<Value> dialects,
                               ArrayRef<Value> nextDialects, ValueRange accs,
                               int64_t nr, int64_t mt, int64_t perPair,
                               GemvPrefetch prefetch) {
    const PackedLayout &layout = ctx.layout;
    int64_t lanes = ctx.lanes, blockBytes = layout.blockSize / 2;
    auto vecType = VectorType::get({lanes}, bb.getF32Type());
    auto codeType = VectorType::get({lanes}, bb.getI8Type());
    SmallVector<BlockDecoder::Block> decoders;
    for (auto [r, row] : llvm::enumerate(weightRows)) {
      Value dialect = dialects.empty()
                          ? loadDialectId(bb, ctx.storage, layout, row, block)
                          : dialects[r];
      Value halfScale = loadHalfScale(bb, ctx.storage, layout, ctx.tables,
                                      ctx.scheme.scale, row, block);
      if (!ctx.pairBlocks) {
        decoders.push_back(ctx.decoder.begin(bb, dialect, halfScale));
        continue;
      }
      // Pairs imply two blocks per iteration, whose ids emitTile loads.
      assert(nextDialects.size() == weightRows.size());
      Value next = arith::AddIOp::create(bb, block, cst(bb, 1));
      Value nextHalfScale = loadHalfScale(bb, ctx.storage, layout, ctx.tables,
                                          ctx.scheme.scale, row, next);
      decoders.push_back(ctx.decoder.beginPair(bb, dialect, halfScale,
                                               nextDialects[r], nextHalfScale));
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

  /// A GEMV tile (one activation row, whole weight rows) streams its nr
  /// rows' codes, scales and dialect ids at once, more runs than hardware
  /// prefetchers follow well. Each block-loop iteration (`blockOffset`
  /// blocks into the row, `unroll` blocks per iteration) therefore
  /// prefetches its share of the tile two tiles on, in address order
  /// (measured on GEMV N = K = 8192, 2 threads: 1.44-1.9 -> 1.2-1.3 ms
  /// when the machine was quiet; one and three tiles ahead were within the
  /// noise of two). Rows past the matrix clamp to its last byte.
  void emitLaterTilePrefetches(ImplicitLocOpBuilder &b,
                               const KernelContext &ctx, Value firstRow,
                               int64_t nr, Value blockOffset, int64_t unroll) {
    constexpr int64_t kTilesAhead = 2;
    int64_t iterations = (ctx.layout.blocksPerRow + unroll - 1) / unroll;
    Value iteration = arith::DivUIOp::create(b, blockOffset, cst(b, unroll));
    Value laterRow =
        arith::AddIOp::create(b, firstRow, cst(b, kTilesAhead * nr));
    prefetchPackedRowsShare(b, ctx.storage, ctx.layout, laterRow, nr,
                            iteration, iterations);
  }

  /// One tile: weight rows n0..n0+nr, activation rows m0..m0+mt, the blocks
  /// of `range`; adds its partial sums into the output.
  void emitTile(ImplicitLocOpBuilder &b, const KernelContext &ctx,
                Value batchIndex, Value n0, int64_t nr, Value m0, int64_t mt,
                KRange range, GemvPrefetch prefetch) {
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

    // With one activation row, even and odd lanes get accumulators of their
    // own so that enough independent FMA chains hide the FMA latency; wider
    // tiles have enough chains already and need the registers.
    int64_t perPair = mt == 1 ? 2 : 1;
    SmallVector<Value> init(perPair * mt * nr, zeroVec);
    // Two blocks per iteration when every chunk holds an even number of
    // blocks: they share their dialect-id byte, loaded once.
    int64_t unroll =
        ctx.chunkBlocks % 2 == 0 && layout.blocksPerRow % 2 == 0 ? 2 : 1;
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
          if (ctx.pairBlocks)
            current = emitBlock(bb, ctx, firstBlock, weightRows, actRows,
                                codeBase, dialects[0], dialects[1], current,
                                nr, mt, perPair, prefetch);
          else
            for (int64_t u = 0; u < unroll; ++u) {
              Value block = arith::AddIOp::create(bb, firstBlock, cst(bb, u));
              current = emitBlock(bb, ctx, block, weightRows, actRows,
                                  codeBase, dialects[u], {}, current, nr, mt,
                                  perPair, prefetch);
            }
          scf::YieldOp::create(bb, current);
        });

    for (int64_t i = 0; i < mt; ++i) {
      for (int64_t r = 0; r < nr; ++r) {
        int64_t slot = perPair * (i * nr + r);
        Value sum = blockLoop.getResult(slot);
        if (perPair == 2)
          sum = arith::AddFOp::create(b, sum, blockLoop.getResult(slot + 1));
        Value dot = vector::ReductionOp::create(b, vector::CombiningKind::ADD,
                                                sum);
        accumulate(b, *ctx.frame,
                   outputIndex(*ctx.frame, batchIndex,
                               arith::AddIOp::create(b, m0, cst(b, i)),
                               arith::AddIOp::create(b, n0, cst(b, r))),
                   dot);
      }
    }
  }

  //===--------------------------------------------------------------------===//
  // qblock.lut_gemm
  //===--------------------------------------------------------------------===//

  /// Sub-vector length of the lookup tables: 2^4 = 16 signed partial sums.
  static constexpr int64_t kMu = 4;

  /// LUT-GEMM: for every activation row, a table of the 16 signed partial
  /// sums of each 4-element sub-vector is built once and shared by all
  /// output rows; each nibble of a bit plane then selects one partial sum,
  /// and y = sum_g sum_i alpha_{g,i} * (sum of looked-up sums) + z_g * sum(a
  /// over g), the last from the all-ones entries. Weights are never
  /// decoded. Output rows go 16 per vector where the shape allows
  /// (emitLutChunks with plain loads and transposes where K and the group
  /// size fit chunks of 512, emitLutTiles with gathers otherwise); the
  /// rest one at a time with scalar lookups.
  LogicalResult lowerLutGemm(LutGemmOp op) {
    ImplicitLocOpBuilder b(op.getLoc(), op);
    auto rhsType = cast<QuantizedTensorType>(op.getRhs().getType());
    FailureOr<Value> storage = getStorage(b, op, op.getRhs());
    if (failed(storage))
      return failure();
    num::BCQScheme scheme = rhsType.getBCQScheme().toNumerics();
    Value lhs = snapshot(b, op.getLhs());
    MatmulFrame frame = beginMatmul(b, op, rhsType, op.getInit());
    bool batched = frame.batched;
    int64_t k = frame.k, n = frame.n;
    ArrayRef<int64_t> rhsShape = rhsType.getShape();
    int64_t group = scheme.group;
    int64_t subvectors = k / kMu, groups = k / group;
    num::BCQLayout layout =
        num::computeBCQLayout((batched ? rhsShape[0] : 1) * n, k, scheme);
    Type f32 = b.getF32Type();
    Value batch = frame.batch;
    Value m = frame.outSizes[frame.rank - 2];
    Value batchRows = arith::MulIOp::create(b, batch, m);

    SubvectorTables subTables(b, lhs, batched, m);
    // Output rows in tiles of 16 run on the vector path (one lane per output
    // row); what is left, and shapes it does not cover, run row by row.
    bool vectorPath = k % 32 == 0 && group % 32 == 0 &&
                      frame.resultType.getElementType().isF32();
    int64_t vectorRows = vectorPath ? n / kLutLanes * kLutLanes : 0;
    bool chunked = vectorRows > 0 && lutChunksFit(k, group);
    bool byteTablesOnly = chunked && lutTables == "i8" && vectorRows == n;

    // tables[bm][j][p] = sum_t (bit t of p ? +1 : -1) * a[bm][4j + t], for
    // every path but int8 tables alone (128 KiB per row and 1024 inputs
    // that the int8 tables would only read once; building them from the
    // activations directly skips the memory and its page faults).
    Value tables;
    if (!byteTablesOnly) {
      tables = memref::AllocOp::create(
          b, MemRefType::get({ShapedType::kDynamic, subvectors, 16}, f32),
          ValueRange{batchRows}, b.getI64IntegerAttr(64));
      scf::ParallelOp::create(
          b, ValueRange{cst(b, 0)}, ValueRange{batchRows},
          ValueRange{cst(b, 1)},
          [&](OpBuilder &nested, Location loc, ValueRange ivs) {
            ImplicitLocOpBuilder ib(loc, nested);
            Value bm = ivs[0];
            forRange(ib, cst(ib, 0), cst(ib, subvectors), 1,
                     [&](ImplicitLocOpBuilder &jb, Value j) {
                       vector::StoreOp::create(jb, subTables.build(jb, bm, j),
                                               tables,
                                               ValueRange{bm, j, cst(jb, 0)});
                     });
            scf::ReduceOp::create(ib);
          });
    }

    BCQPackedLayout packed = BCQPackedLayout::build(
        b, cst(b, (batched ? rhsShape[0] : 1) * n), k, scheme);
    if (chunked) {
      // Each group's activation sum (the offset term's factor), once per
      // activation row: the sum of its sub-vectors' all-ones entries.
      Value groupSums;
      if (scheme.offset) {
        groupSums = memref::AllocOp::create(
            b, MemRefType::get({ShapedType::kDynamic, groups}, f32),
            ValueRange{batchRows}, b.getI64IntegerAttr(64));
        if (lutTables != "i8")
          emitGroupSums(b, tables, groupSums, batchRows, group, groups);
      }
      ByteTables byteTables;
      if (lutTables == "i8") {
        byteTables.sums = memref::AllocOp::create(
            b,
            MemRefType::get({ShapedType::kDynamic, k / 32, 128},
                            b.getI8Type()),
            ValueRange{batchRows}, b.getI64IntegerAttr(64));
        byteTables.scales = memref::AllocOp::create(
            b, MemRefType::get({ShapedType::kDynamic, groups}, f32),
            ValueRange{batchRows}, b.getI64IntegerAttr(64));
        emitByteTables(b, subTables, byteTables, groupSums, batchRows, group,
                       groups);
      }
      emitLutChunks(b, frame, *storage, tables, byteTables, groupSums, layout,
                    scheme, m, vectorRows / kLutLanes);
    } else if (vectorRows > 0) {
      emitLutTiles(b, frame, *storage, tables, layout, scheme, m,
                   vectorRows / kLutLanes);
    }
    if (vectorRows < n) {
      scf::ParallelOp::create(
          b, ValueRange{cst(b, 0), cst(b, vectorRows)},
          ValueRange{batch, cst(b, n)}, ValueRange{cst(b, 1), cst(b, 1)},
          [&](OpBuilder &nested, Location loc, ValueRange ivs) {
            ImplicitLocOpBuilder ib(loc, nested);
            Value bi = ivs[0], col = ivs[1];
            Value row = arith::AddIOp::create(
                ib, arith::MulIOp::create(ib, bi, cst(ib, n)), col);
            scf::ForOp::create(
                ib, cst(ib, 0), m, cst(ib, 1), ValueRange{},
                [&](OpBuilder &mb0, Location ml, Value mi, ValueRange) {
                  ImplicitLocOpBuilder mb(ml, mb0);
                  Value bm = arith::AddIOp::create(
                      mb, arith::MulIOp::create(mb, bi, m), mi);
                  auto groupLoop = scf::ForOp::create(
                      mb, cst(mb, 0), cst(mb, groups), cst(mb, 1),
                      ValueRange{arith::ConstantFloatOp::create(
                          mb, b.getF32Type(), llvm::APFloat(0.0f))},
                      [&](OpBuilder &gb0, Location gl, Value g, ValueRange acc) {
                        ImplicitLocOpBuilder gb(gl, gb0);
                        Value total = emitLutGroup(gb, *storage, tables, packed,
                                                   scheme, row, bm, g);
                        scf::YieldOp::create(
                            gb, ValueRange{arith::AddFOp::create(gb, acc[0], total)});
                      });
                  accumulate(mb, frame, outputIndex(frame, bi, mi, col),

                             groupLoop.getResult(0));
                  scf::YieldOp::create(mb);
                });
            scf::ReduceOp::create(ib);
          });
    }

    finishMatmul(b, op, frame);
    return success();
  }

  /// 32-bit and float views of packed BCQ bytes (every array is 64-byte
  /// aligned and the storage is a multiple of 64 bytes).
  static std::pair<Value, Value> bcqViews(ImplicitLocOpBuilder &b,
                                          Value storage,
                                          const num::BCQLayout &layout) {
    auto view = [&](Type element) -> Value {
      return memref::ViewOp::create(
          b, MemRefType::get({layout.totalBytes / 4}, element), storage,
          cst(b, 0), ValueRange{});
    };
    return {view(b.getI32Type()), view(b.getF32Type())};
  }

  /// Output rows handled by one vector of the LUT-GEMM vector path.
  static constexpr int64_t kLutLanes = 16;

  /// The vector path of LUT-GEMM: lanes are 16 output rows. One gather
  /// fetches a 32-bit word of the same bit plane from each of the 16 rows
  /// (32 elements = 8 sub-vectors each); a shift brings each sub-vector's
  /// nibble to the low bits, and one lookup in that sub-vector's table
  /// (shared by all rows) yields 16 partial sums. Alphas and offsets are
  /// gathered per group the same way.
  void emitLutTiles(ImplicitLocOpBuilder &b, const MatmulFrame &frame,
                    Value storage, Value tables, const num::BCQLayout &layout,
                    const num::BCQScheme &scheme, Value m, int64_t tiles) {
    int64_t k = frame.k, n = frame.n, q = scheme.bits, group = scheme.group;
    int64_t groups = k / group;
    Type i32 = b.getI32Type();
    FloatType f32 = b.getF32Type();
    auto lanesI32 = VectorType::get({kLutLanes}, i32);
    auto lanesF32 = VectorType::get({kLutLanes}, f32);
    auto maskType = VectorType::get({kLutLanes}, b.getI1Type());
    // Plain values, not structured bindings: lambdas below capture them.
    Value words, floats;
    std::tie(words, floats) = bcqViews(b, storage, layout);
    auto strided = [&](int64_t stride) {
      SmallVector<int32_t> offsets;
      for (int64_t lane = 0; lane < kLutLanes; ++lane)
        offsets.push_back(static_cast<int32_t>(lane * stride));
      return arith::ConstantOp::create(
          b, DenseElementsAttr::get(lanesI32, ArrayRef<int32_t>(offsets)));
    };
    Value planeRowStride = strided(q * k / 32);  // words between rows
    Value alphaRowStride = strided(groups * q);  // floats between rows
    Value offsetRowStride = strided(groups);
    Value allLanes =
        vector::ConstantMaskOp::create(b, maskType, ArrayRef<int64_t>{kLutLanes});
    Value zerosI32 = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanesI32, b.getI32IntegerAttr(0)));
    Value zerosF32 = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanesF32, b.getF32FloatAttr(0.0f)));
    auto gather = [&](ImplicitLocOpBuilder &gb, Value base, Value firstIndex,
                      Value offsets, bool isFloat) -> Value {
      Value index = arith::AddIOp::create(
          gb, vector::BroadcastOp::create(
                  gb, lanesI32,
                  arith::IndexCastOp::create(gb, i32, firstIndex)),
          offsets);
      return vector::GatherOp::create(gb, isFloat ? lanesF32 : lanesI32, base,
                                      ValueRange{cst(gb, 0)}, index, allLanes,
                                      isFloat ? zerosF32 : zerosI32);
    };

    scf::ParallelOp::create(
        b, ValueRange{cst(b, 0), cst(b, 0)}, ValueRange{frame.batch, cst(b, tiles)},
        ValueRange{cst(b, 1), cst(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value bi = ivs[0];
          Value n0 = arith::MulIOp::create(ib, ivs[1], cst(ib, kLutLanes));
          Value firstRow = arith::AddIOp::create(
              ib, arith::MulIOp::create(ib, bi, cst(ib, n)), n0);
          scf::ForOp::create(
              ib, cst(ib, 0), m, cst(ib, 1), ValueRange{},
              [&](OpBuilder &mb0, Location ml, Value mi, ValueRange) {
                ImplicitLocOpBuilder mb(ml, mb0);
                Value bm = arith::AddIOp::create(
                    mb, arith::MulIOp::create(mb, bi, m), mi);
                auto groupLoop = scf::ForOp::create(
                    mb, cst(mb, 0), cst(mb, groups), cst(mb, 1),
                    ValueRange{zerosF32},
                    [&](OpBuilder &gb0, Location gl, Value g, ValueRange acc) {
                      ImplicitLocOpBuilder gb(gl, gb0);
                      Value total = acc[0];
                      // Word index of plane i, group g, row firstRow.
                      auto planeWord = [&](ImplicitLocOpBuilder &pb, int64_t i) {
                        return arith::AddIOp::create(
                            pb,
                            arith::MulIOp::create(
                                pb,
                                arith::AddIOp::create(
                                    pb,
                                    arith::MulIOp::create(pb, firstRow, cst(pb, q)),
                                    cst(pb, i)),
                                cst(pb, k / 32)),
                            arith::MulIOp::create(pb, g, cst(pb, group / 32)));
                      };
                      // Words outer, planes inner: the 8 tables of a word
                      // serve every plane.
                      auto wordLoop = scf::ForOp::create(
                          gb, cst(gb, 0), cst(gb, group / 32), cst(gb, 1),
                          SmallVector<Value>(q, zerosF32),
                          [&](OpBuilder &wb0, Location wl, Value w,
                              ValueRange sums) {
                            ImplicitLocOpBuilder wb(wl, wb0);
                            Value firstSub = arith::AddIOp::create(
                                wb, arith::MulIOp::create(wb, g, cst(wb, group / kMu)),
                                arith::MulIOp::create(wb, w, cst(wb, 8)));
                            SmallVector<Value> bits, next(sums.begin(), sums.end());
                            for (int64_t i = 0; i < q; ++i)
                              bits.push_back(gather(
                                  wb, words,
                                  arith::AddIOp::create(wb, planeWord(wb, i), w),
                                  planeRowStride, /*isFloat=*/false));
                            for (int64_t sub = 0; sub < 8; ++sub) {
                              Value table = vector::LoadOp::create(
                                  wb, lanesF32, tables,
                                  ValueRange{bm,
                                             arith::AddIOp::create(wb, firstSub,
                                                                   cst(wb, sub)),
                                             cst(wb, 0)});
                              for (int64_t i = 0; i < q; ++i) {
                                Value nibble =
                                    sub == 0
                                        ? bits[i]
                                        : Value(arith::ShRUIOp::create(
                                              wb, bits[i],
                                              arith::ConstantOp::create(
                                                  wb, DenseElementsAttr::get(
                                                          lanesI32,
                                                          wb.getI32IntegerAttr(
                                                              4 * sub)))));
                                next[i] = arith::AddFOp::create(
                                    wb, next[i], LookupOp::create(wb, table, nibble));
                              }
                            }
                            scf::YieldOp::create(wb, next);
                          });
                      for (int64_t i = 0; i < q; ++i) {
                        Value alphaIndex = arith::AddIOp::create(
                            gb, cst(gb, layout.alphasOffset / 4),
                            arith::AddIOp::create(
                                gb,
                                arith::MulIOp::create(
                                    gb,
                                    arith::AddIOp::create(
                                        gb,
                                        arith::MulIOp::create(gb, firstRow,
                                                              cst(gb, groups)),
                                        g),
                                    cst(gb, q)),
                                cst(gb, i)));
                        Value alphas = gather(gb, floats, alphaIndex,
                                              alphaRowStride, /*isFloat=*/true);
                        total = vector::FMAOp::create(gb, alphas,
                                                      wordLoop.getResult(i), total);
                      }
                      if (scheme.offset) {
                        // The group's activation sum, from the all-ones entries.
                        auto sum = scf::ForOp::create(
                            gb, cst(gb, 0), cst(gb, group / kMu), cst(gb, 1),
                            ValueRange{arith::ConstantFloatOp::create(
                                gb, f32, llvm::APFloat(0.0f))},
                            [&](OpBuilder &sb0, Location sl, Value j,
                                ValueRange a) {
                              ImplicitLocOpBuilder sb(sl, sb0);
                              Value entry = memref::LoadOp::create(
                                  sb, tables,
                                  ValueRange{bm,
                                             arith::AddIOp::create(
                                                 sb,
                                                 arith::MulIOp::create(
                                                     sb, g, cst(sb, group / kMu)),
                                                 j),
                                             cst(sb, 15)});
                              scf::YieldOp::create(
                                  sb, ValueRange{arith::AddFOp::create(sb, a[0], entry)});
                            });
                        Value offsetIndex = arith::AddIOp::create(
                            gb, cst(gb, layout.offsetsOffset / 4),
                            arith::AddIOp::create(
                                gb, arith::MulIOp::create(gb, firstRow, cst(gb, groups)),
                                g));
                        Value offsets = gather(gb, floats, offsetIndex,
                                               offsetRowStride, /*isFloat=*/true);
                        total = vector::FMAOp::create(
                            gb, offsets,
                            vector::BroadcastOp::create(gb, lanesF32,
                                                        sum.getResult(0)),
                            total);
                      }
                      scf::YieldOp::create(gb, total);
                    });
                SmallVector<Value> index = outputIndex(frame, bi, mi, n0);
                Value old = vector::LoadOp::create(mb, lanesF32, frame.out, index);
                vector::StoreOp::create(
                    mb, arith::AddFOp::create(mb, old, groupLoop.getResult(0)),
                    frame.out, index);
                scf::YieldOp::create(mb);
              });
          scf::ReduceOp::create(ib);
        });
  }

  /// LUT-GEMM's int8 tables (lut-tables=i8), per activation row:
  /// sums[bm][w][128] holds, for word w (sub-vectors 8w..8w+7), the tables
  /// of sub-vectors 8w, 8w+2, 8w+4, 8w+6 (16 bytes each, the even half)
  /// then 8w+1, ..., 8w+7 (the odd half): the order in which byte e of a
  /// plane word (low nibble: sub-vector 2e, high: 2e+1) meets them, so one
  /// 64-entry byte permute looks up 16 rows x 4 sub-vectors. scales[bm][g]
  /// is group g's table scale: entry = round(sum / scale), |entry| <= 127.
  struct ByteTables {
    Value sums, scales;
  };

  /// Builds the 16 signed partial sums of one 4-activation sub-vector in a
  /// register: table[p] = sum_t (bit t of p ? +1 : -1) * a[4j + t], as
  /// four FMAs against constant sign patterns.
  struct SubvectorTables {
    Value lhs, m;
    bool batched;
    SmallVector<Value> signs;

    SubvectorTables(ImplicitLocOpBuilder &b, Value lhs, bool batched, Value m)
        : lhs(lhs), m(m), batched(batched) {
      auto tableType = VectorType::get({16}, b.getF32Type());
      for (int64_t t = 0; t < kMu; ++t) {
        SmallVector<float> pattern;
        for (int p = 0; p < 16; ++p)
          pattern.push_back((p >> t) & 1 ? 1.0f : -1.0f);
        signs.push_back(arith::ConstantOp::create(
            b, DenseElementsAttr::get(tableType, ArrayRef<float>(pattern))));
      }
    }

    /// The table of sub-vector j of activation row bm.
    Value build(ImplicitLocOpBuilder &b, Value bm, Value j) const {
      auto tableType = VectorType::get({16}, b.getF32Type());
      SmallVector<Value> prefix = rowIndices(b, bm, batched, m);
      Value table = arith::ConstantOp::create(
          b, DenseElementsAttr::get(tableType, b.getF32FloatAttr(0)));
      for (int64_t t = 0; t < kMu; ++t) {
        SmallVector<Value> index(prefix);
        index.push_back(arith::AddIOp::create(
            b, arith::MulIOp::create(b, j, cst(b, kMu)), cst(b, t)));
        Value a = toF32(b, memref::LoadOp::create(b, lhs, index));
        table = vector::FMAOp::create(
            b, signs[t], vector::BroadcastOp::create(b, tableType, a), table);
      }
      return table;
    }
  };

  /// Builds `byteTables` (and, when given, `groupSums`) from the
  /// activations, one scale per group: scale = max |entry| over the
  /// group's tables / 127. Two passes per group over its sub-vector
  /// tables, computed in registers: the first finds the largest entry and
  /// adds up the all-ones entries (the group sum, in the f32 path's
  /// order), the second rounds. A group with a NaN or infinite activation
  /// gets a NaN scale, so the outputs it feeds are NaN as with f32 tables
  /// (never silently finite).
  void emitByteTables(ImplicitLocOpBuilder &b, const SubvectorTables &sub,
                      const ByteTables &byteTables, Value groupSums,
                      Value batchRows, int64_t group, int64_t groups) {
    FloatType f32 = b.getF32Type();
    auto rowType = VectorType::get({16}, f32);
    auto splat = [&](ImplicitLocOpBuilder &vb, float v) -> Value {
      return arith::ConstantOp::create(
          vb, DenseElementsAttr::get(rowType, vb.getF32FloatAttr(v)));
    };
    scf::ParallelOp::create(
        b, ValueRange{cst(b, 0)}, ValueRange{batchRows}, ValueRange{cst(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value bm = ivs[0];
          forRange(ib, cst(ib, 0), cst(ib, groups), 1,
                   [&](ImplicitLocOpBuilder &gb, Value g) {
            Value firstSub = arith::MulIOp::create(gb, g, cst(gb, group / kMu));
            auto table = [&](ImplicitLocOpBuilder &rb, Value j) -> Value {
              return sub.build(rb, bm, arith::AddIOp::create(rb, firstSub, j));
            };
            Value zero =
                arith::ConstantFloatOp::create(gb, f32, llvm::APFloat(0.0f));
            // maximumf propagates NaN, so a NaN entry makes the scale NaN.
            auto firstPass = scf::ForOp::create(
                gb, cst(gb, 0), cst(gb, group / kMu), cst(gb, 1),
                ValueRange{splat(gb, 0.0f), zero},
                [&](OpBuilder &mb0, Location ml, Value j, ValueRange a) {
                  ImplicitLocOpBuilder mb(ml, mb0);
                  Value t = table(mb, j);
                  Value sum = arith::AddFOp::create(
                      mb, a[1], vector::ExtractOp::create(mb, t, 15));
                  scf::YieldOp::create(
                      mb, ValueRange{arith::MaximumFOp::create(
                                         mb, a[0], math::AbsFOp::create(mb, t)),
                                     sum});
                });
            if (groupSums)
              memref::StoreOp::create(gb, firstPass.getResult(1), groupSums,
                                      ValueRange{bm, g});
            Value max = vector::ReductionOp::create(
                gb, vector::CombiningKind::MAXIMUMF, firstPass.getResult(0));
            Value c127 =
                arith::ConstantFloatOp::create(gb, f32, llvm::APFloat(127.0f));
            memref::StoreOp::create(gb, arith::DivFOp::create(gb, max, c127),
                                    byteTables.scales, ValueRange{bm, g});
            // 127 / max, or 0 for an all-zero group (and for a NaN or
            // infinite one, whose scale already poisons its outputs).
            Value usable = arith::AndIOp::create(
                gb,
                arith::CmpFOp::create(gb, arith::CmpFPredicate::OGT, max, zero),
                arith::CmpFOp::create(
                    gb, arith::CmpFPredicate::OLT, max,
                    arith::ConstantFloatOp::create(
                        gb, f32,
                        llvm::APFloat::getInf(llvm::APFloat::IEEEsingle()))));
            Value inverse = arith::SelectOp::create(
                gb, usable, arith::DivFOp::create(gb, c127, max), zero);
            Value inverseRow = vector::BroadcastOp::create(gb, rowType, inverse);
            forRange(gb, cst(gb, 0), cst(gb, group / kMu), 1,
                     [&](ImplicitLocOpBuilder &jb, Value j) {
              Value scaled = math::RoundEvenOp::create(
                  jb, arith::MulFOp::create(jb, table(jb, j), inverseRow));
              scaled = arith::MinimumFOp::create(
                  jb, arith::MaximumFOp::create(jb, scaled, splat(jb, -127.0f)),
                  splat(jb, 127.0f));
              // NaN (from a non-finite activation) stores as 0.
              scaled = arith::SelectOp::create(
                  jb,
                  arith::CmpFOp::create(jb, arith::CmpFPredicate::ORD, scaled,
                                        scaled),
                  scaled, splat(jb, 0.0f));
              Value bytes = arith::TruncIOp::create(
                  jb, VectorType::get({16}, jb.getI8Type()),
                  arith::FPToSIOp::create(
                      jb, VectorType::get({16}, jb.getI32Type()), scaled));
              Value s = arith::AddIOp::create(jb, firstSub, j);
              Value t = arith::RemUIOp::create(jb, s, cst(jb, 8));
              Value at = arith::AddIOp::create(
                  jb,
                  arith::MulIOp::create(
                      jb, arith::RemUIOp::create(jb, t, cst(jb, 2)),
                      cst(jb, 64)),
                  arith::MulIOp::create(
                      jb, arith::DivUIOp::create(jb, t, cst(jb, 2)),
                      cst(jb, 16)));
              vector::StoreOp::create(
                  jb, bytes, byteTables.sums,
                  ValueRange{bm, arith::DivUIOp::create(jb, s, cst(jb, 8)),
                             at});
            });
          });
          scf::ReduceOp::create(ib);
        });
  }

  /// One group of a chunk with int8 tables: per plane, each transposed word
  /// gives two byte-index vectors (low and high nibbles of every byte, with
  /// the byte's position e in bits 4-5 to pick the table of sub-vector 2e
  /// or 2e + 1), each looked up with one 64-entry byte permute and summed
  /// into the plane's int32 lanes (four sub-vectors of one row per lane).
  /// The group then adds sum_i (alpha_i * scale) * float(lanes_i) to acc.
  Value emitByteLookups(ImplicitLocOpBuilder &b, const ByteTables &byteTables,
                        Value wordTile, Value bm, Value c, Value firstGroup,
                        Value gg, Value firstWord, int64_t wordsPerGroup,
                        int64_t q, llvm::function_ref<Value(int64_t)> alpha,
                        Value acc) {
    auto lanesI32 = VectorType::get({kLutLanes}, b.getI32Type());
    auto lanesF32 = VectorType::get({kLutLanes}, b.getF32Type());
    auto bytesType = VectorType::get({4 * kLutLanes}, b.getI8Type());
    auto splat = [&](int32_t v) -> Value {
      return arith::ConstantOp::create(
          b, DenseElementsAttr::get(lanesI32, b.getI32IntegerAttr(v)));
    };
    Value nibbles = splat(0x0F0F0F0F), positions = splat(0x30201000);
    // Dot products with ones add up the signed lookups.
    Value ones = arith::ConstantOp::create(
        b, DenseElementsAttr::get(bytesType, b.getI8IntegerAttr(1)));
    Value four = splat(4);
    SmallVector<Value> sums(q, splat(0));
    Value chunkWord = arith::MulIOp::create(b, c, cst(b, kLutChunk / 32));
    for (int64_t w = 0; w < wordsPerGroup; ++w) {
      Value j = arith::AddIOp::create(b, firstWord, cst(b, w));
      Value word = arith::AddIOp::create(b, chunkWord, j);
      Value even = vector::LoadOp::create(b, bytesType, byteTables.sums,
                                          ValueRange{bm, word, cst(b, 0)});
      Value odd = vector::LoadOp::create(b, bytesType, byteTables.sums,
                                         ValueRange{bm, word, cst(b, 64)});
      for (int64_t i = 0; i < q; ++i) {
        Value bits = vector::LoadOp::create(
            b, lanesI32, wordTile,
            ValueRange{arith::AddIOp::create(b, j, cst(b, i * kLutLanes)),
                       cst(b, 0)});
        auto indices = [&](Value v) -> Value {
          return vector::BitCastOp::create(
              b, bytesType,
              arith::OrIOp::create(b, arith::AndIOp::create(b, v, nibbles),
                                   positions));
        };
        Value low = LookupOp::create(b, even, indices(bits));
        Value high = LookupOp::create(
            b, odd, indices(arith::ShRUIOp::create(b, bits, four)));
        sums[i] = DotBytesOp::create(b, lanesI32, sums[i], ones, low);
        sums[i] = DotBytesOp::create(b, lanesI32, sums[i], ones, high);
      }
    }
    Value scale = vector::BroadcastOp::create(
        b, lanesF32,
        memref::LoadOp::create(
            b, byteTables.scales,
            ValueRange{bm, arith::AddIOp::create(b, firstGroup, gg)}));
    for (int64_t i = 0; i < q; ++i)
      acc = vector::FMAOp::create(
          b, arith::MulFOp::create(b, alpha(i), scale),
          arith::SIToFPOp::create(b, lanesF32, sums[i]), acc);
    return acc;
  }

  /// Elements of K one step of the chunked LUT-GEMM path covers: 64 bytes
  /// (one cache line, 16 words) of each bit plane of each row.
  static constexpr int64_t kLutChunk = 512;

  /// Whether the chunked path (emitLutChunks) covers a shape: whole chunks
  /// along K and whole groups per chunk.
  static bool lutChunksFit(int64_t k, int64_t group) {
    return k % kLutChunk == 0 && group % 32 == 0 && kLutChunk % group == 0;
  }

  /// Tiles ahead of the computation whose bytes emitLutNextTilePrefetches
  /// asks for. One ahead left the first chunks of a tile waiting on DRAM
  /// (the rows prefetched last are needed first); measured on GEMV
  /// 8192^2, q = 3, int8 tables: 1 ahead 1.12 ms, 2 ahead 0.69 ms, 3 ahead
  /// 0.67 ms, 4 ahead 0.72 ms.
  static constexpr int64_t kLutTilesAhead = 2;

  /// While a 16-row tile works on chunk c, prefetches the c-th share of
  /// what the tile kLutTilesAhead further on reads: its rows' bit planes,
  /// alphas and offsets, three contiguous runs (16 q K/8, 16 G q 4 and
  /// 16 G 4 bytes for G groups per row). The tile itself reads 16 x (q + 2)
  /// interleaved runs. With OpenMP's static schedule a thread's tiles are
  /// consecutive, so these are the thread's own next tiles.
  void emitLutNextTilePrefetches(ImplicitLocOpBuilder &b, Value storage,
                                 const num::BCQLayout &layout,
                                 const num::BCQScheme &scheme, Value firstRow,
                                 Value c) {
    int64_t k = layout.k, q = scheme.bits, groups = layout.groupsPerRow;
    int64_t chunks = k / kLutChunk;
    Value nextRow = arith::AddIOp::create(b, firstRow, cst(b, kLutTilesAhead * kLutLanes));
    Value lastByte = cst(b, layout.totalBytes - 1);
    auto share = [&](int64_t arrayOffset, int64_t rowBytes) {
      prefetchShare(b, storage,
                    arith::AddIOp::create(
                        b, cst(b, arrayOffset),
                        arith::MulIOp::create(b, nextRow, cst(b, rowBytes))),
                    kLutLanes * rowBytes, c, chunks, lastByte);
    };
    share(layout.planesOffset, q * k / 8);
    share(layout.alphasOffset, groups * q * 4);
    if (scheme.offset)
      share(layout.offsetsOffset, groups * 4);
  }

  /// The chunked vector path of LUT-GEMM: lanes are 16 output rows, as in
  /// emitLutTiles, but nothing is gathered. Per chunk of 512 inputs, each
  /// of the 16 rows' 64 plane bytes is one contiguous load, and a 16x16
  /// transpose in registers turns them into 16 words-of-all-rows (word j
  /// of every row in one vector); the rows' alphas of the chunk's groups
  /// are transposed the same way. Then, per activation row, every nibble
  /// of those words selects from its sub-vector's table with one lookup
  /// per 16 rows (f32 tables: tables loaded once, used by every plane, two
  /// accumulators per plane keep the additions independent; int8 tables:
  /// emitByteLookups), and each group's sums meet their alphas in one FMA
  /// per plane. The offset term comes last, per tile (emitLutOffsetTerms).
  /// The transposed words serve all activation rows, so batch M > 1
  /// decodes nothing twice.
  void emitLutChunks(ImplicitLocOpBuilder &b, const MatmulFrame &frame,
                     Value storage, Value tables, const ByteTables &byteTables,
                     Value groupSums,
                     const num::BCQLayout &layout,
                     const num::BCQScheme &scheme, Value m, int64_t tiles) {
    int64_t k = frame.k, n = frame.n, q = scheme.bits, group = scheme.group;
    int64_t groups = k / group, groupsPerChunk = kLutChunk / group;
    int64_t wordsPerGroup = group / 32, chunkWords = kLutChunk / 32;
    Type i32 = b.getI32Type();
    FloatType f32 = b.getF32Type();
    auto lanesI32 = VectorType::get({kLutLanes}, i32);
    auto lanesF32 = VectorType::get({kLutLanes}, f32);
    auto maskType = VectorType::get({kLutLanes}, b.getI1Type());
    // Plain values, not structured bindings: lambdas below capture them.
    Value words, floats;
    std::tie(words, floats) = bcqViews(b, storage, layout);
    Value zerosF32 = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanesF32, b.getF32FloatAttr(0.0f)));
    SmallVector<Value> shifts(8);
    for (int64_t t = 1; t < 8; ++t)
      shifts[t] = arith::ConstantOp::create(
          b, DenseElementsAttr::get(lanesI32, b.getI32IntegerAttr(4 * t)));

    // `count` consecutive floats per row (count <= 16) starting at float
    // `first(row)`, transposed: result[e][r] is element e of row r. Rows
    // shorter than 16 are read with a masked load, so nothing past the
    // array is touched.
    auto transposedFloats = [&](ImplicitLocOpBuilder &tb, Value firstRow,
                                int64_t count, auto first) {
      SmallVector<Value> rows;
      Value mask = count == kLutLanes
                       ? Value()
                       : Value(vector::ConstantMaskOp::create(
                             tb, maskType, ArrayRef<int64_t>{count}));
      for (int64_t r = 0; r < kLutLanes; ++r) {
        Value row = arith::AddIOp::create(tb, firstRow, cst(tb, r));
        Value at = first(tb, row);
        rows.push_back(mask ? Value(vector::MaskedLoadOp::create(
                                  tb, lanesF32, floats, ValueRange{at}, mask,
                                  zerosF32))
                            : Value(vector::LoadOp::create(tb, lanesF32, floats,
                                                           ValueRange{at})));
      }
      return transpose16x16(tb, rows);
    };

    scf::ParallelOp::create(
        b, ValueRange{cst(b, 0), cst(b, 0)},
        ValueRange{frame.batch, cst(b, tiles)},
        ValueRange{cst(b, 1), cst(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value bi = ivs[0];
          Value n0 = arith::MulIOp::create(ib, ivs[1], cst(ib, kLutLanes));
          Value firstRow = arith::AddIOp::create(
              ib, arith::MulIOp::create(ib, bi, cst(ib, n)), n0);
          // The chunk's transposed words ([plane * 16 + word]) and alphas
          // ([group * q + plane]) go through small stack tiles: the group loop below then
          // loads just one group's words, instead of keeping 16 q vectors
          // live across it (which spilled most of them, measured).
          Value wordTile = memref::AllocaOp::create(
              ib, MemRefType::get({q * kLutLanes, kLutLanes}, i32),
              ValueRange{}, ib.getI64IntegerAttr(64));
          Value factorTile = memref::AllocaOp::create(
              ib,
              MemRefType::get({groupsPerChunk * q, kLutLanes}, f32),
              ValueRange{}, ib.getI64IntegerAttr(64));
          auto storeRow = [&](ImplicitLocOpBuilder &sb, Value vec, Value tile,
                              int64_t at) {
            vector::StoreOp::create(sb, vec, tile,
                                    ValueRange{cst(sb, at), cst(sb, 0)});
          };
          scf::ForOp::create(
              ib, cst(ib, 0), cst(ib, k / kLutChunk), cst(ib, 1), ValueRange{},
              [&](OpBuilder &cb0, Location cl, Value c, ValueRange) {
                ImplicitLocOpBuilder cb(cl, cb0);
                Value firstGroup =
                    arith::MulIOp::create(cb, c, cst(cb, groupsPerChunk));
                emitLutNextTilePrefetches(cb, storage, layout, scheme,
                                          firstRow, c);
                for (int64_t i = 0; i < q; ++i) {
                  SmallVector<Value> rows;
                  for (int64_t r = 0; r < kLutLanes; ++r) {
                    Value row = arith::AddIOp::create(cb, firstRow, cst(cb, r));
                    Value at = arith::AddIOp::create(
                        cb,
                        arith::MulIOp::create(
                            cb,
                            arith::AddIOp::create(
                                cb, arith::MulIOp::create(cb, row, cst(cb, q)),
                                cst(cb, i)),
                            cst(cb, k / 32)),
                        arith::MulIOp::create(cb, c, cst(cb, chunkWords)));
                    rows.push_back(vector::LoadOp::create(cb, lanesI32, words,
                                                          ValueRange{at}));
                  }
                  auto cols = transpose16x16(cb, rows);
                  for (int64_t j = 0; j < chunkWords; ++j)
                    storeRow(cb, cols[j], wordTile, i * kLutLanes + j);
                }
                // A row's alphas of consecutive groups are contiguous
                // ([group][plane]), so the chunk's are one run per row.
                for (int64_t done = 0; done < groupsPerChunk * q;
                     done += kLutLanes) {
                  int64_t count = std::min(kLutLanes, groupsPerChunk * q - done);
                  auto cols = transposedFloats(
                      cb, firstRow, count,
                      [&](ImplicitLocOpBuilder &lb, Value row) -> Value {
                        return arith::AddIOp::create(
                            lb, cst(lb, layout.alphasOffset / 4 + done),
                            arith::MulIOp::create(
                                lb,
                                arith::AddIOp::create(
                                    lb,
                                    arith::MulIOp::create(lb, row,
                                                          cst(lb, groups)),
                                    firstGroup),
                                cst(lb, q)));
                      });
                  for (int64_t e = 0; e < count; ++e)
                    storeRow(cb, cols[e], factorTile, done + e);
                }
                scf::ForOp::create(
                    cb, cst(cb, 0), m, cst(cb, 1), ValueRange{},
                    [&](OpBuilder &mb0, Location ml, Value mi, ValueRange) {
                      ImplicitLocOpBuilder mb(ml, mb0);
                      Value bm = arith::AddIOp::create(
                          mb, arith::MulIOp::create(mb, bi, m), mi);
                      Value firstSub = arith::MulIOp::create(
                          mb, c, cst(mb, kLutChunk / kMu));
                      auto groupLoop = scf::ForOp::create(
                          mb, cst(mb, 0), cst(mb, groupsPerChunk), cst(mb, 1),
                          ValueRange{zerosF32},
                          [&](OpBuilder &gb0, Location gl, Value gg,
                              ValueRange carried) {
                            ImplicitLocOpBuilder gb(gl, gb0);
                            Value acc = carried[0];
                            Value firstWord = arith::MulIOp::create(
                                gb, gg, cst(gb, wordsPerGroup));
                            auto factor = [&](Value at) -> Value {
                              return vector::LoadOp::create(
                                  gb, lanesF32, factorTile,
                                  ValueRange{at, cst(gb, 0)});
                            };
                            Value firstAlpha =
                                arith::MulIOp::create(gb, gg, cst(gb, q));
                            auto alpha = [&](int64_t i) {
                              return factor(arith::AddIOp::create(
                                  gb, firstAlpha, cst(gb, i)));
                            };
                            if (byteTables.sums) {
                              acc = emitByteLookups(
                                  gb, byteTables, wordTile, bm, c, firstGroup,
                                  gg, firstWord, wordsPerGroup, q, alpha, acc);
                            } else {
                            // Two accumulators per plane (even and odd
                            // nibbles) keep the additions independent.
                            SmallVector<Value> sums(2 * q, zerosF32);
                            for (int64_t w = 0; w < wordsPerGroup; ++w) {
                              Value j = arith::AddIOp::create(gb, firstWord,
                                                              cst(gb, w));
                              SmallVector<Value> planeWords;
                              for (int64_t i = 0; i < q; ++i)
                                planeWords.push_back(vector::LoadOp::create(
                                    gb, lanesI32, wordTile,
                                    ValueRange{arith::AddIOp::create(
                                                   gb, j,
                                                   cst(gb, i * kLutLanes)),
                                               cst(gb, 0)}));
                              Value firstTable = arith::AddIOp::create(
                                  gb, firstSub,
                                  arith::MulIOp::create(gb, j, cst(gb, 8)));
                              for (int64_t t = 0; t < 8; ++t) {
                                Value table = vector::LoadOp::create(
                                    gb, lanesF32, tables,
                                    ValueRange{bm,
                                               arith::AddIOp::create(
                                                   gb, firstTable, cst(gb, t)),
                                               cst(gb, 0)});
                                for (int64_t i = 0; i < q; ++i) {
                                  // The lookup reads the low 4 bits only.
                                  Value nibble =
                                      t == 0 ? planeWords[i]
                                             : Value(arith::ShRUIOp::create(
                                                   gb, planeWords[i],
                                                   shifts[t]));
                                  Value &sum = sums[2 * i + t % 2];
                                  sum = arith::AddFOp::create(
                                      gb, sum,
                                      LookupOp::create(gb, table, nibble));
                                }
                              }
                            }
                            for (int64_t i = 0; i < q; ++i)
                              acc = vector::FMAOp::create(
                                  gb, alpha(i),
                                  arith::AddFOp::create(gb, sums[2 * i],
                                                        sums[2 * i + 1]),
                                  acc);
                            }
                            scf::YieldOp::create(gb, ValueRange{acc});
                          });
                      Value acc = groupLoop.getResult(0);
                      SmallVector<Value> index = outputIndex(frame, bi, mi, n0);
                      Value old =
                          vector::LoadOp::create(mb, lanesF32, frame.out, index);
                      vector::StoreOp::create(
                          mb, arith::AddFOp::create(mb, old, acc), frame.out,
                          index);
                      scf::YieldOp::create(mb);
                    });
                scf::YieldOp::create(cb);
              });
          if (scheme.offset)
            emitLutOffsetTerms(ib, frame, floats, groupSums, layout, bi, n0,
                               firstRow, m);
          scf::ReduceOp::create(ib);
        });
  }

  /// The offset term of a 16-row tile, for every activation row:
  /// out[bm][n0 + r] += sum_g z[row r][g] * groupSums[bm][g]. A row's
  /// offsets are contiguous, so each row's sum is a plain vector dot
  /// product; one transpose then brings the 16 rows' partial vectors into
  /// lanes (cheaper than transposing every chunk's offsets into lanes).
  void emitLutOffsetTerms(ImplicitLocOpBuilder &b, const MatmulFrame &frame,
                          Value floats, Value groupSums,
                          const num::BCQLayout &layout, Value bi, Value n0,
                          Value firstRow, Value m) {
    int64_t groups = layout.groupsPerRow;
    FloatType f32 = b.getF32Type();
    auto lanesF32 = VectorType::get({kLutLanes}, f32);
    auto maskType = VectorType::get({kLutLanes}, b.getI1Type());
    Value zeros = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanesF32, b.getF32FloatAttr(0.0f)));
    forRange(b, cst(b, 0), m, 1, [&](ImplicitLocOpBuilder &mb, Value mi) {
      Value bm = arith::AddIOp::create(mb, arith::MulIOp::create(mb, bi, m), mi);
      SmallVector<Value> partial(kLutLanes, zeros);
      for (int64_t first = 0; first < groups; first += kLutLanes) {
        int64_t count = std::min(kLutLanes, groups - first);
        // Masked loads read nothing past a row's last group.
        Value mask = count == kLutLanes
                         ? Value()
                         : Value(vector::ConstantMaskOp::create(
                               mb, maskType, ArrayRef<int64_t>{count}));
        auto load = [&](Value base, ValueRange at) -> Value {
          if (!mask)
            return vector::LoadOp::create(mb, lanesF32, base, at);
          return vector::MaskedLoadOp::create(mb, lanesF32, base, at, mask,
                                              zeros);
        };
        Value sums = load(groupSums, ValueRange{bm, cst(mb, first)});
        for (int64_t r = 0; r < kLutLanes; ++r) {
          Value at = arith::AddIOp::create(
              mb, cst(mb, layout.offsetsOffset / 4 + first),
              arith::MulIOp::create(
                  mb, arith::AddIOp::create(mb, firstRow, cst(mb, r)),
                  cst(mb, groups)));
          partial[r] = vector::FMAOp::create(
              mb, load(floats, ValueRange{at}), sums, partial[r]);
        }
      }
      SmallVector<Value, 16> columns = transpose16x16(mb, partial);
      Value total = columns[0];
      for (int64_t e = 1; e < kLutLanes; ++e)
        total = arith::AddFOp::create(mb, total, columns[e]);
      SmallVector<Value> index = outputIndex(frame, bi, mi, n0);
      Value old = vector::LoadOp::create(mb, lanesF32, frame.out, index);
      vector::StoreOp::create(mb, arith::AddFOp::create(mb, old, total),
                              frame.out, index);
    });
  }

  /// groupSums[bm][g] = sum of the activations of group g of row bm, added
  /// up from the all-ones table entries in sub-vector order (the scalar
  /// path's order).
  void emitGroupSums(ImplicitLocOpBuilder &b, Value tables, Value groupSums,
                     Value batchRows, int64_t group, int64_t groups) {
    scf::ParallelOp::create(
        b, ValueRange{cst(b, 0)}, ValueRange{batchRows}, ValueRange{cst(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value bm = ivs[0];
          forRange(ib, cst(ib, 0), cst(ib, groups), 1,
                   [&](ImplicitLocOpBuilder &gb, Value g) {
            Value firstSub = arith::MulIOp::create(gb, g, cst(gb, group / kMu));
            auto sum = scf::ForOp::create(
                gb, cst(gb, 0), cst(gb, group / kMu), cst(gb, 1),
                ValueRange{arith::ConstantFloatOp::create(
                    gb, gb.getF32Type(), llvm::APFloat(0.0f))},
                [&](OpBuilder &sb0, Location sl, Value j, ValueRange a) {
                  ImplicitLocOpBuilder sb(sl, sb0);
                  Value entry = memref::LoadOp::create(
                      sb, tables,
                      ValueRange{bm, arith::AddIOp::create(sb, firstSub, j),
                                 cst(sb, 15)});
                  scf::YieldOp::create(
                      sb, ValueRange{arith::AddFOp::create(sb, a[0], entry)});
                });
            memref::StoreOp::create(gb, sum.getResult(0), groupSums,
                                    ValueRange{bm, g});
          });
          scf::ReduceOp::create(ib);
        });
  }

  /// A little-endian f32 from four packed bytes at `byteOffset` (BCQ alphas
  /// and offsets; the i8 storage gives no alignment guarantee for a view).
  static Value loadF32Bytes(ImplicitLocOpBuilder &b, Value storage,
                            Value byteOffset) {
    Value bits = arith::ConstantIntOp::create(b, b.getI32Type(), 0);
    for (int64_t byte = 0; byte < 4; ++byte) {
      Value v = memref::LoadOp::create(
          b, storage,
          ValueRange{arith::AddIOp::create(b, byteOffset, cst(b, byte))});
      Value wide = arith::ExtUIOp::create(b, b.getI32Type(), v);
      bits = arith::OrIOp::create(
          b, bits,
          arith::ShLIOp::create(
              b, wide, arith::ConstantIntOp::create(b, b.getI32Type(), 8 * byte)));
    }
    return arith::BitcastOp::create(b, b.getF32Type(), bits);
  }

  /// One group of one weight row against one activation row's tables:
  /// sum_i alpha_i * (sum over sub-vectors of table[nibble of plane i])
  /// + z * (sum of the activations of the group).
  Value emitLutGroup(ImplicitLocOpBuilder &b, Value storage, Value tables,
                     const BCQPackedLayout &layout,
                     const num::BCQScheme &scheme, Value row, Value bm,
                     Value g) {
    int64_t q = scheme.bits, group = scheme.group;
    Value zero = arith::ConstantFloatOp::create(b, b.getF32Type(),
                                                llvm::APFloat(0.0f));
    Value firstSub = arith::MulIOp::create(b, g, cst(b, group / kMu));
    Value total = zero;
    for (int64_t i = 0; i < q; ++i) {
      Value planeBase = layout.planeByteOffset(
          b, row, i, arith::MulIOp::create(b, g, cst(b, group / 8)));
      auto subLoop = scf::ForOp::create(
          b, cst(b, 0), cst(b, group / kMu), cst(b, 1), ValueRange{zero},
          [&](OpBuilder &sb0, Location sl, Value j, ValueRange acc) {
            ImplicitLocOpBuilder sb(sl, sb0);
            Value byte = memref::LoadOp::create(
                sb, storage,
                ValueRange{arith::AddIOp::create(
                    sb, planeBase, arith::DivUIOp::create(sb, j, cst(sb, 2)))});
            Value shift = arith::IndexCastOp::create(
                sb, sb.getI8Type(),
                arith::MulIOp::create(
                    sb, arith::RemUIOp::create(sb, j, cst(sb, 2)), cst(sb, 4)));
            Value nibble = arith::AndIOp::create(
                sb, arith::ShRUIOp::create(sb, byte, shift),
                arith::ConstantIntOp::create(sb, sb.getI8Type(), 15));
            Value entry = memref::LoadOp::create(
                sb, tables,
                ValueRange{bm, arith::AddIOp::create(sb, firstSub, j),
                           arith::IndexCastUIOp::create(sb, sb.getIndexType(),
                                                        nibble)});
            scf::YieldOp::create(sb,
                                 ValueRange{arith::AddFOp::create(sb, acc[0], entry)});
          });
      Value alpha =
          loadF32Bytes(b, storage, layout.alphaOffset(b, row, g, i));
      total = arith::AddFOp::create(
          b, total, arith::MulFOp::create(b, alpha, subLoop.getResult(0)));
    }
    if (scheme.offset) {
      // The all-ones entry (15) of each table is the plain sum of its four
      // activations.
      auto sumLoop = scf::ForOp::create(
          b, cst(b, 0), cst(b, group / kMu), cst(b, 1), ValueRange{zero},
          [&](OpBuilder &sb0, Location sl, Value j, ValueRange acc) {
            ImplicitLocOpBuilder sb(sl, sb0);
            Value entry = memref::LoadOp::create(
                sb, tables,
                ValueRange{bm, arith::AddIOp::create(sb, firstSub, j),
                           cst(sb, 15)});
            scf::YieldOp::create(sb,
                                 ValueRange{arith::AddFOp::create(sb, acc[0], entry)});
          });
      Value z = loadF32Bytes(b, storage, layout.offsetOffset(b, row, g));
      total = arith::AddFOp::create(
          b, total, arith::MulFOp::create(b, z, sumLoop.getResult(0)));
    }
    return total;
  }

  //===--------------------------------------------------------------------===//
  // qblock.dequantize
  //===--------------------------------------------------------------------===//

  /// Where a dequantize writes: the rows of the packed layout (every index
  /// but the quantized axis), and a flat buffer in the logical row-major
  /// order, element kk of row (o, i) at (o*K + kk)*inner + i.
  struct DequantizeFrame {
    RankedTensorType resultType;
    SmallVector<Value> sizes;
    Value inner, rows, flat;
    int64_t k;
    /// Every dimension after the axis is statically 1: rows are contiguous.
    bool contiguousRows;
  };

  DequantizeFrame beginDequantize(ImplicitLocOpBuilder &b, DequantizeOp op) {
    auto type = cast<QuantizedTensorType>(op.getInput().getType());
    DequantizeFrame frame;
    frame.resultType = op.getType();
    frame.k = type.getAxisSize();
    int64_t rank = type.getRank(), axis = type.getAxis();
    frame.sizes = quantizedSizes(b, op.getInput());
    Value outer = cst(b, 1);
    frame.inner = cst(b, 1);
    frame.contiguousRows = true;
    for (int64_t d = 0; d < rank; ++d) {
      if (d < axis)
        outer = arith::MulIOp::create(b, outer, frame.sizes[d]);
      else if (d > axis) {
        frame.inner = arith::MulIOp::create(b, frame.inner, frame.sizes[d]);
        frame.contiguousRows &= type.getShape()[d] == 1;
      }
    }
    frame.rows = arith::MulIOp::create(b, outer, frame.inner);
    Value total = arith::MulIOp::create(b, frame.rows, cst(b, frame.k));
    // expand_shape wants a static flat size exactly when the shape is static.
    bool isStatic = frame.resultType.hasStaticShape();
    frame.flat = memref::AllocOp::create(
        b,
        MemRefType::get({isStatic ? frame.resultType.getNumElements()
                                  : ShapedType::kDynamic},
                        frame.resultType.getElementType()),
        isStatic ? ValueRange{} : ValueRange{total}, b.getI64IntegerAttr(64));
    return frame;
  }

  /// The flat position of element kk of packed row `row`.
  static Value flatPosition(ImplicitLocOpBuilder &b, const DequantizeFrame &f,
                            Value row, Value kk) {
    Value o = arith::DivUIOp::create(b, row, f.inner);
    Value i = arith::RemUIOp::create(b, row, f.inner);
    return arith::AddIOp::create(
        b,
        arith::MulIOp::create(
            b,
            arith::AddIOp::create(b, arith::MulIOp::create(b, o, cst(b, f.k)),
                                  kk),
            f.inner),
        i);
  }

  /// Hands the flat buffer back, in the logical shape, as the op's result.
  void finishDequantize(ImplicitLocOpBuilder &b, DequantizeOp op,
                        const DequantizeFrame &frame) {
    RankedTensorType resultType = frame.resultType;
    SmallVector<ReassociationIndices> all(1);
    SmallVector<OpFoldResult> outputShape;
    for (int64_t d = 0; d < resultType.getRank(); ++d) {
      all[0].push_back(d);
      if (resultType.isDynamicDim(d))
        outputShape.push_back(frame.sizes[d]);
      else
        outputShape.push_back(b.getIndexAttr(resultType.getDimSize(d)));
    }
    Value logical = memref::ExpandShapeOp::create(
        b, MemRefType::get(resultType.getShape(), resultType.getElementType()),
        frame.flat, all, outputShape);
    Value tensor = bufferization::ToTensorOp::create(
        b, resultType, logical, /*restrict=*/true, /*writable=*/true);
    op.replaceAllUsesWith(tensor);
    op.erase();
  }

  /// Decodes element by element into a buffer of the logical shape. Only
  /// for values that really must be materialized: matmul never calls this.
  /// Signed half-unit magnitude of element `kk` of row `row` of 4-bit
  /// codes: its nibble looked up in the block's dialect row.
  Value codeMagnitude(ImplicitLocOpBuilder &b, Value storage,
                      const PackedLayout &layout, const DecodeTables &tables,
                      Value dialect, Value row, Value kk) {
    Value byteIndex = arith::AddIOp::create(
        b, arith::MulIOp::create(b, row, cst(b, layout.codeBytesPerRow)),
        arith::DivUIOp::create(b, kk, cst(b, 2)));
    Value byte = memref::LoadOp::create(b, storage, byteIndex);
    Value shift = arith::IndexCastOp::create(
        b, b.getI8Type(),
        arith::MulIOp::create(b, arith::RemUIOp::create(b, kk, cst(b, 2)),
                              cst(b, 4)));
    Value code = arith::AndIOp::create(
        b, arith::ShRUIOp::create(b, byte, shift),
        arith::ConstantIntOp::create(b, b.getI8Type(), 15));
    Value codeIndex =
        arith::IndexCastUIOp::create(b, b.getIndexType(), code);
    return memref::LoadOp::create(b, tables.dialects,
                                  ValueRange{dialect, codeIndex});
  }

  /// Signed half-unit magnitude 2q of INT8 element `kk` of row `row`.
  Value int8HalfUnits(ImplicitLocOpBuilder &b, Value storage,
                      const PackedLayout &layout, Value row, Value kk) {
    Value byteIndex = arith::AddIOp::create(
        b, arith::MulIOp::create(b, row, cst(b, layout.codeBytesPerRow)), kk);
    Value code = memref::LoadOp::create(b, storage, byteIndex);
    Value level = arith::SIToFPOp::create(b, b.getF32Type(), code);
    return arith::MulFOp::create(
        b, level,
        arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(2.0f)));
  }

  LogicalResult lowerDequantize(DequantizeOp op) {
    auto type = cast<QuantizedTensorType>(op.getInput().getType());
    if (type.getBCQScheme())
      return lowerBCQDequantize(op);
    ImplicitLocOpBuilder b(op.getLoc(), op);
    FailureOr<Value> storage = getStorage(b, op, op.getInput());
    if (failed(storage))
      return failure();
    num::Scheme scheme = type.getBlockScheme().toNumerics();
    DequantizeFrame frame = beginDequantize(b, op);
    Type elementType = frame.resultType.getElementType();
    int64_t k = frame.k;
    PackedLayout layout = PackedLayout::build(b, frame.rows, k, scheme);
    DecodeTables tables = tablesFor(b, scheme);
    scf::ParallelOp::create(
        b, ValueRange{cst(b, 0)}, ValueRange{frame.rows}, ValueRange{cst(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value row = ivs[0];
          scf::ForOp::create(
              ib, cst(ib, 0), cst(ib, layout.blocksPerRow), cst(ib, 1),
              ValueRange{},
              [&](OpBuilder &bb, Location bl, Value block, ValueRange) {
                ImplicitLocOpBuilder jb(bl, bb);
                Value dialect = loadDialectId(jb, *storage, layout, row, block);
                Value halfScale = loadHalfScale(jb, *storage, layout, tables,
                                                scheme.scale, row, block);
                scf::ForOp::create(
                    jb, cst(jb, 0), cst(jb, scheme.blockSize), cst(jb, 1),
                    ValueRange{},
                    [&](OpBuilder &eb, Location el, Value e, ValueRange) {
                      ImplicitLocOpBuilder xb(el, eb);
                      Value kk = arith::AddIOp::create(
                          xb,
                          arith::MulIOp::create(xb, block,
                                                cst(xb, scheme.blockSize)),
                          e);
                      Value magnitude =
                          layout.codeBits == 8
                              ? int8HalfUnits(xb, *storage, layout, row, kk)
                              : codeMagnitude(xb, *storage, layout, tables,
                                              dialect, row, kk);
                      Value value =
                          arith::MulFOp::create(xb, magnitude, halfScale);
                      memref::StoreOp::create(
                          xb, fromF32(xb, value, elementType), frame.flat,
                          flatPosition(xb, frame, row, kk));
                      scf::YieldOp::create(xb);
                    });
                scf::YieldOp::create(jb);
              });
          scf::ReduceOp::create(ib);
        });
    finishDequantize(b, op, frame);
    return success();
  }

  /// BCQ: per (row, group), the 2^q values its bit combinations denote are
  /// computed once, exactly as the numerics core computes them (signed
  /// alphas summed in f64 in plane order, plus the offset, rounded once to
  /// f32), into a small table; each element then looks up its combination.
  /// Where rows are contiguous in the result, 8 elements (one byte of each
  /// plane; groups are whole bytes) go per vector: lane t takes bit t of
  /// every plane byte. Strided rows go one element at a time.
  LogicalResult lowerBCQDequantize(DequantizeOp op) {
    ImplicitLocOpBuilder b(op.getLoc(), op);
    auto type = cast<QuantizedTensorType>(op.getInput().getType());
    FailureOr<Value> storage = getStorage(b, op, op.getInput());
    if (failed(storage))
      return failure();
    num::BCQScheme scheme = type.getBCQScheme().toNumerics();
    DequantizeFrame frame = beginDequantize(b, op);
    Type elementType = frame.resultType.getElementType();
    int64_t k = frame.k, q = scheme.bits, group = scheme.group;
    int64_t groups = k / group, combos = int64_t(1) << q;
    BCQPackedLayout layout = BCQPackedLayout::build(b, frame.rows, k, scheme);
    int64_t lanes = frame.contiguousRows ? 8 : 1;
    Type i32 = b.getI32Type();
    FloatType f32 = b.getF32Type(), f64 = b.getF64Type();
    auto laneI32 = VectorType::get({lanes}, i32);
    auto laneF32 = VectorType::get({lanes}, f32);
    auto maskType = VectorType::get({lanes}, b.getI1Type());

    SmallVector<int32_t> laneBits;
    for (int64_t t = 0; t < lanes; ++t)
      laneBits.push_back(static_cast<int32_t>(t));
    Value laneShift = arith::ConstantOp::create(
        b, DenseElementsAttr::get(laneI32, ArrayRef<int32_t>(laneBits)));
    Value ones = arith::ConstantOp::create(
        b, DenseElementsAttr::get(laneI32, b.getI32IntegerAttr(1)));
    Value allLanes =
        vector::ConstantMaskOp::create(b, maskType, ArrayRef<int64_t>{lanes});
    Value zerosF32 = arith::ConstantOp::create(
        b, DenseElementsAttr::get(laneF32, b.getF32FloatAttr(0.0f)));

    scf::ParallelOp::create(
        b, ValueRange{cst(b, 0)}, ValueRange{frame.rows}, ValueRange{cst(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value row = ivs[0];
          Value values = memref::AllocaOp::create(
              ib, MemRefType::get({combos}, f32));
          scf::ForOp::create(
              ib, cst(ib, 0), cst(ib, groups), cst(ib, 1), ValueRange{},
              [&](OpBuilder &gb0, Location gl, Value g, ValueRange) {
                ImplicitLocOpBuilder gb(gl, gb0);
                SmallVector<Value> alphas;
                for (int64_t i = 0; i < q; ++i)
                  alphas.push_back(arith::ExtFOp::create(
                      gb, f64,
                      loadF32Bytes(gb, *storage,
                                   layout.alphaOffset(gb, row, g, i))));
                Value z = arith::ConstantFloatOp::create(gb, f64,
                                                         llvm::APFloat(0.0));
                if (scheme.offset)
                  z = arith::ExtFOp::create(
                      gb, f64,
                      loadF32Bytes(gb, *storage,
                                   layout.offsetOffset(gb, row, g)));
                for (int64_t combo = 0; combo < combos; ++combo) {
                  Value sum = arith::ConstantFloatOp::create(
                      gb, f64, llvm::APFloat(0.0));
                  for (int64_t i = 0; i < q; ++i)
                    sum = (combo >> i) & 1
                              ? Value(arith::AddFOp::create(gb, sum, alphas[i]))
                              : Value(arith::SubFOp::create(gb, sum, alphas[i]));
                  sum = arith::AddFOp::create(gb, sum, z);
                  memref::StoreOp::create(gb,
                                          arith::TruncFOp::create(gb, f32, sum),
                                          values, cst(gb, combo));
                }
                scf::ForOp::create(
                    gb, cst(gb, 0), cst(gb, group), cst(gb, lanes),
                    ValueRange{},
                    [&](OpBuilder &eb0, Location el, Value j, ValueRange) {
                      ImplicitLocOpBuilder eb(el, eb0);
                      Value kk = arith::AddIOp::create(
                          eb, arith::MulIOp::create(eb, g, cst(eb, group)), j);
                      Value byteInRow =
                          arith::DivUIOp::create(eb, kk, cst(eb, 8));
                      // Bit of the first lane (0 on the 8-lane path).
                      Value firstBit = arith::IndexCastOp::create(
                          eb, i32, arith::RemUIOp::create(eb, kk, cst(eb, 8)));
                      Value shifts = arith::AddIOp::create(
                          eb, laneShift,
                          vector::BroadcastOp::create(eb, laneI32, firstBit));
                      Value combo = arith::ConstantOp::create(
                          eb, DenseElementsAttr::get(laneI32,
                                                     eb.getI32IntegerAttr(0)));
                      for (int64_t i = 0; i < q; ++i) {
                        Value planeByte =
                            layout.planeByteOffset(eb, row, i, byteInRow);
                        Value byte = arith::ExtUIOp::create(
                            eb, i32,
                            memref::LoadOp::create(eb, *storage, planeByte));
                        Value bits = arith::AndIOp::create(
                            eb,
                            arith::ShRUIOp::create(
                                eb, vector::BroadcastOp::create(eb, laneI32, byte),
                                shifts),
                            ones);
                        combo = arith::OrIOp::create(
                            eb, combo,
                            arith::ShLIOp::create(
                                eb, bits,
                                arith::ConstantOp::create(
                                    eb, DenseElementsAttr::get(
                                            laneI32, eb.getI32IntegerAttr(i)))));
                      }
                      Value decoded = vector::GatherOp::create(
                          eb, laneF32, values, ValueRange{cst(eb, 0)}, combo,
                          allLanes, zerosF32);
                      if (!elementType.isF32())
                        decoded = arith::TruncFOp::create(
                            eb, VectorType::get({lanes}, elementType), decoded);
                      vector::StoreOp::create(eb, decoded, frame.flat,
                                              flatPosition(eb, frame, row, kk));
                      scf::YieldOp::create(eb);
                    });
                scf::YieldOp::create(gb);
              });
          scf::ReduceOp::create(ib);
        });
    finishDequantize(b, op, frame);
    return success();
  }
};

} // namespace
