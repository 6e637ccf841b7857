//===- Dequantize.cpp - qblock.dequantize on CPUs -------------------------===//
//
// Materializes a quantized value as floats, for the uses that really need
// them (matmuls never do): block formats element by element through the
// dialect tables, BCQ through a per-group table of the 2^q values its bit
// combinations denote.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;
namespace num = ::qblock::numerics;

CPULowering::DequantizeFrame
CPULowering::beginDequantize(ImplicitLocOpBuilder &b, DequantizeOp op) {
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
  // A size the quantized input leaves dynamic but the result fixes is
  // checked: the loops run over the input's sizes and write the result.
  for (int64_t d = 0; d < rank; ++d) {
    if (!type.isDynamicDim(d) || frame.resultType.isDynamicDim(d))
      continue;
    emitSizeAssert(
        b, b.getLoc(), frame.sizes[d], cst(b, frame.resultType.getDimSize(d)),
        runtimeCheckMessage(op, ("the quantized input's dimension " + Twine(d) +
                                 " differs from the result's size " +
                                 Twine(frame.resultType.getDimSize(d)))
                                    .str()));
  }
  // The result is allocated in its logical shape and written through a
  // flat collapse_shape view. (Allocating flat and expanding afterwards
  // crashes upstream expand-strided-metadata when two or more dimensions
  // are dynamic.)
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (frame.resultType.isDynamicDim(d))
      dynamicSizes.push_back(frame.sizes[d]);
  frame.logical = memref::AllocOp::create(
      b,
      MemRefType::get(frame.resultType.getShape(),
                      frame.resultType.getElementType()),
      dynamicSizes, b.getI64IntegerAttr(64));
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < rank; ++d)
    all[0].push_back(d);
  frame.flat = memref::CollapseShapeOp::create(b, frame.logical, all);
  return frame;
}

/// The flat position of element kk of packed row `row`.
Value CPULowering::flatPosition(ImplicitLocOpBuilder &b,
                                const DequantizeFrame &f, Value row, Value kk) {
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
void CPULowering::finishDequantize(ImplicitLocOpBuilder &b, DequantizeOp op,
                                   const DequantizeFrame &frame) {
  Value tensor = bufferization::ToTensorOp::create(
      b, frame.resultType, frame.logical, /*restrict=*/true,
      /*writable=*/true);
  op.replaceAllUsesWith(tensor);
  op.erase();
}

/// Decodes element by element into a buffer of the logical shape. Only
/// for values that really must be materialized: matmul never calls this.
/// Signed half-unit magnitude of element `kk` of row `row` of 4-bit
/// codes: its nibble looked up in the block's dialect row.
Value CPULowering::codeMagnitude(ImplicitLocOpBuilder &b, Value storage,
                                 const PackedLayout &layout,
                                 const DecodeTables &tables, Value dialect,
                                 Value row, Value kk) {
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
Value CPULowering::int8HalfUnits(ImplicitLocOpBuilder &b, Value storage,
                                 const PackedLayout &layout, Value row,
                                 Value kk) {
  Value byteIndex = arith::AddIOp::create(
      b, arith::MulIOp::create(b, row, cst(b, layout.codeBytesPerRow)), kk);
  Value code = memref::LoadOp::create(b, storage, byteIndex);
  Value level = arith::SIToFPOp::create(b, b.getF32Type(), code);
  return arith::MulFOp::create(
      b, level,
      arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(2.0f)));
}

LogicalResult CPULowering::lowerDequantize(DequantizeOp op) {
  if (failed(checkSizesKnown(op, op.getInput())))
    return failure();
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
LogicalResult CPULowering::lowerBCQDequantize(DequantizeOp op) {
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
                alphas.push_back(loadF16Bytes(
                    gb, *storage, layout.alphaOffset(gb, row, g, i), f64));
              Value z = arith::ConstantFloatOp::create(gb, f64,
                                                       llvm::APFloat(0.0));
              if (scheme.offset)
                z = loadF16Bytes(gb, *storage, layout.offsetOffset(gb, row, g),
                                 f64);
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
