//===- PackedLayout.cpp - Packed storage offsets as IR values -------------===//

#include "PackedLayout.h"

#include "qblock/Numerics/Layout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;

/// (bytes + 63) / 64 * 64, the alignment of every array in the layout.
static Value alignUp(ImplicitLocOpBuilder &b, Value bytes) {
  Value align = arith::ConstantIndexOp::create(b, numerics::kArrayAlignment);
  Value bump = arith::ConstantIndexOp::create(b, numerics::kArrayAlignment - 1);
  Value sum = arith::AddIOp::create(b, bytes, bump);
  return arith::MulIOp::create(b, arith::DivUIOp::create(b, sum, align), align);
}

PackedLayout PackedLayout::build(ImplicitLocOpBuilder &b, Value rows, int64_t k,
                                 const numerics::Scheme &scheme) {
  PackedLayout layout;
  layout.k = k;
  layout.blockSize = scheme.blockSize;
  layout.blocksPerRow = k / scheme.blockSize;
  layout.scaleBytes = numerics::scaleBytes(scheme.scale);
  layout.hasDialects = scheme.book.storesDialectIds();
  layout.codeBits = scheme.book.codeBits();
  layout.codeBytesPerRow = k * layout.codeBits / 8;
  layout.rows = rows;
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value codesBytes = arith::MulIOp::create(b, rows, cst(layout.codeBytesPerRow));
  layout.dialectBytesPerRow =
      cst(layout.hasDialects ? (layout.blocksPerRow + 1) / 2 : 0);
  layout.dialectsOffset = alignUp(b, codesBytes);
  Value dialectsEnd = arith::AddIOp::create(
      b, layout.dialectsOffset,
      arith::MulIOp::create(b, rows, layout.dialectBytesPerRow));
  layout.scalesOffset = alignUp(b, dialectsEnd);
  Value scalesBytes = arith::MulIOp::create(
      b, rows, cst(layout.blocksPerRow * layout.scaleBytes));
  layout.totalBytes =
      alignUp(b, arith::AddIOp::create(b, layout.scalesOffset, scalesBytes));
  return layout;
}

Value PackedLayout::scaleOffset(ImplicitLocOpBuilder &b, Value row,
                                Value block) const {
  Value index = arith::AddIOp::create(
      b,
      arith::MulIOp::create(b, row,
                            arith::ConstantIndexOp::create(b, blocksPerRow)),
      block);
  return arith::AddIOp::create(
      b, scalesOffset,
      arith::MulIOp::create(b, index,
                            arith::ConstantIndexOp::create(b, scaleBytes)));
}

Value PackedLayout::dialectOffset(ImplicitLocOpBuilder &b, Value row,
                                  Value block) const {
  return arith::AddIOp::create(
      b, dialectsOffset,
      arith::AddIOp::create(
          b, arith::MulIOp::create(b, row, dialectBytesPerRow),
          arith::DivUIOp::create(b, block,
                                 arith::ConstantIndexOp::create(b, 2))));
}

BCQPackedLayout BCQPackedLayout::build(ImplicitLocOpBuilder &b, Value rows,
                                       int64_t k,
                                       const numerics::BCQScheme &scheme) {
  BCQPackedLayout layout;
  layout.k = k;
  layout.bits = scheme.bits;
  layout.group = scheme.group;
  layout.groupsPerRow = k / scheme.group;
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value planesBytes = arith::MulIOp::create(b, rows, cst(scheme.bits * (k / 8)));
  layout.alphasOffset = alignUp(b, planesBytes);
  Value alphasBytes = arith::MulIOp::create(
      b, rows,
      cst(layout.groupsPerRow * scheme.bits * numerics::kBCQParamBytes));
  layout.offsetsOffset =
      alignUp(b, arith::AddIOp::create(b, layout.alphasOffset, alphasBytes));
  return layout;
}

Value BCQPackedLayout::planeByteOffset(ImplicitLocOpBuilder &b, Value row,
                                       int64_t plane, Value byteInRow) const {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value planeRow =
      arith::AddIOp::create(b, arith::MulIOp::create(b, row, cst(bits)),
                            cst(plane));
  return arith::AddIOp::create(
      b, arith::MulIOp::create(b, planeRow, cst(k / 8)), byteInRow);
}

Value BCQPackedLayout::alphaOffset(ImplicitLocOpBuilder &b, Value row,
                                   Value group, int64_t plane) const {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value groupIndex = arith::AddIOp::create(
      b, arith::MulIOp::create(b, row, cst(groupsPerRow)), group);
  Value alphaIndex = arith::AddIOp::create(
      b, arith::MulIOp::create(b, groupIndex, cst(bits)), cst(plane));
  return arith::AddIOp::create(
      b, alphasOffset,
      arith::MulIOp::create(b, alphaIndex, cst(numerics::kBCQParamBytes)));
}

Value BCQPackedLayout::offsetOffset(ImplicitLocOpBuilder &b, Value row,
                                    Value group) const {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value groupIndex = arith::AddIOp::create(
      b, arith::MulIOp::create(b, row, cst(groupsPerRow)), group);
  return arith::AddIOp::create(
      b, offsetsOffset,
      arith::MulIOp::create(b, groupIndex, cst(numerics::kBCQParamBytes)));
}
