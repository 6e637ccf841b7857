//===- KernelBuilding.cpp - IR pieces the GPU kernels share ---------------===//

#include "KernelBuilding.h"

#include "../QBlockToCPU/Decode.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/xxhash.h"

#include <cmath>

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

void copyToWorkgroup(ImplicitLocOpBuilder &b, Value global, Value shared,
                     Value tid, int64_t threads) {
  int64_t entries = cast<MemRefType>(shared.getType()).getDimSize(0);
  auto loop = scf::ForOp::create(b, tid,
                                 arith::ConstantIndexOp::create(b, entries),
                                 arith::ConstantIndexOp::create(b, threads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value i = loop.getInductionVar();
  Value v = memref::LoadOp::create(b, global, ValueRange{i});
  memref::StoreOp::create(b, v, shared, ValueRange{i});
}

void forEachSlab(ImplicitLocOpBuilder &b, Value m, int64_t slabRows,
                 llvm::function_ref<void(Value first, Value rows)> launch) {
  Value slab = arith::ConstantIndexOp::create(b, slabRows);
  auto loop =
      scf::ForOp::create(b, arith::ConstantIndexOp::create(b, 0), m, slab);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value first = loop.getInductionVar();
  Value rows =
      arith::MinUIOp::create(b, slab, arith::SubIOp::create(b, m, first));
  launch(first, rows);
}

Value dp4a(ImplicitLocOpBuilder &b, Value a, Value x, Value c) {
  auto bytes = [&](Value word) {
    Value one = vector::BroadcastOp::create(
        b, VectorType::get({1}, b.getI32Type()), word);
    return vector::BitCastOp::create(b, VectorType::get({4}, b.getI8Type()),
                                     one);
  };
  Value aBytes = bytes(a);
  Value xBytes = bytes(x);
  return NVVM::DotAccumulate4WayOp::create(
      b, b.getI32Type(), aBytes, NVVM::DotAccumulateType::SIGNED, xBytes,
      NVVM::DotAccumulateType::SIGNED, c);
}

std::optional<uint16_t> exactHalfBits(float value, bool bf16) {
  if (std::isnan(value))
    return bf16 ? 0x7FC0 : 0x7E00;
  llvm::APFloat converted(value);
  bool losesInfo = false;
  converted.convert(bf16 ? llvm::APFloat::BFloat() : llvm::APFloat::IEEEhalf(),
                    llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  if (losesInfo)
    return std::nullopt;
  return static_cast<uint16_t>(converted.bitcastToAPInt().getZExtValue());
}

float signedMagnitude(const numerics::FormatBook &book, int64_t d, int code) {
  if (d >= book.size())
    return std::nanf("");
  float magnitude = book.dialect(d)[code & 7];
  return (code & 8) ? -magnitude : magnitude;
}

StringRef getOrCreateDecodeTable(ImplicitLocOpBuilder &b, ModuleOp module,
                                 SymbolTable &symbols, ArrayRef<float> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getF32Type());
  return getOrCreateConstantTable(b, module, symbols,
                                  DenseElementsAttr::get(type, values),
                                  "__qblock_gpu_decode_");
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

Value paddingIdValid(ImplicitLocOpBuilder &b, const numerics::FormatBook &book,
                     Value id) {
  if (!id || book.size() >= book.dialectIdCount())
    return Value();
  return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, id,
                               arith::ConstantIndexOp::create(b, book.size()));
}

Value nanForPaddingId(ImplicitLocOpBuilder &b, const numerics::FormatBook &book,
                      Value id, Value value) {
  Value valid = paddingIdValid(b, book, id);
  if (!valid)
    return value;
  Value nan = arith::ConstantFloatOp::create(
      b, b.getF32Type(), llvm::APFloat::getQNaN(llvm::APFloat::IEEEsingle()));
  return arith::SelectOp::create(b, valid, value, nan);
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
  scale = cpu::nanIfInfinite(b, scale);
  return arith::MulFOp::create(
      b, scale,
      arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(0.5f)));
}

} // namespace qblock::gpukernel
