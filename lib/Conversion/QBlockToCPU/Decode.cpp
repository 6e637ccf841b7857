//===- Decode.cpp - Decoding packed blocks in registers -------------------===//

#include "Decode.h"

#include "qblock/IR/QBlockOps.h"
#include "qblock/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/xxhash.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;

/// The global behind both getOrCreateTable overloads: `raw` (the values'
/// bytes) names it, `values` initializes it.
static Value getOrCreateConstantGlobal(ImplicitLocOpBuilder &b,
                                       ModuleOp module, SymbolTable &symbols,
                                       StringRef prefix,
                                       ArrayRef<uint8_t> raw,
                                       DenseElementsAttr values) {
  std::string name =
      (prefix + "_" + llvm::utohexstr(llvm::xxh3_64bits(raw))).str();
  auto type = MemRefType::get(values.getType().getShape(),
                              values.getType().getElementType());
  if (!symbols.lookup(name)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto global = memref::GlobalOp::create(
        b, name, b.getStringAttr("private"), type, values, /*constant=*/true,
        /*alignment=*/b.getI64IntegerAttr(64));
    symbols.insert(global);
  }
  return memref::GetGlobalOp::create(b, type, name);
}

Value qblock::cpu::getOrCreateTable(ImplicitLocOpBuilder &b, ModuleOp module,
                                   SymbolTable &symbols, StringRef prefix,
                                   ArrayRef<float> values,
                                   ArrayRef<int64_t> shape) {
  return getOrCreateConstantGlobal(
      b, module, symbols, prefix,
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                        values.size() * sizeof(float)),
      DenseElementsAttr::get(RankedTensorType::get(shape, b.getF32Type()),
                             values));
}

Value qblock::cpu::getOrCreateTable(ImplicitLocOpBuilder &b, ModuleOp module,
                                   SymbolTable &symbols, StringRef prefix,
                                   ArrayRef<int8_t> values,
                                   ArrayRef<int64_t> shape) {
  return getOrCreateConstantGlobal(
      b, module, symbols, prefix,
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                        values.size()),
      DenseElementsAttr::get(RankedTensorType::get(shape, b.getI8Type()),
                             values));
}

/// The contents of DecodeTables::dialects (16 x 16).
static std::vector<float> dialectRowValues(const numerics::Scheme &scheme) {
  std::vector<float> rows(16 * 16, std::numeric_limits<float>::quiet_NaN());
  for (int d = 0; d < scheme.book.size(); ++d)
    for (int code = 0; code < 16; ++code) {
      float magnitude = scheme.book.dialect(d)[code & 7];
      rows[d * 16 + code] = (code & 8) ? -magnitude : magnitude;
    }
  return rows;
}

/// The contents of DecodeTables::halfScales (256).
static std::vector<float> halfScaleValues(numerics::ScaleKind kind) {
  std::vector<float> halves(256);
  for (int code = 0; code < 256; ++code)
    halves[code] = numerics::halfScale(kind, code);
  return halves;
}

DecodeTables DecodeTables::get(ImplicitLocOpBuilder &b, ModuleOp module,
                               SymbolTable &symbols,
                               const numerics::Scheme &scheme) {
  DecodeTables tables;
  // INT8 codes are their own values: no dialect table to look them up in.
  if (!scheme.book.isInteger())
    tables.dialects = getOrCreateTable(b, module, symbols, "__qblock_dialects",
                                       dialectRowValues(scheme), {16, 16});
  if (scheme.scale != numerics::ScaleKind::F16)
    tables.halfScales = getOrCreateTable(
        b, module, symbols,
        scheme.scale == numerics::ScaleKind::E8M0 ? "__qblock_e8m0_half"
                                                  : "__qblock_e4m3_half",
        halfScaleValues(scheme.scale), {256});
  return tables;
}

Value qblock::cpu::getBF16DialectRows(ImplicitLocOpBuilder &b, ModuleOp module,
                                     SymbolTable &symbols,
                                     const numerics::Scheme &scheme) {
  if (scheme.book.isInteger())
    return {};
  const uint16_t bf16NaN = 0x7FC0;
  std::vector<uint16_t> bits(16 * 32, bf16NaN);
  // The f32 table's signed rows, each converted and stored twice.
  std::vector<float> rows = dialectRowValues(scheme);
  for (int d = 0; d < scheme.book.size(); ++d)
    for (int code = 0; code < 16; ++code) {
      llvm::APFloat value(rows[d * 16 + code]);
      bool lostInfo = false;
      value.convert(llvm::APFloat::BFloat(),
                    llvm::APFloat::rmNearestTiesToEven, &lostInfo);
      // A custom book's magnitude that bf16 cannot hold would make the
      // bf16 kernel disagree with the format; the f32 kernel handles it.
      if (lostInfo)
        return {};
      auto word = static_cast<uint16_t>(
          value.bitcastToAPInt().getZExtValue());
      bits[d * 32 + code] = word;
      bits[d * 32 + 16 + code] = word;
    }
  SmallVector<llvm::APFloat> values;
  for (uint16_t word : bits)
    values.push_back(
        llvm::APFloat(llvm::APFloat::BFloat(), llvm::APInt(16, word)));
  return getOrCreateConstantGlobal(
      b, module, symbols, "__qblock_dialects_bf16",
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bits.data()),
                        bits.size() * sizeof(uint16_t)),
      DenseElementsAttr::get(RankedTensorType::get({16, 32}, b.getBF16Type()),
                             values));
}

