//===- KernelBuilding.cpp - IR pieces the GPU kernels share ---------------===//

#include "KernelBuilding.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/xxhash.h"

using namespace mlir;

namespace qblock::gpukernel {

StringRef getOrCreateConstantTable(ImplicitLocOpBuilder &b, ModuleOp module,
                                   SymbolTable &symbols,
                                   DenseElementsAttr values, StringRef prefix) {
  ArrayRef<char> bytes = values.getRawData();
  uint64_t hash = llvm::xxh3_64bits(ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
  std::string name = (prefix + llvm::utohexstr(hash)).str();
  if (auto global = symbols.lookup<memref::GlobalOp>(name))
    return global.getSymName();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto type = cast<ShapedType>(values.getType());
  auto global = memref::GlobalOp::create(
      b, name, b.getStringAttr("private"),
      MemRefType::get(type.getShape(), type.getElementType()), values,
      /*constant=*/true, /*alignment=*/b.getI64IntegerAttr(64));
  symbols.insert(global);
  return global.getSymName();
}

void addToOutput(ImplicitLocOpBuilder &b, Value out, ValueRange index,
                 Value total, bool atomic) {
  if (atomic) {
    memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addf, total, out,
                                index);
    return;
  }
  Value old = memref::LoadOp::create(b, out, index);
  Type outElement = cast<MemRefType>(out.getType()).getElementType();
  if (!outElement.isF32()) {
    // init + sum in f32, rounded once to the output type.
    Value wide = arith::ExtFOp::create(b, b.getF32Type(), old);
    Value sum = arith::AddFOp::create(b, wide, total);
    memref::StoreOp::create(b, arith::TruncFOp::create(b, outElement, sum),
                            out, index);
    return;
  }
  memref::StoreOp::create(b, arith::AddFOp::create(b, old, total), out, index);
}

Value loadDialectId(ImplicitLocOpBuilder &b, Value buffer, Value offset,
                    Value block) {
  Value byte = memref::LoadOp::create(b, buffer, ValueRange{offset});
  Value shift = arith::IndexCastUIOp::create(
      b, b.getI8Type(),
      arith::MulIOp::create(
          b,
          arith::RemUIOp::create(b, block,
                                 arith::ConstantIndexOp::create(b, 2)),
          arith::ConstantIndexOp::create(b, 4)));
  return arith::AndIOp::create(
      b, arith::ShRUIOp::create(b, byte, shift),
      arith::ConstantIntOp::create(b, b.getI8Type(), 15));
}

Value loadHalfScale(ImplicitLocOpBuilder &b, Value buffer, Value offset,
                    numerics::ScaleKind kind, Value table, int64_t tableBase) {
  Value low = memref::LoadOp::create(b, buffer, ValueRange{offset});
  if (kind != numerics::ScaleKind::F16) {
    Value entry = arith::AddIOp::create(
        b, arith::ConstantIndexOp::create(b, tableBase),
        arith::IndexCastUIOp::create(b, b.getIndexType(), low));
    return memref::LoadOp::create(b, table, ValueRange{entry});
  }
  // F16, little endian: extf is exact, then the one multiply by 0.5 of
  // halfScale().
  Value high = memref::LoadOp::create(
      b, buffer,
      ValueRange{arith::AddIOp::create(b, offset,
                                       arith::ConstantIndexOp::create(b, 1))});
  Type i16 = b.getI16Type();
  Value low16 = arith::ExtUIOp::create(b, i16, low);
  Value high16 = arith::ExtUIOp::create(b, i16, high);
  Value bits = arith::OrIOp::create(
      b, low16,
      arith::ShLIOp::create(b, high16, arith::ConstantIntOp::create(b, i16, 8)));
  Value half = arith::BitcastOp::create(b, b.getF16Type(), bits);
  Value scale = arith::ExtFOp::create(b, b.getF32Type(), half);
  return arith::MulFOp::create(
      b, scale,
      arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(0.5f)));
}

} // namespace qblock::gpukernel
