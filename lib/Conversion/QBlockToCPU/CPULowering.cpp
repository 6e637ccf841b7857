//===- CPULowering.cpp - What the qblock-to-CPU lowerings share -----------===//
//
// The small IR builders of CPULowering.h and the members every lowering
// uses: the packed bytes and sizes of a quantized operand, decode tables,
// loops, and the output frame of matmul-like ops.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Support/DebugStringHelper.h"

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;
namespace num = ::qblock::numerics;

Value qblock::cpu::cst(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

void qblock::cpu::prefetchShare(ImplicitLocOpBuilder &b, Value storage,
                                Value start, int64_t bytes, Value index,
                                int64_t shares, Value lastByte,
                                int64_t locality) {
  // Rounded up, so a share of less than a byte still prefetches its line.
  // With c = ceil(bytes / shares), a share starts at most bytes - c into
  // the run (floor(bytes - bytes / shares) = bytes - c) and its last line
  // (lines - 1) * 64 < c bytes after its start: inside the run.
  int64_t lines = ((bytes + shares - 1) / shares + 63) / 64;
  Value first = arith::AddIOp::create(
      b, start,
      arith::DivUIOp::create(b, arith::MulIOp::create(b, index, cst(b, bytes)),
                             cst(b, shares)));
  for (int64_t line = 0; line < lines; ++line) {
    Value address = arith::AddIOp::create(b, first, cst(b, line * 64));
    if (lastByte)
      address = arith::MinSIOp::create(b, address, lastByte);
    memref::PrefetchOp::create(b, storage, ValueRange{address},
                               /*isWrite=*/false, locality,
                               /*isDataCache=*/true);
  }
}

void qblock::cpu::prefetchPackedRowsShare(
    ImplicitLocOpBuilder &b, Value storage, const PackedLayout &layout,
    Value firstRow, int64_t rows, Value index, int64_t shares,
    PrefetchRows rowsBound, int64_t locality) {
  Value lastByte;
  if (rowsBound == PrefetchRows::MayRunPast)
    lastByte = arith::SubIOp::create(b, layout.totalBytes, cst(b, 1));
  auto share = [&](Value arrayOffset, int64_t rowBytes) {
    prefetchShare(b, storage,
                  arith::AddIOp::create(
                      b, arrayOffset,
                      arith::MulIOp::create(b, firstRow, cst(b, rowBytes))),
                  rows * rowBytes, index, shares, lastByte, locality);
  };
  share(cst(b, 0), layout.codeBytesPerRow);
  share(layout.scalesOffset, layout.blocksPerRow * layout.scaleBytes);
  if (layout.hasDialects)
    share(layout.dialectsOffset, (layout.blocksPerRow + 1) / 2);
}

namespace {

/// A read-only memref view of a tensor. Only for packed weights: one-shot
/// bufferization does not order a to_buffer read against in-place writes
/// that follow it, so small operands go through snapshot() instead.
Value toBuffer(ImplicitLocOpBuilder &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return bufferization::ToBufferOp::create(b, memrefType, tensor,
                                           /*read_only=*/true);
}

} // namespace

SmallVector<Value> qblock::cpu::dimSizes(ImplicitLocOpBuilder &b,
                                         Value shaped) {
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

Value qblock::cpu::allocLike(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape,
                             Type elementType, ArrayRef<Value> sizes) {
  SmallVector<Value> dynamic;
  for (auto [dim, size] : llvm::zip(shape, sizes))
    if (ShapedType::isDynamic(dim))
      dynamic.push_back(size);
  return memref::AllocOp::create(b, MemRefType::get(shape, elementType),
                                 dynamic, b.getI64IntegerAttr(64));
}

Value qblock::cpu::snapshot(ImplicitLocOpBuilder &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value copy = allocLike(b, type.getShape(), type.getElementType(),
                         dimSizes(b, tensor));
  bufferization::MaterializeInDestinationOp::create(
      b, /*result=*/Type(), tensor, copy, /*restrict=*/true,
      /*writable=*/true);
  return copy;
}

Value qblock::cpu::toF32(ImplicitLocOpBuilder &b, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, b.getF32Type(), v);
}

Value qblock::cpu::fromF32(ImplicitLocOpBuilder &b, Value v, Type type) {
  if (type.isF32())
    return v;
  return arith::TruncFOp::create(b, type, v);
}

CPULowering::CPULowering(ModuleOp module, const TargetInfo &target,
                         StringRef targetOption, int64_t w4a4TileRows,
                         StringRef lutTables, bool kernelRemarks)
    : module(module), targetInfo(target), w4a4TileRows(w4a4TileRows),
      lutTables(lutTables.str()), targetOption(targetOption.str()),
      kernelRemarks(kernelRemarks),
      symbols(std::make_unique<SymbolTable>(module)) {}

FailureOr<Value> CPULowering::getStorage(ImplicitLocOpBuilder &b,
                                         Operation *user, Value quantized) {
  auto view = quantized.getDefiningOp<FromStorageOp>();
  if (!view)
    return user->emitOpError(
        "needs its quantized operand to come from qblock.constant, "
        "qblock.from_storage or qblock.quantize");
  return toBuffer(b, view.getStorage());
}

DecodeTables CPULowering::tablesFor(ImplicitLocOpBuilder &b,
                                    const num::Scheme &scheme) {
  return DecodeTables::get(b, module, *symbols, scheme);
}

SmallVector<Value> CPULowering::quantizedSizes(ImplicitLocOpBuilder &b,
                                               Value value) {
  if (auto it = logicalSizes.find(value); it != logicalSizes.end())
    return it->second;
  SmallVector<Value> sizes;
  for (int64_t dim : cast<QuantizedTensorType>(value.getType()).getShape()) {
    assert(!ShapedType::isDynamic(dim) && "checkSizesKnown first");
    sizes.push_back(cst(b, dim));
  }
  return sizes;
}

LogicalResult CPULowering::checkSizesKnown(Operation *user,
                                           Value value) const {
  auto type = cast<QuantizedTensorType>(value.getType());
  if (type.hasStaticShape() || logicalSizes.count(value))
    return success();
  return user->emitOpError()
         << "reads a quantized value of dynamic shape " << type
         << " whose sizes nothing gives: packed bytes (qblock.from_storage) "
            "do not say how many rows they hold; view them with a static "
            "shape";
}

// The GPU pipelines' generic loop nests come from this lowering too, so the
// message names no target (it said "no CPU lowering" under the GPU
// pipeline).
LogicalResult CPULowering::checkStaticWeightRows(Operation *user,
                                                 QuantizedTensorType weight) {
  int64_t rank = weight.getRank();
  bool transposed = weight.getAxis() == rank - 1;
  int64_t nDim = transposed ? rank - 2 : rank - 1;
  if (!weight.isDynamicDim(nDim))
    return success();
  return user->emitOpError()
         << "with a weight whose N (dimension " << nDim << ") is dynamic ("
         << weight << ") is not supported yet: the kernels tile the "
         << "weight's rows by its static N; give the weight a static N (a "
            "batch dimension may stay dynamic)";
}

void CPULowering::checkPackedWeightBytes(ImplicitLocOpBuilder &b, Operation *op,
                                         Value storage,
                                         QuantizedTensorType weight,
                                         const PackedLayout &layout) {
  if (!cast<MemRefType>(storage.getType()).isDynamicDim(0))
    return;
  Value bytes = memref::DimOp::create(b, storage, 0);
  emitSizeAssert(
      b, b.getLoc(), bytes, layout.totalBytes,
      runtimeCheckMessage(
          op, "the weight's packed bytes differ in size from what " +
                  debugString(weight) +
                  " needs with the activations' batch (docs/formats.md)"));
}

void CPULowering::forRange(
    ImplicitLocOpBuilder &b, Value lo, Value hi, int64_t step,
    llvm::function_ref<void(ImplicitLocOpBuilder &, Value)> body) {
  scf::ForOp::create(b, lo, hi, cst(b, step), ValueRange{},
                     [&](OpBuilder &ob, Location ol, Value iv, ValueRange) {
                       ImplicitLocOpBuilder xb(ol, ob);
                       body(xb, iv);
                       scf::YieldOp::create(xb);
                     });
}

SmallVector<Value> CPULowering::rowIndices(ImplicitLocOpBuilder &b, Value bm,
                                           bool batched, Value m) {
  if (!batched)
    return {bm};
  return {arith::DivUIOp::create(b, bm, m), arith::RemUIOp::create(b, bm, m)};
}

Value CPULowering::loadF16Bytes(ImplicitLocOpBuilder &b, Value storage,
                                Value byteOffset, Type wide) {
  return arith::ExtFOp::create(b, wide, loadF16(b, storage, byteOffset));
}

/// `tensor` with its elements widened (arith.extf) or narrowed
/// (arith.truncf, round to nearest even) to `element`, as a linalg.generic:
/// arith ops on whole tensors have no bufferization, so this keeps the
/// pass's output bufferizable on its own.
static Value convertElements(ImplicitLocOpBuilder &b, Value tensor,
                             Type element) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto resultType = type.clone(element);
  SmallVector<Value> dynamicSizes;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    if (type.isDynamicDim(dim))
      dynamicSizes.push_back(tensor::DimOp::create(b, tensor, dim));
  Value empty = tensor::EmptyOp::create(b, type.getShape(), element,
                                        dynamicSizes);
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  bool widen = element.getIntOrFloatBitWidth() >
               type.getElementType().getIntOrFloatBitWidth();
  auto generic = linalg::GenericOp::create(
      b, TypeRange{resultType}, ValueRange{tensor}, ValueRange{empty},
      ArrayRef<AffineMap>{identity, identity}, parallel,
      [&](OpBuilder &nb, Location loc, ValueRange args) {
        Value converted =
            widen ? Value(arith::ExtFOp::create(nb, loc, element, args[0]))
                  : Value(arith::TruncFOp::create(nb, loc, element, args[0]));
        linalg::YieldOp::create(nb, loc, converted);
      });
  return generic.getResult(0);
}

