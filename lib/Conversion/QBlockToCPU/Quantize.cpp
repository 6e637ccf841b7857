//===- Quantize.cpp - Run-time block quantization on CPUs -----------------===//
//
// The IR for qblock.quantize of a value known only at run time. It mirrors
// numerics::quantizeBlock step for step (scale rule, half-unit magnitudes,
// rounding by midpoint counts, MSE sums in f64, two-stage votes), so packed
// bytes match the numerics core exactly. One parallel task per row and pair
// of blocks: the two blocks of a pair share their dialect-id byte, so each
// byte is written by one task and needs no synchronization.
//
//===----------------------------------------------------------------------===//

#include "Quantize.h"

#include "Decode.h"

#include "qblock/Numerics/Layout.h"
#include "qblock/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;
namespace num = ::qblock::numerics;

namespace {

Value idx(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}
Value i32c(ImplicitLocOpBuilder &b, int32_t v) {
  return arith::ConstantIntOp::create(b, b.getI32Type(), v);
}
Value f32c(ImplicitLocOpBuilder &b, float v) {
  return arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(v));
}

/// The rounding tables of a book: levels[d][i], midpoint sums
/// sums[d][i] = level_i + level_{i+1} (an element rounds to index
/// #{i : 2t > sums[d][i]}, ties going down), tops[d] = largest level.
struct BookTables {
  Value levels, sums, tops;
  int numDialects;
};

BookTables getBookTables(ImplicitLocOpBuilder &b, ModuleOp module,
                         SymbolTable &symbols, const num::FormatBook &book) {
  std::vector<float> levels, sums, tops;
  for (const num::DialectTable &table : book.dialects()) {
    for (int i = 0; i < 8; ++i)
      levels.push_back(table[i]);
    for (int i = 0; i < 7; ++i)
      sums.push_back(table[i] + table[i + 1]);
    tops.push_back(table[7]);
  }
  int64_t n = book.size();
  return BookTables{
      getOrCreateTable(b, module, symbols, "__qblock_levels", levels, {n, 8}),
      getOrCreateTable(b, module, symbols, "__qblock_midsums", sums, {n, 7}),
      getOrCreateTable(b, module, symbols, "__qblock_tops", tops, {n}), book.size()};
}

/// The seven midpoint sums of dialect `d`.
SmallVector<Value> midpointSums(ImplicitLocOpBuilder &b,
                                const BookTables &tables, Value d) {
  SmallVector<Value> sums;
  for (int64_t i = 0; i < 7; ++i)
    sums.push_back(
        memref::LoadOp::create(b, tables.sums, ValueRange{d, idx(b, i)}));
  return sums;
}

/// #{i : twiceT > sums[i]}: the index of the nearest level (ties down), as
/// i32, for a scalar twiceT or lane by lane for a vector (with `sums`
/// broadcast to its shape).
Value countAbove(ImplicitLocOpBuilder &b, Value twiceT, ArrayRef<Value> sums) {
  Type i32 = b.getI32Type();
  if (auto vector = dyn_cast<VectorType>(twiceT.getType()))
    i32 = VectorType::get(vector.getShape(), i32);
  Value count =
      arith::ConstantOp::create(b, i32, b.getZeroAttr(i32)).getResult();
  for (Value sum : sums) {
    Value above =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, twiceT, sum);
    count = arith::AddIOp::create(b, count, arith::ExtUIOp::create(b, i32, above));
  }
  return count;
}

/// Index (i32) of the level of dialect `d` nearest to half-unit magnitude t.
Value roundIndex(ImplicitLocOpBuilder &b, const BookTables &tables, Value d,
                 Value twiceT) {
  return countAbove(b, twiceT, midpointSums(b, tables, d));
}

Value levelAt(ImplicitLocOpBuilder &b, const BookTables &tables, Value d,
              Value index32) {
  Value index = arith::IndexCastUIOp::create(b, b.getIndexType(), index32);
  return memref::LoadOp::create(b, tables.levels, ValueRange{d, index});
}

/// E8M0 scale code (i32) of a finite, non-zero amax:
/// clamp(floor(log2(amax)) - offset, -127, 127) + 127, exact for subnormals.
Value e8m0Code(ImplicitLocOpBuilder &b, Value amax, int offset) {
  Value bits = arith::BitcastOp::create(b, b.getI32Type(), amax);
  Value field = arith::ShRUIOp::create(b, bits, i32c(b, 23));
  Value normalLog2 = arith::SubIOp::create(b, field, i32c(b, 127));
  // Subnormal: the leading one of the mantissa sets the exponent.
  Value leading = math::CountLeadingZerosOp::create(b, bits);
  Value subnormalLog2 = arith::SubIOp::create(
      b, arith::SubIOp::create(b, i32c(b, 31), leading), i32c(b, 149));
  Value isSubnormal = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, field,
                                            i32c(b, 0));
  Value log2 =
      arith::SelectOp::create(b, isSubnormal, subnormalLog2, normalLog2);
  Value e = arith::SubIOp::create(b, log2, i32c(b, offset));
  e = arith::MaxSIOp::create(b, e, i32c(b, -127));
  e = arith::MinSIOp::create(b, e, i32c(b, 127));
  return arith::AddIOp::create(b, e, i32c(b, 127));
}

/// 2^exponent as an f32, built from its exponent field (exponent an i32 in
/// -126..127).
Value powerOfTwo(ImplicitLocOpBuilder &b, Value exponent) {
  Value field = arith::AddIOp::create(b, exponent, i32c(b, 127));
  return arith::BitcastOp::create(
      b, b.getF32Type(), arith::ShLIOp::create(b, field, i32c(b, 23)));
}