static Value indexConst(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

/// Loads one byte of the packed storage at a byte offset (index).
static Value loadByte(ImplicitLocOpBuilder &b, Value storage, Value offset) {
  return memref::LoadOp::create(b, storage, ValueRange{offset});
}

Value qblock::cpu::loadDialectId(ImplicitLocOpBuilder &b, Value storage,
                                 const PackedLayout &layout, Value row,
                                 Value block) {
  if (!layout.hasDialects)
    return indexConst(b, 0);
  Value offset = layout.dialectOffset(b, row, block);
  Value byte = loadByte(b, storage, offset);
  // Even blocks sit in the low nibble, odd blocks in the high one.
  Value odd = arith::RemUIOp::create(b, block, indexConst(b, 2));
  Value shift = arith::IndexCastOp::create(
      b, b.getI8Type(), arith::MulIOp::create(b, odd, indexConst(b, 4)));
  Value nibble = arith::AndIOp::create(
      b, arith::ShRUIOp::create(b, byte, shift),
      arith::ConstantIntOp::create(b, b.getI8Type(), 15));
  return arith::IndexCastUIOp::create(b, b.getIndexType(), nibble);
}

std::pair<Value, Value>
qblock::cpu::loadDialectIdPair(ImplicitLocOpBuilder &b, Value storage,
                               const PackedLayout &layout, Value row,
                               Value evenBlock) {
  if (!layout.hasDialects)
    return {indexConst(b, 0), indexConst(b, 0)};
  Value byte = loadByte(b, storage, layout.dialectOffset(b, row, evenBlock));
  auto nibble = [&](Value v) {
    return arith::IndexCastUIOp::create(
        b, b.getIndexType(),
        arith::AndIOp::create(
            b, v, arith::ConstantIntOp::create(b, b.getI8Type(), 15)));
  };
  return {nibble(byte),
          nibble(arith::ShRUIOp::create(
              b, byte, arith::ConstantIntOp::create(b, b.getI8Type(), 4)))};
}

Value qblock::cpu::halfScalesE8M0(ImplicitLocOpBuilder &b, Value codes) {
  auto type = cast<VectorType>(codes.getType());
  auto splat = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getI32IntegerAttr(v)));
  };
  // 2^(e - 128) has the biased exponent e - 1 for e >= 2; below that it is
  // the subnormal with bit 21 + e set (the shift is clamped so that the
  // unselected lanes stay defined).
  Value normal = arith::ShLIOp::create(
      b, arith::SubIOp::create(b, codes, splat(1)), splat(23));
  Value subnormal = arith::ShLIOp::create(
      b, splat(1 << 21), arith::MinUIOp::create(b, codes, splat(1)));
  Value bits = arith::SelectOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::uge, codes, splat(2)),
      normal, subnormal);
  bits = arith::SelectOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, codes, splat(255)),
      splat(0x7FC00000), bits);
  return arith::BitcastOp::create(
      b, VectorType::get(type.getShape(), b.getF32Type()), bits);
}

Value qblock::cpu::nanIfInfinite(ImplicitLocOpBuilder &b, Value scale) {
  // x - x is 0 for every finite x and NaN for an infinite (or NaN) one, so
  // x + (x - x) is x or NaN, in two float operations and no branch. No
  // fast-math flags: nothing may fold x - x to 0.
  Value zeroOrNaN = arith::SubFOp::create(b, scale, scale);
  return arith::AddFOp::create(b, scale, zeroOrNaN);
}

Value qblock::cpu::loadHalfScale(ImplicitLocOpBuilder &b, Value storage,
                                 const PackedLayout &layout,
                                 const DecodeTables &tables,
                                 numerics::ScaleKind kind, Value row,
                                 Value block) {
  if (kind != numerics::ScaleKind::F16)
    return memref::LoadOp::create(
        b, tables.halfScales,
        ValueRange{loadScaleCode(b, storage, layout, row, block)});
  return halfScaleOfF16(b,
                        loadF16(b, storage, layout.scaleOffset(b, row, block)));
}