CPULowering::MatmulFrame CPULowering::beginMatmul(ImplicitLocOpBuilder &b,
                                                  Operation *op,
                                                  QuantizedTensorType rhsType,
                                                  Value init) {
  MatmulFrame frame;
  frame.resultType = cast<RankedTensorType>(op->getResult(0).getType());
  frame.rank = rhsType.getRank();
  frame.batched = frame.rank == 3;
  frame.k = rhsType.getAxisSize();
  ArrayRef<int64_t> rhsShape = rhsType.getShape();
  bool transposed = rhsType.getAxis() == frame.rank - 1;
  frame.n = transposed ? rhsShape[frame.rank - 2] : rhsShape[frame.rank - 1];
  frame.outSizes = dimSizes(b, init);
  // Kernels add partial sums into the output (per K chunk, per group...).
  // An f16/bf16 result would round every one of them, so they go into an
  // f32 copy of init instead, rounded once by finishMatmul.
  Value acc = init;
  if (!frame.resultType.getElementType().isF32())
    acc = convertElements(b, init, b.getF32Type());
  frame.out = allocLike(b, frame.resultType.getShape(), b.getF32Type(),
                        frame.outSizes);
  bufferization::MaterializeInDestinationOp::create(
      b, /*result=*/Type(), acc, frame.out, /*restrict=*/true,
      /*writable=*/true);
  frame.batch = frame.batched ? frame.outSizes[0] : cst(b, 1);
  return frame;
}

void CPULowering::finishMatmul(ImplicitLocOpBuilder &b, Operation *op,
                               const MatmulFrame &frame) {
  RankedTensorType resultType = frame.resultType;
  Value result = bufferization::ToTensorOp::create(
      b, resultType.clone(b.getF32Type()), frame.out, /*restrict=*/true,
      /*writable=*/true);
  if (!resultType.getElementType().isF32())
    result = convertElements(b, result, resultType.getElementType());
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
}

SmallVector<Value> CPULowering::outputIndex(const MatmulFrame &frame,
                                            Value batchIndex, Value m,
                                            Value n) {
  SmallVector<Value> index;
  if (frame.batched)
    index.push_back(batchIndex);
  index.push_back(m);
  index.push_back(n);
  return index;
}

void CPULowering::accumulate(ImplicitLocOpBuilder &b, const MatmulFrame &frame,
                             ArrayRef<Value> index, Value value) {
  Value old = memref::LoadOp::create(b, frame.out, index);
  memref::StoreOp::create(b, arith::AddFOp::create(b, old, value), frame.out,
                          index);
}