/// E4M3 scale code (i32) and its value of a finite, non-negative target
/// (amax / maxValue), as numerics::floatToE4M3 encodes it: with
/// e = max(floor(log2 target), -6), the code is ((e + 6) << 3) +
/// roundeven(target * 2^(3 - e)) (a rounding carry moves into the next
/// binade; e = -6 covers the subnormals), saturated at 0x7E (448). Scaling
/// by powers of two is exact, so there is one rounding, as in the core.
std::pair<Value, Value> e4m3Code(ImplicitLocOpBuilder &b, Value target) {
  Value bits = arith::BitcastOp::create(b, b.getI32Type(), target);
  Value field = arith::ShRUIOp::create(b, bits, i32c(b, 23));
  // f32 subnormals and zero give -127, below the clamp.
  Value e = arith::MaxSIOp::create(
      b, arith::SubIOp::create(b, field, i32c(b, 127)), i32c(b, -6));
  // e <= 127 (target finite), so 3 - e >= -124; e >= -6, so 3 - e <= 9.
  Value quanta = math::RoundEvenOp::create(
      b, arith::MulFOp::create(
             b, target,
             powerOfTwo(b, arith::SubIOp::create(b, i32c(b, 3), e))));
  // quanta is at most 16: a carry into the next binade.
  Value code = arith::AddIOp::create(
      b,
      arith::ShLIOp::create(b, arith::AddIOp::create(b, e, i32c(b, 6)),
                            i32c(b, 3)),
      arith::FPToSIOp::create(b, b.getI32Type(), quanta));
  Value saturated = arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, code,
                                          i32c(b, 0x7E));
  code = arith::SelectOp::create(b, saturated, i32c(b, 0x7E), code);
  // The code's value: quanta * 2^(e - 3) (e - 3 in -9..124), or 448 when
  // saturated.
  Value value = arith::MulFOp::create(
      b, quanta,
      powerOfTwo(b, arith::SubIOp::create(b, e, i32c(b, 3))));
  value = arith::SelectOp::create(b, saturated, f32c(b, 448.0f), value);
  return {code, value};
}

using LoadFn = llvm::function_ref<Value(ImplicitLocOpBuilder &, Value)>;

/// `value` (a scalar) as the shape of `like`: itself, or broadcast to
/// `like`'s vector shape. The quantizer's element loops are written once
/// for scalars and for vectors of kQuantizeLanes with this.
Value shapedLike(ImplicitLocOpBuilder &b, Value value, Value like) {
  auto vector = dyn_cast<VectorType>(like.getType());
  if (!vector)
    return value;
  return vector::BroadcastOp::create(
      b, VectorType::get(vector.getShape(), value.getType()), value);
}

/// Loads `lanes` consecutive elements (1: a scalar) of `buffer` at `index`.
Value loadLanes(ImplicitLocOpBuilder &b, Value buffer, Value index,
                int64_t lanes) {
  if (lanes == 1)
    return memref::LoadOp::create(b, buffer, ValueRange{index});
  auto type = VectorType::get(
      {lanes}, cast<MemRefType>(buffer.getType()).getElementType());
  return vector::LoadOp::create(b, type, buffer, ValueRange{index});
}

void storeLanes(ImplicitLocOpBuilder &b, Value value, Value buffer,
                Value index) {
  if (isa<VectorType>(value.getType()))
    vector::StoreOp::create(b, value, buffer, ValueRange{index});
  else
    memref::StoreOp::create(b, value, buffer, ValueRange{index});
}

/// Half-unit magnitudes t = |x| / halfScale of a scalar or vector x, as the
/// numerics core rounds them: exactly in f64 for power-of-two scales
/// (toHalfUnits is then the f64 2^(1-e)), one f32 division otherwise
/// (toHalfUnits is the scale; a zero scale gives t = 0).
Value halfUnits(ImplicitLocOpBuilder &b, Value x, Value toHalfUnits,
                bool isE8M0) {
  Value a = math::AbsFOp::create(b, x);
  if (isE8M0) {
    Type f64 = b.getF64Type();
    if (auto vector = dyn_cast<VectorType>(x.getType()))
      f64 = VectorType::get(vector.getShape(), f64);
    return arith::TruncFOp::create(
        b, a.getType(),
        arith::MulFOp::create(b, arith::ExtFOp::create(b, f64, a),
                              shapedLike(b, toHalfUnits, a)));
  }
  Value scale = shapedLike(b, toHalfUnits, a);
  Value q = arith::MulFOp::create(b, arith::DivFOp::create(b, a, scale),
                                  shapedLike(b, f32c(b, 2.0f), a));
  Value scaleIsZero = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ,
                                            toHalfUnits, f32c(b, 0.0f));
  return arith::SelectOp::create(b, scaleIsZero,
                                 shapedLike(b, f32c(b, 0.0f), a), q);
}

/// Lanes of the vectorized quantizer loops (one AVX-512 register of f32).
constexpr int64_t kQuantizeLanes = 16;

/// Two-stage's stage 1 given the truncated block maximum (f32): the
/// largest dialect maximum not above it, or the smallest maximum if none
/// is. Dialects with that maximum are the candidates.
Value candidateMaximum(ImplicitLocOpBuilder &b, const BookTables &tables,
                       Value truncated) {
  auto maxima = scf::ForOp::create(
      b, idx(b, 0), idx(b, tables.numDialects), idx(b, 1),
      ValueRange{f32c(b, -1.0f), f32c(b, 1e9f)},
      [&](OpBuilder &nb, Location loc, Value d, ValueRange acc) {
        ImplicitLocOpBuilder ib(loc, nb);
        Value top = memref::LoadOp::create(ib, tables.tops, d);
        Value fits = arith::CmpFOp::create(ib, arith::CmpFPredicate::OLE, top,
                                           truncated);
        Value chosen = arith::SelectOp::create(
            ib, fits, arith::MaxNumFOp::create(ib, acc[0], top), acc[0]);
        scf::YieldOp::create(
            ib, ValueRange{chosen, arith::MinNumFOp::create(ib, acc[1], top)});
      });
  Value none = arith::CmpFOp::create(b, arith::CmpFPredicate::OLT,
                                     maxima.getResult(0), f32c(b, 0.0f));
  return arith::SelectOp::create(b, none, maxima.getResult(1),
                                 maxima.getResult(0));
}