Value qblock::cpu::loadF16(ImplicitLocOpBuilder &b, Value storage,
                           Value byteOffset) {
  Value lo = loadByte(b, storage, byteOffset);
  Value hi = loadByte(b, storage, arith::AddIOp::create(b, byteOffset,
                                                         indexConst(b, 1)));
  Type i16 = b.getI16Type();
  Value bits = arith::OrIOp::create(
      b, arith::ExtUIOp::create(b, i16, lo),
      arith::ShLIOp::create(b, arith::ExtUIOp::create(b, i16, hi),
                            arith::ConstantIntOp::create(b, i16, 8)));
  return arith::BitcastOp::create(b, b.getF16Type(), bits);
}

Value qblock::cpu::halfScaleOfF16(ImplicitLocOpBuilder &b, Value scales) {
  Type f32 = b.getF32Type();
  Type wide = f32;
  if (auto vector = dyn_cast<VectorType>(scales.getType()))
    wide = vector.clone(f32);
  Value scale = nanIfInfinite(b, arith::ExtFOp::create(b, wide, scales));
  Attribute half = b.getF32FloatAttr(0.5f);
  if (auto vector = dyn_cast<VectorType>(wide))
    half = DenseElementsAttr::get(vector, half);
  Value oneHalf = arith::ConstantOp::create(b, cast<TypedAttr>(half));
  return arith::MulFOp::create(b, scale, oneHalf);
}

int64_t BlockDecoder::chooseLanes(Target target, int64_t blockBytes) {
  int64_t preferred = target == Target::AVX512 ? 16 : 8;
  for (int64_t lanes = preferred; lanes > 1; lanes /= 2)
    if (blockBytes % lanes == 0)
      return lanes;
  return 1;
}

/// Whether the block row holds magnitudes only (8 lanes, sign applied
/// separately): AVX2's vpermps sees 3 index bits.
static bool usesMagnitudeRow(Target target, int64_t lanes) {
  return target != Target::Generic && lanes == 8;
}

BlockDecoder::Block BlockDecoder::begin(ImplicitLocOpBuilder &b,
                                        Value dialect,
                                        Value halfScale) const {
  int64_t size = usesMagnitudeRow(target, lanes) ? 8 : 16;
  auto rowType = VectorType::get({size}, b.getF32Type());
  Value row = vector::LoadOp::create(b, rowType, tables.dialects,
                                     ValueRange{dialect, indexConst(b, 0)});
  Value scaled = arith::MulFOp::create(
      b, row, vector::BroadcastOp::create(b, rowType, halfScale));
  return Block{scaled};
}

BlockDecoder::Block BlockDecoder::beginScaled(ImplicitLocOpBuilder &b,
                                              Value dialect,
                                              Value scaleCode) const {
  assert(tables.scaledRows && "getScaledRows first");
  // An AVX2 magnitude row is the first 8 entries of the signed row.
  int64_t size = usesMagnitudeRow(target, lanes) ? 8 : 16;
  auto rowType = VectorType::get({size}, b.getF32Type());
  return Block{
      vector::LoadOp::create(b, rowType, tables.scaledRows,
                             ValueRange{scaleCode, dialect, indexConst(b, 0)})};
}

int64_t DecodeTables::scaledRowCount(const numerics::Scheme &scheme) {
  if (scheme.book.isInteger() || scheme.scale == numerics::ScaleKind::F16)
    return 0;
  return scheme.book.dialectIdCount();
}