/// Two-stage's last step: the candidate (top magnitude == chosenMax) with
/// the most votes (memref<16xi32>); ties keep the lower id.
Value mostVotes(ImplicitLocOpBuilder &b, const BookTables &tables, Value votes,
                Value chosenMax) {
  auto best = scf::ForOp::create(
      b, idx(b, 0), idx(b, tables.numDialects), idx(b, 1),
      ValueRange{idx(b, 0), i32c(b, -1)},
      [&](OpBuilder &nb, Location loc, Value d, ValueRange acc) {
        ImplicitLocOpBuilder ib(loc, nb);
        Value count = memref::LoadOp::create(ib, votes, d);
        Value candidate = arith::CmpFOp::create(
            ib, arith::CmpFPredicate::OEQ,
            memref::LoadOp::create(ib, tables.tops, d), chosenMax);
        Value better = arith::AndIOp::create(
            ib, candidate,
            arith::CmpIOp::create(ib, arith::CmpIPredicate::sgt, count, acc[1]));
        scf::YieldOp::create(
            ib, ValueRange{arith::SelectOp::create(ib, better, d, acc[0]),
                           arith::SelectOp::create(ib, better, count, acc[1])});
      });
  return best.getResult(0);
}

/// Two-stage selection with the elements in vectors of kQuantizeLanes (the
/// block size is a multiple of it): per lane, the same comparisons and
/// float operations as the scalar loop below, so the same dialect wins. A
/// lane's nearest level in dialect d is found by comparing 2t with d's
/// midpoint sums in increasing order (the last sum below 2t names it), and
/// a dialect's votes are the lanes that chose it uniquely, counted per
/// vector.
Value selectTwoStageVector(ImplicitLocOpBuilder &b, const num::Scheme &scheme,
                           const BookTables &tables, Value t) {
  int64_t n = scheme.blockSize, dialects = tables.numDialects;
  FloatType f32 = b.getF32Type();
  Type i32 = b.getI32Type(), i1 = b.getI1Type();
  auto lanesF32 = VectorType::get({kQuantizeLanes}, f32);
  auto lanesI32 = VectorType::get({kQuantizeLanes}, i32);
  auto lanesI1 = VectorType::get({kQuantizeLanes}, i1);
  auto splat = [&](ImplicitLocOpBuilder &sb, Type type, Attribute value) {
    return arith::ConstantOp::create(
               sb, DenseElementsAttr::get(cast<ShapedType>(type), value))
        .getResult();
  };

  // Stage 1, as in the scalar path: floor(max t) and the dialect maximum.
  Value tmaxVector =
      scf::ForOp::create(
          b, idx(b, 0), idx(b, n), idx(b, kQuantizeLanes),
          ValueRange{splat(b, lanesF32, b.getF32FloatAttr(0.0f))},
          [&](OpBuilder &nb, Location loc, Value e, ValueRange acc) {
            ImplicitLocOpBuilder ib(loc, nb);
            Value tv = vector::LoadOp::create(ib, lanesF32, t, ValueRange{e});
            scf::YieldOp::create(ib,
                                 ValueRange{arith::MaxNumFOp::create(ib, acc[0], tv)});
          })
          .getResult(0);
  Value truncated = math::FloorOp::create(
      b, vector::ReductionOp::create(b, vector::CombiningKind::MAXNUMF,
                                     tmaxVector));
  Value chosenMax = candidateMaximum(b, tables, truncated);

  // Stage 2: per vector of elements, the candidates in id order keep, per
  // lane, the best error so far, its dialect and whether it is unique.
  Value votes = memref::AllocaOp::create(b, MemRefType::get({16}, i32));
  for (int64_t d = 0; d < 16; ++d)
    memref::StoreOp::create(b, i32c(b, 0), votes, idx(b, d));
  Value two = splat(b, lanesF32, b.getF32FloatAttr(2.0f));
  scf::ForOp::create(
      b, idx(b, 0), idx(b, n), idx(b, kQuantizeLanes), ValueRange{},
      [&](OpBuilder &nb, Location loc, Value e, ValueRange) {
        ImplicitLocOpBuilder ib(loc, nb);
        Value tv = vector::LoadOp::create(ib, lanesF32, t, ValueRange{e});
        Value twice = arith::MulFOp::create(ib, tv, two);
        auto perDialect = scf::ForOp::create(
            ib, idx(ib, 0), idx(ib, dialects), idx(ib, 1),
            ValueRange{splat(ib, lanesI32, ib.getI32IntegerAttr(0)),
                       splat(ib, lanesF32,
                             ib.getF32FloatAttr(
                                 std::numeric_limits<float>::infinity())),
                       splat(ib, lanesI1, ib.getBoolAttr(false))},
            [&](OpBuilder &db, Location dloc, Value d, ValueRange acc) {
              ImplicitLocOpBuilder jb(dloc, db);
              Value top = memref::LoadOp::create(jb, tables.tops, d);
              Value candidate = arith::CmpFOp::create(
                  jb, arith::CmpFPredicate::OEQ, top, chosenMax);
              auto updated = scf::IfOp::create(
                  jb, candidate,
                  [&](OpBuilder &tb, Location tloc) {
                    ImplicitLocOpBuilder kb(tloc, tb);
                    Value level = vector::BroadcastOp::create(
                        kb, lanesF32,
                        memref::LoadOp::create(kb, tables.levels,
                                               ValueRange{d, idx(kb, 0)}));
                    for (int64_t j = 0; j < 7; ++j) {
                      Value sum = vector::BroadcastOp::create(
                          kb, lanesF32,
                          memref::LoadOp::create(kb, tables.sums,
                                                 ValueRange{d, idx(kb, j)}));
                      Value next = vector::BroadcastOp::create(
                          kb, lanesF32,
                          memref::LoadOp::create(
                              kb, tables.levels, ValueRange{d, idx(kb, j + 1)}));
                      Value above = arith::CmpFOp::create(
                          kb, arith::CmpFPredicate::OGT, twice, sum);
                      level = arith::SelectOp::create(kb, above, next, level);
                    }
                    Value err = math::AbsFOp::create(
                        kb, arith::SubFOp::create(kb, tv, level));
                    Value less = arith::CmpFOp::create(
                        kb, arith::CmpFPredicate::OLT, err, acc[1]);
                    Value equal = arith::CmpFOp::create(
                        kb, arith::CmpFPredicate::OEQ, err, acc[1]);
                    Value unique = arith::SelectOp::create(
                        kb, less, splat(kb, lanesI1, kb.getBoolAttr(true)),
                        arith::SelectOp::create(
                            kb, equal, splat(kb, lanesI1, kb.getBoolAttr(false)),
                            acc[2]));
                    Value dv = vector::BroadcastOp::create(
                        kb, lanesI32, arith::IndexCastOp::create(kb, i32, d));
                    scf::YieldOp::create(
                        kb, ValueRange{
                                arith::SelectOp::create(kb, less, dv, acc[0]),
                                arith::SelectOp::create(kb, less, err, acc[1]),
                                unique});
                  },
                  [&](OpBuilder &eb, Location eloc) {
                    scf::YieldOp::create(eb, eloc, acc);
                  });
              scf::YieldOp::create(jb, updated.getResults());
            });
        Value winner = perDialect.getResult(0);
        Value unique = perDialect.getResult(2);
        scf::ForOp::create(
            ib, idx(ib, 0), idx(ib, dialects), idx(ib, 1), ValueRange{},
            [&](OpBuilder &db, Location dloc, Value d, ValueRange) {
              ImplicitLocOpBuilder jb(dloc, db);
              Value dv = vector::BroadcastOp::create(
                  jb, lanesI32, arith::IndexCastOp::create(jb, i32, d));
              Value won = arith::AndIOp::create(
                  jb, unique,
                  arith::CmpIOp::create(jb, arith::CmpIPredicate::eq, winner,
                                        dv));
              Value count = vector::ReductionOp::create(
                  jb, vector::CombiningKind::ADD,
                  arith::ExtUIOp::create(jb, lanesI32, won));
              memref::StoreOp::create(
                  jb,
                  arith::AddIOp::create(
                      jb, memref::LoadOp::create(jb, votes, d), count),
                  votes, d);
              scf::YieldOp::create(jb);
            });
        scf::YieldOp::create(ib);
      });
  return mostVotes(b, tables, votes, chosenMax);
}

/// Picks the block's dialect (index) from its half-unit magnitudes in `t`.
Value selectDialect(ImplicitLocOpBuilder &b, const num::Scheme &scheme,
                    const BookTables &tables, Value t) {
  int64_t n = scheme.blockSize;
  int64_t dialects = tables.numDialects;
  if (dialects == 1)
    return idx(b, 0);
  FloatType f64 = b.getF64Type();
  Type i32 = b.getI32Type();
  auto forRange = [&](ImplicitLocOpBuilder &lb, int64_t lo, int64_t hi,
                      ValueRange init, auto body) {
    return scf::ForOp::create(
        lb, idx(lb, lo), idx(lb, hi), idx(lb, 1), init,
        [&](OpBuilder &nb, Location loc, Value iv, ValueRange acc) {
          ImplicitLocOpBuilder ib(loc, nb);
          scf::YieldOp::create(ib, body(ib, iv, acc));
        });
  };

  if (scheme.select == num::SelectRule::MSE) {
    // Squared errors summed in f64 in element order, as the numerics core.
    Value errors = memref::AllocaOp::create(b, MemRefType::get({16}, f64));
    forRange(b, 0, dialects, {}, [&](ImplicitLocOpBuilder &ib, Value d,
                                     ValueRange) {
      memref::StoreOp::create(
          ib, arith::ConstantFloatOp::create(ib, f64, llvm::APFloat(0.0)),
          errors, d);
      return SmallVector<Value>{};
    });
    forRange(b, 0, n, {}, [&](ImplicitLocOpBuilder &ib, Value e, ValueRange) {
      Value tv = memref::LoadOp::create(ib, t, e);
      Value twice = arith::MulFOp::create(ib, tv, f32c(ib, 2.0f));
      forRange(ib, 0, dialects, {},
               [&](ImplicitLocOpBuilder &jb, Value d, ValueRange) {
                 Value level =
                     levelAt(jb, tables, d, roundIndex(jb, tables, d, twice));
                 Value diff = arith::ExtFOp::create(
                     jb, f64, Value(arith::SubFOp::create(jb, tv, level)));
                 Value sum = arith::AddFOp::create(
                     jb, memref::LoadOp::create(jb, errors, d),
                     arith::MulFOp::create(jb, diff, diff));
                 memref::StoreOp::create(jb, sum, errors, d);
                 return SmallVector<Value>{};
               });
      return SmallVector<Value>{};
    });
    // Least error wins; ties keep the lower id.
    auto best = forRange(
        b, 1, dialects,
        {idx(b, 0), memref::LoadOp::create(b, errors, idx(b, 0))},
        [&](ImplicitLocOpBuilder &ib, Value d, ValueRange acc) {
          Value err = memref::LoadOp::create(ib, errors, d);
          Value better =
              arith::CmpFOp::create(ib, arith::CmpFPredicate::OLT, err, acc[1]);
          return SmallVector<Value>{
              arith::SelectOp::create(ib, better, d, acc[0]),
              arith::SelectOp::create(ib, better, err, acc[1])};
        });
    return best.getResult(0);
  }

  if (n % kQuantizeLanes == 0)
    return selectTwoStageVector(b, scheme, tables, t);

  // Two-stage. Stage 1: the largest dialect maximum not above the truncated
  // block maximum (or the smallest maximum if none is).
  auto tmaxLoop = forRange(b, 0, n, {f32c(b, 0.0f)},
                           [&](ImplicitLocOpBuilder &ib, Value e,
                               ValueRange acc) {
                             Value tv = memref::LoadOp::create(ib, t, e);
                             return SmallVector<Value>{
                                 arith::MaxNumFOp::create(ib, acc[0], tv)};
                           });
  Value truncated = math::FloorOp::create(b, tmaxLoop.getResult(0));
  Value chosenMax = candidateMaximum(b, tables, truncated);
  auto isCandidate = [&](ImplicitLocOpBuilder &ib, Value d) {
    Value top = memref::LoadOp::create(ib, tables.tops, d);
    return arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, top,
                                 chosenMax);
  };
  // Stage 2: an element votes for the candidate that rounds it strictly
  // better than every other candidate.
  Value votes = memref::AllocaOp::create(b, MemRefType::get({16}, i32));
  forRange(b, 0, dialects, {}, [&](ImplicitLocOpBuilder &ib, Value d,
                                   ValueRange) {
    memref::StoreOp::create(ib, i32c(ib, 0), votes, d);
    return SmallVector<Value>{};
  });
  forRange(b, 0, n, {}, [&](ImplicitLocOpBuilder &ib, Value e, ValueRange) {
    Value tv = memref::LoadOp::create(ib, t, e);
    Value twice = arith::MulFOp::create(ib, tv, f32c(ib, 2.0f));
    Value falseV = arith::ConstantIntOp::create(ib, ib.getI1Type(), 0);
    auto winner = forRange(
        ib, 0, dialects,
        {idx(ib, 0), f32c(ib, std::numeric_limits<float>::infinity()), falseV},
        [&](ImplicitLocOpBuilder &jb, Value d, ValueRange acc) {
          Value level =
              levelAt(jb, tables, d, roundIndex(jb, tables, d, twice));
          Value err = math::AbsFOp::create(jb, arith::SubFOp::create(jb, tv, level));
          Value cand = isCandidate(jb, d);
          Value less = arith::AndIOp::create(
              jb, cand,
              arith::CmpFOp::create(jb, arith::CmpFPredicate::OLT, err, acc[1]));
          Value equal = arith::AndIOp::create(
              jb, cand,
              arith::CmpFOp::create(jb, arith::CmpFPredicate::OEQ, err, acc[1]));
          Value unique = arith::SelectOp::create(
              jb, less, arith::ConstantIntOp::create(jb, jb.getI1Type(), 1),
              arith::SelectOp::create(jb, equal, falseV, acc[2]));
          return SmallVector<Value>{
              arith::SelectOp::create(jb, less, d, acc[0]),
              arith::SelectOp::create(jb, less, err, acc[1]), unique};
        });
    scf::IfOp::create(ib, winner.getResult(2), [&](OpBuilder &tb, Location tl) {
      ImplicitLocOpBuilder vb(tl, tb);
      Value w = winner.getResult(0);
      memref::StoreOp::create(
          vb, arith::AddIOp::create(vb, memref::LoadOp::create(vb, votes, w),
                                    i32c(vb, 1)),
          votes, w);
      scf::YieldOp::create(vb);
    });
    return SmallVector<Value>{};
  });
  return mostVotes(b, tables, votes, chosenMax);
}