/// A block's scaled row is its dialect row times its half scale, one f32
/// multiply, so it depends on the (scale code, dialect) pair alone: 256 x 16
/// pairs, 256 KiB. Reading it precomputed takes the multiply out of the
/// per-block decode, which on AVX-512 is seven vector operations per 32
/// elements (zero-extend, shift, two vpermps, multiply, two FMAs) and bound
/// by their throughput; the load folds into vpermps.
/// bench/cpu/decode_variants.c measured 4.50 -> 4.05 cycles per block on
/// Zen 4, the same as dropping the scale. The products are those begin()
/// computes, so the decoded values are bit for bit the same.
///
/// Scale code outermost: a matrix's blocks use a few codes, and the rows of
/// one code lie together (1 KiB). Dialect outermost put the rows of a code
/// 16 KiB apart, all on one L1 set, and the GEMV ran 20% slower than with
/// the multiply.
///
/// The table lives in a module global, filled by the first call that needs
/// it: a 256 KiB fill per call (about 5 us on Zen 4) cost more than the
/// multiplies saved on a matrix of a million weights (N = 256, K = 4096).
/// (One difference from multiplying per block: the products of the two
/// subnormal E8M0 half scales, codes 0 and 1, are rounded under the
/// filling thread's denormal mode (MXCSR FTZ/DAZ) rather than each
/// worker's; with the default mode, as in every test, they are the same.)
///
/// Every matmul using the table calls one private function per table,
/// emitted with it (emitFillOnce), so a module carries the protocol once
/// however many matmuls read the table.
void DecodeTables::getScaledRows(ImplicitLocOpBuilder &b, ModuleOp module,
                                 SymbolTable &symbols,
                                 const numerics::Scheme &scheme) {
  int64_t rows = scaledRowCount(scheme);
  assert(rows > 0 && dialects && halfScales && "no 8-bit scale codes");
  // Named by what fills it: the dialect rows and the half scales.
  std::vector<float> contents = dialectRowValues(scheme);
  llvm::append_range(contents, halfScaleValues(scheme.scale));
  contents.push_back(float(rows));
  std::string name = "__qblock_scaled_rows_" +
                     llvm::utohexstr(llvm::xxh3_64bits(ArrayRef<uint8_t>(
                         reinterpret_cast<const uint8_t *>(contents.data()),
                         contents.size() * sizeof(float))));
  std::string stateName = name + "_state";
  std::string fillName = name + "_fill_once";
  auto tableType = MemRefType::get({256, rows, 16}, b.getF32Type());
  auto stateType = MemRefType::get({}, b.getI32Type());
  if (!symbols.lookup(name)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    symbols.insert(memref::GlobalOp::create(
        b, name, b.getStringAttr("private"), tableType,
        // Zeros (a splat, so the IR stays small): .bss, no bytes on disk.
        DenseElementsAttr::get(
            RankedTensorType::get(tableType.getShape(), b.getF32Type()),
            b.getF32FloatAttr(0.0f)),
        /*constant=*/false, /*alignment=*/b.getI64IntegerAttr(64)));
    symbols.insert(memref::GlobalOp::create(
        b, stateName, b.getStringAttr("private"), stateType,
        DenseElementsAttr::get(RankedTensorType::get({}, b.getI32Type()),
                               b.getI32IntegerAttr(0)),
        /*constant=*/false, /*alignment=*/IntegerAttr()));
    auto fill = func::FuncOp::create(b, fillName, b.getFunctionType({}, {}));
    fill.setPrivate();
    // Private is only MLIR visibility: func-to-llvm makes a function
    // external unless told otherwise. Internal, so that two shared
    // libraries built from modules with the same table cannot bind each
    // other's fill function (and one's table then stay zeros), and the CPU
    // feature guard, which checks every external function, skips it.
    fill->setAttr("llvm.linkage", LLVM::LinkageAttr::get(
                                      b.getContext(), LLVM::Linkage::Internal));
    symbols.insert(fill);
    ImplicitLocOpBuilder fb(b.getLoc(),
                            OpBuilder::atBlockBegin(fill.addEntryBlock()));
    DecodeTables fillTables = DecodeTables::get(fb, module, symbols, scheme);
    // One statement each: as call arguments their order (and the IR's)
    // would depend on the C++ compiler.
    Value table = memref::GetGlobalOp::create(fb, tableType, name);
    Value state = memref::GetGlobalOp::create(fb, stateType, stateName);
    fillTables.emitFillOnce(fb, table, state, rows);
    func::ReturnOp::create(fb);
  }
  func::CallOp::create(b, fillName, TypeRange{}, ValueRange{});
  scaledRows = memref::GetGlobalOp::create(b, tableType, name);
}

/// A state word makes the fill happen once even when several threads call
/// at once: 0 = empty, 1 = being filled, 2 = ready. A caller that reads 2
/// returns at once: one locked read-modify-write per call once the table is
/// ready. Otherwise the caller that moves the word from 0 to 1 fills and
/// publishes 2, and every caller waits for 2. The atomics order the fill
/// before every read (release by the store of 2, acquire by the read of
/// it).
void DecodeTables::emitFillOnce(ImplicitLocOpBuilder &b, Value table,
                                Value state, int64_t rows) const {
  auto i32 = [&](int32_t v) -> Value {
    return arith::ConstantIntOp::create(b, b.getI32Type(), v);
  };
  Value empty = i32(0), filling = i32(1), ready = i32(2);
  // memref has no plain atomic load: reads are an atomic `or 0`.
  auto readState = [&](ImplicitLocOpBuilder &rb) -> Value {
    return memref::AtomicRMWOp::create(rb, arith::AtomicRMWKind::ori, empty,
                                       state, ValueRange{});
  };
  auto notReady = [&](ImplicitLocOpBuilder &rb, Value now) -> Value {
    return arith::CmpIOp::create(rb, arith::CmpIPredicate::ne, now, ready);
  };
  auto rowType = VectorType::get({16}, b.getF32Type());
  Value zero = indexConst(b, 0);
  Value one = indexConst(b, 1);
  Value notYetReady = notReady(b, readState(b));
  scf::IfOp::create(b, notYetReady, [&](OpBuilder &ob, Location loc) {
    ImplicitLocOpBuilder nb(loc, ob);
    // Claim the fill: max(state, 1) moves 0 to 1 and leaves 1 and 2 alone.
    // (An atomic max rather than a compare-and-swap region: buffer
    // deallocation rejects memref.generic_atomic_rmw's region.)
    Value previous = memref::AtomicRMWOp::create(nb, arith::AtomicRMWKind::maxu,
                                                 filling, state, ValueRange{});
    Value claimed =
        arith::CmpIOp::create(nb, arith::CmpIPredicate::eq, previous, empty);
    scf::IfOp::create(nb, claimed, [&](OpBuilder &cb, Location cloc) {
      ImplicitLocOpBuilder fb(cloc, cb);
      scf::ForOp::create(
          fb, zero, indexConst(fb, rows), one, ValueRange{},
          [&](OpBuilder &db, Location dloc, Value dialect, ValueRange) {
            ImplicitLocOpBuilder rb(dloc, db);
            Value row = vector::LoadOp::create(rb, rowType, dialects,
                                               ValueRange{dialect, zero});
            scf::ForOp::create(
                rb, zero, indexConst(rb, 256), one, ValueRange{},
                [&](OpBuilder &sb, Location sloc, Value code, ValueRange) {
                  ImplicitLocOpBuilder ib(sloc, sb);
                  Value halfScale =
                      memref::LoadOp::create(ib, halfScales, ValueRange{code});
                  Value scaled = arith::MulFOp::create(
                      ib, row,
                      vector::BroadcastOp::create(ib, rowType, halfScale));
                  vector::StoreOp::create(ib, scaled, table,
                                          ValueRange{code, dialect, zero});
                  scf::YieldOp::create(ib);
                });
            scf::YieldOp::create(rb);
          });
      memref::AtomicRMWOp::create(fb, arith::AtomicRMWKind::assign, ready,
                                  state, ValueRange{});
      scf::YieldOp::create(fb);
    });
    // Wait until the table is ready (at once for the caller that filled it).
    scf::WhileOp::create(
        nb, TypeRange{}, ValueRange{},
        [&](OpBuilder &wb, Location wloc, ValueRange) {
          ImplicitLocOpBuilder ib(wloc, wb);
          scf::ConditionOp::create(ib, notReady(ib, readState(ib)),
                                   ValueRange{});
        },
        [&](OpBuilder &yb, Location yloc, ValueRange) {
          scf::YieldOp::create(yb, yloc);
        });
    scf::YieldOp::create(nb);
  });
}

Value qblock::cpu::loadScaleCode(ImplicitLocOpBuilder &b, Value storage,
                                 const PackedLayout &layout, Value row,
                                 Value block) {
  return arith::IndexCastUIOp::create(
      b, b.getIndexType(),
      loadByte(b, storage, layout.scaleOffset(b, row, block)));
}

Value BlockDecoder::lookup(ImplicitLocOpBuilder &b, const Block &block,
                           Value index) const {
  auto f32Type = VectorType::get({lanes}, b.getF32Type());
  auto i32Type = cast<VectorType>(index.getType());
  // The lookup reads only the low 4 (or 3) index bits, so bits of the other
  // nibble above them are harmless and need no mask.
  Value looked = LookupOp::create(b, block.scaledRow, index);
  if (!usesMagnitudeRow(target, lanes))
    return looked;
  // Code bit 3 is the sign: move it to bit 31 and flip the float's sign.
  auto splat = [&](int32_t v) {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(i32Type, b.getI32IntegerAttr(v)));
  };
  Value signBits = arith::ShLIOp::create(
      b, arith::AndIOp::create(b, index, splat(8)), splat(28));
  Value bits = arith::BitcastOp::create(b, i32Type, looked);
  return arith::BitcastOp::create(b, f32Type,
                                  arith::XOrIOp::create(b, bits, signBits));
}