/// Magnitudes, dialect choice, dialect id and codes of one finite block.
void emitBlockBody(ImplicitLocOpBuilder &b, const num::Scheme &scheme,
                   const BookTables &tables, const PackedLayout &layout,
                   Value out, Value t, Value signs, LoadFn loadX,
                   int64_t lanes, Value first, Value row, Value block,
                   Value toHalfUnits, bool isE8M0) {
  int64_t n = scheme.blockSize;
  FloatType f32 = b.getF32Type();
  Type i8 = b.getI8Type();
  // Half-unit magnitudes and sign bits, `lanes` elements at a time.
  scf::ForOp::create(
      b, idx(b, 0), idx(b, n), idx(b, lanes), ValueRange{},
      [&](OpBuilder &nb, Location loc, Value e, ValueRange) {
        ImplicitLocOpBuilder ib(loc, nb);
        Value x = loadX(ib, arith::AddIOp::create(ib, first, e));
        Type i32 = ib.getI32Type();
        if (auto vector = dyn_cast<VectorType>(x.getType()))
          i32 = VectorType::get(vector.getShape(), i32);
        Value bits = arith::BitcastOp::create(ib, i32, x);
        storeLanes(ib,
                   arith::ShLIOp::create(
                       ib,
                       arith::ShRUIOp::create(
                           ib, bits, shapedLike(ib, i32c(ib, 31), bits)),
                       shapedLike(ib, i32c(ib, 3), bits)),
                   signs, e);
        storeLanes(ib, halfUnits(ib, x, toHalfUnits, isE8M0), t, e);
        scf::YieldOp::create(ib);
      });
  Value dialect = selectDialect(b, scheme, tables, t);

  if (layout.hasDialects) {
    Value offset = layout.dialectOffset(b, row, block);
    Value shift = arith::IndexCastOp::create(
        b, i8,
        arith::MulIOp::create(b, arith::RemUIOp::create(b, block, idx(b, 2)),
                              idx(b, 4)));
    Value id = arith::IndexCastOp::create(b, i8, dialect);
    Value old = memref::LoadOp::create(b, out, offset);
    memref::StoreOp::create(
        b, arith::OrIOp::create(b, old, arith::ShLIOp::create(b, id, shift)),
        out, offset);
  }

  // Codes: sign bit 3, magnitude index bits 0-2; two per byte, low first.
  Value codeBase = arith::AddIOp::create(
      b, arith::MulIOp::create(b, row, idx(b, layout.k / 2)),
      arith::DivUIOp::create(b, first, idx(b, 2)));
  // The chosen dialect's midpoints, loaded once for the whole block.
  SmallVector<Value> dialectSums = midpointSums(b, tables, dialect);
  if (n % 32 == 0) {
    // 32 elements at a time: the same comparisons against the dialect's
    // midpoint sums, in vectors of 16, then even and odd codes paired into
    // bytes. Each element sees exactly the scalar path's operations.
    auto lanesF32 = VectorType::get({16}, f32);
    auto lanesI32 = VectorType::get({16}, b.getI32Type());
    SmallVector<Value> sums;
    for (Value sum : dialectSums)
      sums.push_back(vector::BroadcastOp::create(b, lanesF32, sum));
    Value two = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanesF32, b.getF32FloatAttr(2.0f)));
    SmallVector<int64_t> evens, odds;
    for (int64_t i = 0; i < 16; ++i) {
      evens.push_back(2 * i);
      odds.push_back(2 * i + 1);
    }
    scf::ForOp::create(
        b, idx(b, 0), idx(b, n), idx(b, 32), ValueRange{},
        [&](OpBuilder &nb, Location loc, Value e0, ValueRange) {
          ImplicitLocOpBuilder ib(loc, nb);
          SmallVector<Value> codes;
          for (int64_t half = 0; half < 32; half += 16) {
            Value e = arith::AddIOp::create(ib, e0, idx(ib, half));
            Value twice = arith::MulFOp::create(
                ib, vector::LoadOp::create(ib, lanesF32, t, ValueRange{e}),
                two);
            codes.push_back(arith::OrIOp::create(
                ib, countAbove(ib, twice, sums),
                vector::LoadOp::create(ib, lanesI32, signs, ValueRange{e})));
          }
          Value lo = vector::ShuffleOp::create(ib, codes[0], codes[1], evens);
          Value hi = vector::ShuffleOp::create(ib, codes[0], codes[1], odds);
          Value bytes = arith::TruncIOp::create(
              ib, VectorType::get({16}, i8),
              arith::OrIOp::create(
                  ib, lo,
                  arith::ShLIOp::create(
                      ib, hi,
                      arith::ConstantOp::create(
                          ib, DenseElementsAttr::get(lanesI32,
                                                     ib.getI32IntegerAttr(4))))));
          vector::StoreOp::create(
              ib, bytes, out,
              ValueRange{Value(arith::AddIOp::create(
                  ib, codeBase, arith::DivUIOp::create(ib, e0, idx(ib, 2))))});
          scf::YieldOp::create(ib);
        });
    return;
  }
  scf::ForOp::create(
      b, idx(b, 0), idx(b, n / 2), idx(b, 1), ValueRange{},
      [&](OpBuilder &nb, Location loc, Value p, ValueRange) {
        ImplicitLocOpBuilder ib(loc, nb);
        auto codeOf = [&](Value e) {
          Value sign = memref::LoadOp::create(ib, signs, e);
          Value tv = memref::LoadOp::create(ib, t, e);
          Value twice = arith::MulFOp::create(ib, tv, f32c(ib, 2.0f));
          Value index = countAbove(ib, twice, dialectSums);
          return arith::TruncIOp::create(ib, i8,
                                         arith::OrIOp::create(ib, sign, index));
        };
        Value even = arith::MulIOp::create(ib, p, idx(ib, 2));
        Value lo = codeOf(even);
        Value hi = codeOf(arith::AddIOp::create(ib, even, idx(ib, 1)));
        Value byte = arith::OrIOp::create(
            ib, lo, arith::ShLIOp::create(ib, hi, arith::ConstantIntOp::create(ib, i8, 4)));
        memref::StoreOp::create(
            ib, byte, out,
            ValueRange{Value(arith::AddIOp::create(ib, codeBase, p))});
        scf::YieldOp::create(ib);
      });
}