std::pair<Value, Value> BlockDecoder::decodeBytes(ImplicitLocOpBuilder &b,
                                                  const Block &block,
                                                  Value bytes) const {
  auto i32Type = VectorType::get({lanes}, b.getI32Type());
  // One zero-extension serves both nibbles: the low one is read in place,
  // the high one after a shift.
  Value wide = arith::ExtUIOp::create(b, i32Type, bytes);
  Value high = arith::ShRUIOp::create(
      b, wide,
      arith::ConstantOp::create(
          b, DenseElementsAttr::get(i32Type, b.getI32IntegerAttr(4))));
  return {lookup(b, block, wide), lookup(b, block, high)};
}

BlockDecoder::Block BlockDecoder::beginPair(ImplicitLocOpBuilder &b,
                                            const Block &first,
                                            const Block &second) const {
  assert(lanes == 16 && "pairs fill 16-lane vectors with 16-entry rows");
  Value both =
      vector::ShuffleOp::create(b, first.scaledRow, second.scaledRow,
                                llvm::to_vector(llvm::seq<int64_t>(0, 32)));
  return Block{both};
}

std::pair<Value, Value>
BlockDecoder::decodePairBytes(ImplicitLocOpBuilder &b, const Block &pair,
                              Value bytes) const {
  auto i32Type = VectorType::get({16}, b.getI32Type());
  SmallVector<int32_t> halves;
  for (int64_t lane = 0; lane < 16; ++lane)
    halves.push_back(lane < 8 ? 0 : 16);
  // Constants first, one statement each, so the IR's order does not depend
  // on the C++ compiler's argument evaluation order.
  Value secondHalf = arith::ConstantOp::create(
      b, DenseElementsAttr::get(i32Type, ArrayRef<int32_t>(halves)));
  Value lowMask = arith::ConstantOp::create(
      b, DenseElementsAttr::get(i32Type, b.getI32IntegerAttr(15)));
  Value four = arith::ConstantOp::create(
      b, DenseElementsAttr::get(i32Type, b.getI32IntegerAttr(4)));
  Value wide = arith::ExtUIOp::create(b, i32Type, bytes);
  // Unlike decodeBytes, the low nibble is masked: bit 4 selects the block.
  Value low = arith::OrIOp::create(
      b, arith::AndIOp::create(b, wide, lowMask), secondHalf);
  Value high =
      arith::OrIOp::create(b, arith::ShRUIOp::create(b, wide, four), secondHalf);
  return {LookupOp::create(b, pair.scaledRow, low),
          LookupOp::create(b, pair.scaledRow, high)};
}

void qblock::cpu::lowerDotBytes(ImplicitLocOpBuilder &b, DotBytesOp op,
                                bool byteOps) {
  auto accType = cast<VectorType>(op.getAcc().getType());
  Value result;
  if (byteOps && accType.getNumElements() == 16) {
    result = LLVM::CallIntrinsicOp::create(
                 b, accType, b.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
                 ValueRange{op.getAcc(), op.getLhs(), op.getRhs()})
                 .getResult(0);
  } else {
    auto splat = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(
          b, DenseElementsAttr::get(accType, b.getI32IntegerAttr(v)));
    };
    Value lhs = vector::BitCastOp::create(b, accType, op.getLhs());
    Value rhs = vector::BitCastOp::create(b, accType, op.getRhs());
    result = op.getAcc();
    for (int64_t byte = 0; byte < 4; ++byte) {
      // Byte `byte` of each lane: unsigned from lhs, signed from rhs.
      Value u = arith::AndIOp::create(
          b, arith::ShRUIOp::create(b, lhs, splat(8 * byte)), splat(0xFF));
      Value top = byte == 3 ? rhs
                            : Value(arith::ShLIOp::create(
                                  b, rhs, splat(8 * (3 - byte))));
      Value s = arith::ShRSIOp::create(b, top, splat(24));
      result = arith::AddIOp::create(b, result, arith::MulIOp::create(b, u, s));
    }
  }
  op.replaceAllUsesWith(result);
  op.erase();
}

void qblock::cpu::lowerDotBF16(ImplicitLocOpBuilder &b, DotBF16Op op,
                               bool bf16Ops) {
  auto accType = cast<VectorType>(op.getAcc().getType());
  Value result;
  if (bf16Ops && accType.getNumElements() == 16) {
    result = LLVM::CallIntrinsicOp::create(
                 b, accType,
                 b.getStringAttr("llvm.x86.avx512bf16.dpbf16ps.512"),
                 ValueRange{op.getAcc(), op.getLhs(), op.getRhs()})
                 .getResult(0);
  } else {
    // Widened to f32 the products are exact (8-bit significands); the even
    // products are added first, then the odd ones.
    auto wideType = cast<VectorType>(op.getLhs().getType())
                        .clone(b.getF32Type());
    Value lhs = arith::ExtFOp::create(b, wideType, op.getLhs());
    Value rhs = arith::ExtFOp::create(b, wideType, op.getRhs());
    Value products = arith::MulFOp::create(b, lhs, rhs);
    SmallVector<int64_t> evens, odds;
    for (int64_t i = 0; i < accType.getNumElements(); ++i) {
      evens.push_back(2 * i);
      odds.push_back(2 * i + 1);
    }
    Value even = vector::ShuffleOp::create(b, products, products, evens);
    Value odd = vector::ShuffleOp::create(b, products, products, odds);
    result = arith::AddFOp::create(
        b, arith::AddFOp::create(b, op.getAcc(), even), odd);
  }
  op.replaceAllUsesWith(result);
  op.erase();
}