/// Codes of one finite INT8 block: t (half units) as the numerics core
/// computes it, then the level int8Level(t) = min(127, ceil(t/2 - 1/2)),
/// negated for negative inputs, one two's-complement byte per element.
void emitInt8BlockBody(ImplicitLocOpBuilder &b, const PackedLayout &layout,
                       Value out, LoadFn loadX, int64_t lanes, Value first,
                       Value row, Value toHalfUnits, bool isE8M0) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  if (lanes > 1) {
    i8 = VectorType::get({lanes}, i8);
    i32 = VectorType::get({lanes}, i32);
  }
  Value codeBase = arith::AddIOp::create(
      b, arith::MulIOp::create(b, row, idx(b, layout.codeBytesPerRow)), first);
  scf::ForOp::create(
      b, idx(b, 0), idx(b, layout.blockSize), idx(b, lanes), ValueRange{},
      [&](OpBuilder &nb, Location loc, Value e, ValueRange) {
        ImplicitLocOpBuilder ib(loc, nb);
        Value x = loadX(ib, arith::AddIOp::create(ib, first, e));
        Value t = halfUnits(ib, x, toHalfUnits, isE8M0);
        auto like = [&](float v) { return shapedLike(ib, f32c(ib, v), t); };
        Value level = math::CeilOp::create(
            ib, arith::SubFOp::create(
                    ib, arith::MulFOp::create(ib, t, like(0.5f)), like(0.5f)));
        level = arith::FPToSIOp::create(
            ib, i32,
            arith::MinimumFOp::create(
                ib, level, like(static_cast<float>(num::kInt8MaxLevel))));
        Value zero = shapedLike(ib, i32c(ib, 0), level);
        Value negative =
            arith::CmpIOp::create(ib, arith::CmpIPredicate::slt,
                                  arith::BitcastOp::create(ib, i32, x), zero);
        Value code = arith::SelectOp::create(
            ib, negative, arith::SubIOp::create(ib, zero, level), level);
        storeLanes(ib, arith::TruncIOp::create(ib, i8, code), out,
                   arith::AddIOp::create(ib, codeBase, e));
        scf::YieldOp::create(ib);
      });
}

} // namespace

FailureOr<Value> qblock::cpu::emitQuantize(ImplicitLocOpBuilder &b,
                                           Operation *op, Value input,
                                           QuantizedTensorType type,
                                           ModuleOp module,
                                           SymbolTable &symbols) {
  SchemeAttr schemeAttr = type.getBlockScheme();
  if (!schemeAttr)
    return op->emitOpError("with a BCQ scheme has no run-time lowering; fit "
                           "BCQ weights offline with --qblock-select-formats");
  num::Scheme scheme = schemeAttr.toNumerics();
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank(), axis = type.getAxis();
  int64_t k = type.getAxisSize(), blockSize = scheme.blockSize;

  // The input as one flat row-major buffer: element k of row (o, i) sits
  // at (o * K + k) * inner + i, where o spans the dimensions before the
  // axis and i those after it.
  // A snapshot, not a to_buffer view: see snapshot() in CPULowering.h.
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (inputType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, input, d));
  Value in = memref::AllocOp::create(
      b, MemRefType::get(inputType.getShape(), inputType.getElementType()),
      dynamicSizes, b.getI64IntegerAttr(64));
  bufferization::MaterializeInDestinationOp::create(
      b, /*result=*/Type(), input, in, /*restrict=*/true, /*writable=*/true);
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < rank; ++d)
    all[0].push_back(d);
  Value flat = memref::CollapseShapeOp::create(b, in, all);
  Value outer = idx(b, 1), inner = idx(b, 1);
  for (int64_t d = 0; d < rank; ++d) {
    if (d == axis)
      continue;
    Value size = inputType.isDynamicDim(d)
                     ? Value(memref::DimOp::create(b, in, d))
                     : idx(b, inputType.getDimSize(d));
    if (d < axis)
      outer = arith::MulIOp::create(b, outer, size);
    else
      inner = arith::MulIOp::create(b, inner, size);
  }

  Value rows = arith::MulIOp::create(b, outer, inner);
  PackedLayout layout = PackedLayout::build(b, rows, k, scheme);
  auto bytesType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
  Value out = memref::AllocOp::create(b, bytesType,
                                      ValueRange{layout.totalBytes},
                                      b.getI64IntegerAttr(64));
  // Padding and the codes of NaN blocks are zero, as in the numerics core;
  // the total is a multiple of the 64-byte array alignment.
  auto zeroLine = VectorType::get({num::kArrayAlignment}, b.getI8Type());
  Value zeros = arith::ConstantOp::create(
      b, DenseElementsAttr::get(zeroLine, b.getI8IntegerAttr(0)));
  scf::ForOp::create(b, idx(b, 0), layout.totalBytes,
                     idx(b, num::kArrayAlignment), ValueRange{},
                     [&](OpBuilder &nb, Location loc, Value i, ValueRange) {
                       ImplicitLocOpBuilder ib(loc, nb);
                       vector::StoreOp::create(ib, zeros, out, ValueRange{i});
                       scf::YieldOp::create(ib);
                     });

  bool isInt8 = scheme.book.isInteger();
  int64_t lanes =
      axis == rank - 1 && blockSize % kQuantizeLanes == 0 ? kQuantizeLanes : 1;
  BookTables tables = isInt8 ? BookTables{{}, {}, {}, 0}
                             : getBookTables(b, module, symbols, scheme.book);
  int offset = scheme.book.scaleExponentOffset();
  float maxValue = static_cast<float>(scheme.book.maxMagnitude()) / 2.0f;
  bool isE8M0 = scheme.scale == num::ScaleKind::E8M0;
  FloatType f32 = b.getF32Type(), f64 = b.getF64Type();
  Type i8 = b.getI8Type();

  // One task per row and pair of blocks: the two blocks of a pair share
  // their dialect byte (read-modify-write below), so they must not go to
  // different threads. Rows alone would leave a GEMV's single activation
  // row to one thread (one GPU thread in the GPU pipeline).
  int64_t pairs = (layout.blocksPerRow + 1) / 2;
  scf::ParallelOp::create(
      b, ValueRange{idx(b, 0), idx(b, 0)}, ValueRange{rows, idx(b, pairs)},
      ValueRange{idx(b, 1), idx(b, 1)},
      [&](OpBuilder &pb, Location ploc, ValueRange ivs) {
        ImplicitLocOpBuilder rb(ploc, pb);
        Value row = ivs[0];
        Value firstBlock = arith::MulIOp::create(rb, ivs[1], idx(rb, 2));
        Value endBlock = arith::MinUIOp::create(
            rb, arith::AddIOp::create(rb, firstBlock, idx(rb, 2)),
            idx(rb, layout.blocksPerRow));
        Value o = arith::DivUIOp::create(rb, row, inner);
        Value i = arith::RemUIOp::create(rb, row, inner);
        Value t = memref::AllocaOp::create(
            rb, MemRefType::get({blockSize}, f32));
        // Sign bits of the block's elements, already at code bit 3.
        Value signs = memref::AllocaOp::create(
            rb, MemRefType::get({blockSize}, rb.getI32Type()));
        auto loadX = [&](ImplicitLocOpBuilder &xb, Value kk) {
          Value position = arith::AddIOp::create(
              xb,
              arith::MulIOp::create(
                  xb,
                  arith::AddIOp::create(
                      xb, arith::MulIOp::create(xb, o, idx(xb, k)), kk),
                  inner),
              i);
          Value v = memref::LoadOp::create(xb, flat, ValueRange{position});
          return v.getType().isF32() ? v
                                     : Value(arith::ExtFOp::create(xb, f32, v));
        };
        // Blocked along the innermost axis (activations), a block is
        // contiguous: its elements go kQuantizeLanes at a time.
        auto loadXLanes = [&](ImplicitLocOpBuilder &xb, Value kk) {
          Value position = arith::AddIOp::create(
              xb, arith::MulIOp::create(xb, o, idx(xb, k)), kk);
          Value v = loadLanes(xb, flat, position, lanes);
          if (mlir::getElementTypeOrSelf(v.getType()).isF32())
            return v;
          return Value(arith::ExtFOp::create(
              xb, VectorType::get({lanes}, f32), v));
        };
        LoadFn loadElements =
            lanes == 1 ? LoadFn(loadX) : LoadFn(loadXLanes);
        scf::ForOp::create(
            rb, firstBlock, endBlock, idx(rb, 1),
            ValueRange{},
            [&](OpBuilder &bb, Location bloc, Value block, ValueRange) {
              ImplicitLocOpBuilder kb(bloc, bb);
              Value first = arith::MulIOp::create(kb, block, idx(kb, blockSize));
              // amax and whether the block holds NaN or Inf (the maximum
              // of finite magnitudes is the same in any order).
              Value zero = f32c(kb, 0.0f);
              Value clean = arith::ConstantIntOp::create(kb, kb.getI1Type(), 0);
              if (lanes > 1) {
                zero = vector::BroadcastOp::create(
                    kb, VectorType::get({lanes}, f32), zero);
                clean = vector::BroadcastOp::create(
                    kb, VectorType::get({lanes}, kb.getI1Type()), clean);
              }
              auto stats = scf::ForOp::create(
                  kb, idx(kb, 0), idx(kb, blockSize), idx(kb, lanes),
                  ValueRange{zero, clean},
                  [&](OpBuilder &eb, Location eloc, Value e, ValueRange acc) {
                    ImplicitLocOpBuilder xb(eloc, eb);
                    Value a = math::AbsFOp::create(
                        xb, loadElements(xb, arith::AddIOp::create(xb, first, e)));
                    Value bad = arith::CmpFOp::create(
                        xb, arith::CmpFPredicate::UEQ, a,
                        shapedLike(xb,
                                   f32c(xb, std::numeric_limits<float>::infinity()),
                                   a));
                    Value amax = arith::MaxNumFOp::create(xb, acc[0], a);
                    scf::YieldOp::create(
                        xb, ValueRange{amax, arith::OrIOp::create(xb, acc[1], bad)});
                  });
              Value amax = stats.getResult(0), nonFinite = stats.getResult(1);
              if (lanes > 1) {
                amax = vector::ReductionOp::create(
                    kb, vector::CombiningKind::MAXNUMF, amax);
                nonFinite = vector::ReductionOp::create(
                    kb, vector::CombiningKind::OR, nonFinite);
              }
              Value scaleOffset = layout.scaleOffset(kb, row, block);

              // Scale code (i32) and the multiplier to half units.
              Value code, toHalfUnits;
              if (isE8M0) {
                Value isZero = arith::CmpFOp::create(
                    kb, arith::CmpFPredicate::OEQ, amax, f32c(kb, 0.0f));
                Value finiteCode = arith::SelectOp::create(
                    kb, isZero, i32c(kb, 0), e8m0Code(kb, amax, offset));
                code = arith::SelectOp::create(kb, nonFinite, i32c(kb, 255),
                                               finiteCode);
                // 2^(1-e) as an f64 built from its exponent field.
                Value e = arith::SubIOp::create(kb, finiteCode, i32c(kb, 127));
                Value exponent = arith::ExtSIOp::create(
                    kb, kb.getI64Type(),
                    arith::AddIOp::create(
                        kb, arith::SubIOp::create(kb, i32c(kb, 1), e),
                        i32c(kb, 1023)));
                Value bits = arith::ShLIOp::create(
                    kb, exponent,
                    arith::ConstantIntOp::create(kb, kb.getI64Type(), 52));
                toHalfUnits = arith::BitcastOp::create(kb, f64, bits);
              } else if (scheme.scale == num::ScaleKind::E4M3) {
                // One f32 division, as the numerics core (scaleCode).
                Value target =
                    arith::DivFOp::create(kb, amax, f32c(kb, maxValue));
                // A NaN/Inf block's amax may be anything; its code is NaN.
                Value finiteTarget = arith::SelectOp::create(
                    kb, nonFinite, f32c(kb, 0.0f), target);
                auto [finiteCode, value] = e4m3Code(kb, finiteTarget);
                code = arith::SelectOp::create(kb, nonFinite, i32c(kb, 0x7F),
                                               finiteCode);
                toHalfUnits = value;
              } else {
                Value target = arith::DivFOp::create(kb, amax, f32c(kb, maxValue));
                target = arith::MinimumFOp::create(kb, target, f32c(kb, 65504.0f));
                Value half = arith::TruncFOp::create(kb, kb.getF16Type(), target);
                Value halfBits =
                    arith::BitcastOp::create(kb, kb.getI16Type(), half);
                Value finiteCode =
                    arith::ExtUIOp::create(kb, kb.getI32Type(), halfBits);
                code = arith::SelectOp::create(kb, nonFinite, i32c(kb, 0x7E00),
                                               finiteCode);
                toHalfUnits = arith::ExtFOp::create(kb, f32, half);
              }
              memref::StoreOp::create(kb, arith::TruncIOp::create(kb, i8, code),
                                      out, scaleOffset);
              if (layout.scaleBytes == 2)
                memref::StoreOp::create(
                    kb,
                    arith::TruncIOp::create(
                        kb, i8, arith::ShRUIOp::create(kb, code, i32c(kb, 8))),
                    out,
                    ValueRange{Value(
                        arith::AddIOp::create(kb, scaleOffset, idx(kb, 1)))});

              // NaN/Inf blocks keep dialect 0 and zero codes.
              scf::IfOp::create(
                  kb, nonFinite, [&](OpBuilder &tb, Location tl) {
                    scf::YieldOp::create(tb, tl);
                  },
                  [&](OpBuilder &fb, Location fl) {
                    ImplicitLocOpBuilder qb(fl, fb);
                    if (isInt8)
                      emitInt8BlockBody(qb, layout, out, loadElements, lanes,
                                        first, row, toHalfUnits, isE8M0);
                    else
                      emitBlockBody(qb, scheme, tables, layout, out, t, signs,
                                    loadElements, lanes, first, row, block,
                                    toHalfUnits, isE8M0);
                    scf::YieldOp::create(qb);
                  });
              scf::YieldOp::create(kb);
            });
        scf::ReduceOp::create(rb);
      });
  return Value(bufferization::ToTensorOp::create(
      b, RankedTensorType::get({ShapedType::kDynamic}, i8), out,
      /*restrict=*/true, /*writable=*/true));
}