void qblock::cpu::lowerLookup(ImplicitLocOpBuilder &b, LookupOp op,
                              Target target, bool byteOps) {
  auto tableType = cast<VectorType>(op.getTable().getType());
  auto resultType = cast<VectorType>(op.getType());
  int64_t size = tableType.getNumElements();
  int64_t lanes = resultType.getNumElements();
  Type element = resultType.getElementType();
  Value result;
  bool bytes = element.isInteger(8);
  if (element.isBF16() && target == Target::AVX512 && size == 32 &&
      lanes == 32) {
    // vpermw (AVX512BW) on the table's bits: it reads index bits 0-4.
    auto wordType = VectorType::get({32}, b.getI16Type());
    Value table = vector::BitCastOp::create(b, wordType, op.getTable());
    Value words = LLVM::CallIntrinsicOp::create(
                      b, wordType,
                      b.getStringAttr("llvm.x86.avx512.permvar.hi.512"),
                      ValueRange{table, op.getIndices()})
                      .getResult(0);
    result = vector::BitCastOp::create(b, resultType, words);
  } else if (bytes && byteOps && lanes == 64) {
    result = LLVM::CallIntrinsicOp::create(
                 b, resultType, b.getStringAttr("llvm.x86.avx512.permvar.qi.512"),
                 ValueRange{op.getTable(), op.getIndices()})
                 .getResult(0);
  } else if (bytes && target != Target::Generic && size == 64 &&
             lanes % 32 == 0) {
    // No vpermb (AVX2, or AVX-512 without VBMI): vpshufb looks up 16-byte
    // tables per 128-bit lane. Each 16-entry quarter of the table goes to
    // both lanes and is looked up with index bits 0-3; bits 4 and 5 pick
    // the quarter (two levels of blends). Indices are reduced mod 64 first:
    // vpshufb zeroes lanes whose index has bit 7 set.
    auto chunkType = VectorType::get({32}, element);
    auto splat = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(
          b, DenseElementsAttr::get(chunkType, b.getI8IntegerAttr(v)));
    };
    SmallVector<Value> quarters;
    for (int64_t q = 0; q < 4; ++q) {
      SmallVector<int64_t> mask;
      for (int64_t lane = 0; lane < 2; ++lane)
        for (int64_t i = 0; i < 16; ++i)
          mask.push_back(16 * q + i);
      quarters.push_back(vector::ShuffleOp::create(b, op.getTable(),
                                                   op.getTable(), mask));
    }
    // Constants first, one statement each: nested in call arguments their
    // order (and so the IR's) would depend on the C++ compiler.
    Value mod64 = splat(63);
    Value zero = splat(0);
    Value bit4Mask = splat(16);
    Value bit5Mask = splat(32);
    result = arith::ConstantOp::create(
        b, DenseElementsAttr::get(resultType, b.getZeroAttr(element)));
    for (int64_t first = 0; first < lanes; first += 32) {
      Value slice = vector::ExtractStridedSliceOp::create(
          b, op.getIndices(), ArrayRef<int64_t>{first}, ArrayRef<int64_t>{32},
          ArrayRef<int64_t>{1});
      Value indices = arith::AndIOp::create(b, slice, mod64);
      SmallVector<Value> looked;
      for (Value quarter : quarters)
        looked.push_back(LLVM::CallIntrinsicOp::create(
                             b, chunkType,
                             b.getStringAttr("llvm.x86.avx2.pshuf.b"),
                             ValueRange{quarter, indices})
                             .getResult(0));
      auto bitSet = [&](Value mask) -> Value {
        Value bits = arith::AndIOp::create(b, indices, mask);
        return arith::CmpIOp::create(b, arith::CmpIPredicate::ne, bits, zero);
      };
      Value bit4 = bitSet(bit4Mask);
      Value bit5 = bitSet(bit5Mask);
      Value low = arith::SelectOp::create(b, bit4, looked[1], looked[0]);
      Value high = arith::SelectOp::create(b, bit4, looked[3], looked[2]);
      Value picked = arith::SelectOp::create(b, bit5, high, low);
      result = vector::InsertStridedSliceOp::create(
          b, picked, result, ArrayRef<int64_t>{first}, ArrayRef<int64_t>{1});
    }
  } else if (!bytes && target == Target::AVX512 && size == 16 && lanes == 16) {
    result = LLVM::CallIntrinsicOp::create(
                 b, resultType,
                 b.getStringAttr("llvm.x86.avx512.permvar.sf.512"),
                 ValueRange{op.getTable(), op.getIndices()})
                 .getResult(0);
  } else if (!bytes && target == Target::AVX512 && size == 32 && lanes == 16) {
    // Two 16-entry tables, index bit 4 picks one: vpermt2ps.
    auto half = [&](int64_t offset) -> Value {
      return vector::ExtractStridedSliceOp::create(
          b, op.getTable(), ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{16},
          ArrayRef<int64_t>{1});
    };
    Value low = half(0);
    Value high = half(16);
    result = LLVM::CallIntrinsicOp::create(
                 b, resultType,
                 b.getStringAttr("llvm.x86.avx512.vpermi2var.ps.512"),
                 ValueRange{low, op.getIndices(), high})
                 .getResult(0);
  } else if (!bytes && target != Target::Generic && size == 8 && lanes == 8) {
    result = LLVM::CallIntrinsicOp::create(
                 b, resultType, b.getStringAttr("llvm.x86.avx2.permps"),
                 ValueRange{op.getTable(), op.getIndices()})
                 .getResult(0);
  } else if (!bytes && target != Target::Generic && size == 16 &&
             lanes % 8 == 0) {
    // AVX2 has no 16-entry vpermps: per 8 lanes, look up both halves of the
    // table (index bits 0-2) and pick by index bit 3 (vblendvps). Without
    // this, LUT-GEMM's 16-lane lookups fell to the per-lane extracts below.
    auto halfTable = VectorType::get({8}, resultType.getElementType());
    auto halfIndex = VectorType::get({8}, b.getI32Type());
    auto half = [&](Value vector, int64_t offset) -> Value {
      return vector::ExtractStridedSliceOp::create(
          b, vector, ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{8},
          ArrayRef<int64_t>{1});
    };
    Value low = half(op.getTable(), 0);
    Value high = half(op.getTable(), 8);
    Value bit3 = arith::ConstantOp::create(
        b, DenseElementsAttr::get(halfIndex, b.getI32IntegerAttr(8)));
    Value zero = arith::ConstantOp::create(
        b, DenseElementsAttr::get(halfIndex, b.getI32IntegerAttr(0)));
    auto permute = [&](Value table, Value indices) -> Value {
      return LLVM::CallIntrinsicOp::create(
                 b, halfTable, b.getStringAttr("llvm.x86.avx2.permps"),
                 ValueRange{table, indices})
          .getResult(0);
    };
    result = arith::ConstantOp::create(
        b, DenseElementsAttr::get(resultType, b.getF32FloatAttr(0.0f)));
    for (int64_t first = 0; first < lanes; first += 8) {
      Value indices = half(op.getIndices(), first);
      Value inHigh = arith::CmpIOp::create(
          b, arith::CmpIPredicate::ne,
          arith::AndIOp::create(b, indices, bit3), zero);
      Value fromLow = permute(low, indices);
      Value fromHigh = permute(high, indices);
      Value picked = arith::SelectOp::create(b, inHigh, fromHigh, fromLow);
      result = vector::InsertStridedSliceOp::create(
          b, picked, result, ArrayRef<int64_t>{first}, ArrayRef<int64_t>{1});
    }
  }
  if (!result) {
    // Portable: one dynamic extract per lane.
    result = arith::ConstantOp::create(
        b, DenseElementsAttr::get(resultType, b.getZeroAttr(element)));
    Type indexType = op.getIndices().getType().getElementType();
    Value mask = arith::ConstantIntOp::create(b, indexType, size - 1);
    for (int64_t lane = 0; lane < lanes; ++lane) {
      Value index = vector::ExtractOp::create(b, op.getIndices(), lane);
      Value position = arith::IndexCastUIOp::create(
          b, b.getIndexType(), arith::AndIOp::create(b, index, mask));
      Value value = vector::ExtractOp::create(b, op.getTable(),
                                              ArrayRef<OpFoldResult>{position});
      result = vector::InsertOp::create(b, value, result, lane);
    }
  }
  op.replaceAllUsesWith(result);
  op.erase();
}
