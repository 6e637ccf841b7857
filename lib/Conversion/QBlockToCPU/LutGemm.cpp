//===- LutGemm.cpp - qblock.lut_gemm on CPUs ------------------------------===//
//
// LUT-GEMM over BCQ weights: per activation row, tables of the signed
// partial sums of every 4-element sub-vector, looked up by the nibbles of
// the weights' bit planes, which are never decoded. 16 output rows per
// vector (chunked with plain loads and transposes, or gathered), the rest
// one at a time; lut-tables=i8 quantizes the tables for byte permutes.
// docs/lut-gemm.md has the design and the measurements.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"
#include "VectorTranspose.h"

#include "../KernelRemarks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
#include <cmath>
#include <tuple>

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;
namespace num = ::qblock::numerics;

/// LUT-GEMM: for every activation row, a table of the 16 signed partial
/// sums of each 4-element sub-vector is built once and shared by all
/// output rows; each nibble of a bit plane then selects one partial sum,
/// and y = sum_g sum_i alpha_{g,i} * (sum of looked-up sums) + z_g * sum(a
/// over g), the last from the all-ones entries. Weights are never
/// decoded. Output rows go 16 per vector where the shape allows
/// (emitLutChunks with plain loads and transposes where K and the group
/// size fit chunks of 512, emitLutTiles with gathers otherwise); the
/// rest one at a time with scalar lookups.
LogicalResult CPULowering::lowerLutGemm(LutGemmOp op) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto rhsType = cast<QuantizedTensorType>(op.getRhs().getType());
  FailureOr<Value> storage = getStorage(b, op, op.getRhs());
  if (failed(storage))
    return failure();
  num::BCQScheme scheme = rhsType.getBCQScheme().toNumerics();
  // The BCQ arrays (planes, alphas, offsets) follow each other, so where
  // the second starts depends on how many rows the first holds.
  if (!rhsType.hasStaticShape()) {
    int64_t dynamicDim = 0;
    while (!rhsType.isDynamicDim(dynamicDim))
      ++dynamicDim;
    return op.emitOpError()
           << "takes BCQ weights of static shape only (got " << rhsType
           << "): the offsets of their packed arrays depend on the number "
              "of rows; give the weight's dimension "
           << dynamicDim << " a static size";
  }
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
  bool vectorPath = k % 32 == 0 && group % 32 == 0;
  int64_t vectorRows = vectorPath ? n / kLutLanes * kLutLanes : 0;
  bool chunked = lutChunkedPath(k, n, group);
  bool byteTablesOnly = chunked && lutTables == "i8" && vectorRows == n;
  remarkLutGemmPath(op, k, n, group, vectorRows, chunked);
  // The int8 tables exist only on the chunked path; say so rather than
  // quietly running the f32 tables the user opted out of.
  if (lutTables == "i8" && !chunked)
    emitRemark(op.getLoc()) << "lut-tables=i8 needs K a multiple of " << kLutChunk
                    << ", a group size that is a multiple of 32 and divides "
                    << kLutChunk << ", and N >= " << kLutLanes
                    << "; this lut_gemm (K = " << k << ", group = " << group
                    << ", N = " << n << ") uses f32 tables";

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
std::pair<Value, Value> CPULowering::bcqViews(ImplicitLocOpBuilder &b,
                                              Value storage,
                                              const num::BCQLayout &layout) {
  auto view = [&](Type element, int64_t bytes) -> Value {
    return memref::ViewOp::create(
        b, MemRefType::get({layout.totalBytes / bytes}, element), storage,
        cst(b, 0), ValueRange{});
  };
  static_assert(num::kBCQParamBytes == 2, "alphas and offsets are halves");
  return {view(b.getI32Type(), 4), view(b.getF16Type(), 2)};
}

/// The vector path of LUT-GEMM: lanes are 16 output rows. One gather
/// fetches a 32-bit word of the same bit plane from each of the 16 rows
/// (32 elements = 8 sub-vectors each); a shift brings each sub-vector's
/// nibble to the low bits, and one lookup in that sub-vector's table
/// (shared by all rows) yields 16 partial sums. Alphas and offsets are
/// gathered per group the same way.
void CPULowering::emitLutTiles(ImplicitLocOpBuilder &b,
                               const MatmulFrame &frame, Value storage,
                               Value tables, const num::BCQLayout &layout,
                               const num::BCQScheme &scheme, Value m,
                               int64_t tiles) {
  int64_t k = frame.k, n = frame.n, q = scheme.bits, group = scheme.group;
  int64_t groups = k / group;
  Type i32 = b.getI32Type();
  FloatType f32 = b.getF32Type();
  auto lanesI32 = VectorType::get({kLutLanes}, i32);
  auto lanesF32 = VectorType::get({kLutLanes}, f32);
  auto maskType = VectorType::get({kLutLanes}, b.getI1Type());
  // Plain values, not structured bindings: lambdas below capture them.
  Value words, halves;
  std::tie(words, halves) = bcqViews(b, storage, layout);
  auto strided = [&](int64_t stride) {
    SmallVector<int32_t> offsets;
    for (int64_t lane = 0; lane < kLutLanes; ++lane)
      offsets.push_back(static_cast<int32_t>(lane * stride));
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanesI32, ArrayRef<int32_t>(offsets)));
  };
  Value planeRowStride = strided(q * k / 32);  // words between rows
  Value alphaRowStride = strided(groups * q);  // halves between rows
  Value offsetRowStride = strided(groups);
  Value allLanes =
      vector::ConstantMaskOp::create(b, maskType, ArrayRef<int64_t>{kLutLanes});
  Value zerosI32 = arith::ConstantOp::create(
      b, DenseElementsAttr::get(lanesI32, b.getI32IntegerAttr(0)));
  Value zerosF32 = arith::ConstantOp::create(
      b, DenseElementsAttr::get(lanesF32, b.getF32FloatAttr(0.0f)));
  auto lanesF16 = VectorType::get({kLutLanes}, b.getF16Type());
  Value zerosF16 = arith::ConstantOp::create(
      b, DenseElementsAttr::get(lanesF16, b.getF16FloatAttr(0.0f)));
  // Words of the bit planes, or halves (alphas, offsets) widened to f32.
  auto gather = [&](ImplicitLocOpBuilder &gb, Value base, Value firstIndex,
                    Value offsets, bool isFloat) -> Value {
    Value index = arith::AddIOp::create(
        gb, vector::BroadcastOp::create(
                gb, lanesI32,
                arith::IndexCastOp::create(gb, i32, firstIndex)),
        offsets);
    if (!isFloat)
      return vector::GatherOp::create(gb, lanesI32, base,
                                      ValueRange{cst(gb, 0)}, index, allLanes,
                                      zerosI32);
    return arith::ExtFOp::create(
        gb, lanesF32,
        Value(vector::GatherOp::create(gb, lanesF16, base,
                                       ValueRange{cst(gb, 0)}, index,
                                       allLanes, zerosF16)));
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
                          gb, cst(gb, layout.alphasOffset / 2),
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
                      Value alphas = gather(gb, halves, alphaIndex,
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
                          gb, cst(gb, layout.offsetsOffset / 2),
                          arith::AddIOp::create(
                              gb, arith::MulIOp::create(gb, firstRow, cst(gb, groups)),
                              g));
                      Value offsets = gather(gb, halves, offsetIndex,
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

CPULowering::SubvectorTables::SubvectorTables(ImplicitLocOpBuilder &b,
                                              Value lhs, bool batched, Value m)
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

Value CPULowering::SubvectorTables::build(ImplicitLocOpBuilder &b, Value bm,
                                          Value j) const {
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

/// Builds `byteTables` (and, when given, `groupSums`) from the
/// activations, one scale per group: scale = max |entry| over the
/// group's tables / 127. Two passes per group over its sub-vector
/// tables, computed in registers: the first finds the largest entry and
/// adds up the all-ones entries (the group sum, in the f32 path's
/// order), the second rounds. A group with a NaN or infinite activation
/// gets a NaN scale, so the outputs it feeds are NaN as with f32 tables
/// (never silently finite).
void CPULowering::emitByteTables(ImplicitLocOpBuilder &b,
                                 const SubvectorTables &sub,
                                 const ByteTables &byteTables, Value groupSums,
                                 Value batchRows, int64_t group,
                                 int64_t groups) {
  FloatType f32 = b.getF32Type();
  auto rowType = VectorType::get({16}, f32);
  auto splat = [&](ImplicitLocOpBuilder &vb, float v) -> Value {
    return arith::ConstantOp::create(
        vb, DenseElementsAttr::get(rowType, vb.getF32FloatAttr(v)));
  };
  // Groups are independent, so they are a parallel dimension too: a GEMV
  // (one activation row) built all its tables on one thread while the
  // others waited (K = 8192, N = 16, 2 threads: 21-23 -> 18 us a call).
  scf::ParallelOp::create(
      b, ValueRange{cst(b, 0), cst(b, 0)},
      ValueRange{batchRows, cst(b, groups)}, ValueRange{cst(b, 1), cst(b, 1)},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder gb(loc, nested);
        Value bm = ivs[0], g = ivs[1];
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
        // infinite one, whose scale already poisons its outputs). Below
        // 127 / FLT_MAX (about 3.7e-37) that quotient is infinite and every
        // entry would clamp to +-127, so a group whose largest entry is
        // under 2^-64 is first multiplied by 2^64 (exact, a power of two):
        // entries * 2^64 * (127 / (max * 2^64)).
        Value usable = arith::AndIOp::create(
            gb, arith::CmpFOp::create(gb, arith::CmpFPredicate::OGT, max, zero),
            arith::CmpFOp::create(
                gb, arith::CmpFPredicate::OLT, max,
                arith::ConstantFloatOp::create(
                    gb, f32,
                    llvm::APFloat::getInf(llvm::APFloat::IEEEsingle()))));
        Value tiny = arith::CmpFOp::create(
            gb, arith::CmpFPredicate::OLT, max,
            arith::ConstantFloatOp::create(gb, f32,
                                           llvm::APFloat(std::ldexp(1.0f, -64))));
        Value boost = arith::SelectOp::create(
            gb, tiny,
            arith::ConstantFloatOp::create(gb, f32,
                                           llvm::APFloat(std::ldexp(1.0f, 64))),
            arith::ConstantFloatOp::create(gb, f32, llvm::APFloat(1.0f)));
        Value inverse = arith::SelectOp::create(
            gb, usable,
            arith::DivFOp::create(gb, c127,
                                  arith::MulFOp::create(gb, max, boost)),
            zero);
        Value inverseRow = vector::BroadcastOp::create(gb, rowType, inverse);
        Value boostRow = vector::BroadcastOp::create(gb, rowType, boost);
        forRange(
            gb, cst(gb, 0), cst(gb, group / kMu), 1,
            [&](ImplicitLocOpBuilder &jb, Value j) {
              Value boosted =
                  arith::MulFOp::create(jb, table(jb, j), boostRow);
              Value scaled = math::RoundEvenOp::create(
                  jb, arith::MulFOp::create(jb, boosted, inverseRow));
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
        scf::ReduceOp::create(gb);
      });
}

/// One group of a chunk with int8 tables: per plane, each transposed word
/// gives two byte-index vectors (low and high nibbles of every byte, with
/// the byte's position e in bits 4-5 to pick the table of sub-vector 2e
/// or 2e + 1), each looked up with one 64-entry byte permute and summed
/// into the plane's int32 lanes (four sub-vectors of one row per lane).
/// The group then adds sum_i (alpha_i * scale) * float(lanes_i) to acc.
Value CPULowering::emitByteLookups(ImplicitLocOpBuilder &b,
                                   const ByteTables &byteTables, Value wordTile,
                                   Value bm, Value c, Value firstGroup,
                                   Value gg, Value firstWord,
                                   int64_t wordsPerGroup, int64_t q,
                                   llvm::function_ref<Value(int64_t)> alpha,
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

/// One group of a chunk with f32 tables: per plane, each nibble of each
/// transposed word (shifted down; the lookup reads the low 4 bits) picks
/// its sub-vector's partial sum for the 16 rows, and the group then adds
/// sum_i alpha_i * (sum of plane i's lookups) to acc. Two sums per plane
/// (even and odd nibbles) keep the additions independent; each starts as
/// its first lookup, since LLVM keeps an add to +0.0 (which turns -0.0
/// into +0.0): six vector adds per group for nothing (docs/lut-gemm.md).
Value CPULowering::emitFloatLookups(ImplicitLocOpBuilder &b, Value tables,
                                    Value wordTile, Value bm, Value firstSub,
                                    Value firstWord, int64_t wordsPerGroup,
                                    int64_t q,
                                    llvm::function_ref<Value(int64_t)> alpha,
                                    Value acc) {
  auto lanesI32 = VectorType::get({kLutLanes}, b.getI32Type());
  auto lanesF32 = VectorType::get({kLutLanes}, b.getF32Type());
  // Nibble t of a word sits at bit 4t; nibble 0 needs no shift.
  SmallVector<Value> shifts(8);
  for (int64_t t = 1; t < 8; ++t)
    shifts[t] = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanesI32, b.getI32IntegerAttr(4 * t)));
  SmallVector<Value> sums(2 * q);
  for (int64_t w = 0; w < wordsPerGroup; ++w) {
    Value j = arith::AddIOp::create(b, firstWord, cst(b, w));
    SmallVector<Value> planeWords;
    for (int64_t i = 0; i < q; ++i)
      planeWords.push_back(vector::LoadOp::create(
          b, lanesI32, wordTile,
          ValueRange{arith::AddIOp::create(b, j, cst(b, i * kLutLanes)),
                     cst(b, 0)}));
    Value firstTable = arith::AddIOp::create(
        b, firstSub, arith::MulIOp::create(b, j, cst(b, 8)));
    for (int64_t t = 0; t < 8; ++t) {
      Value table = vector::LoadOp::create(
          b, lanesF32, tables,
          ValueRange{bm, arith::AddIOp::create(b, firstTable, cst(b, t)),
                     cst(b, 0)});
      for (int64_t i = 0; i < q; ++i) {
        Value nibble =
            t == 0 ? planeWords[i]
                   : Value(arith::ShRUIOp::create(b, planeWords[i], shifts[t]));
        Value partial = LookupOp::create(b, table, nibble);
        Value &sum = sums[2 * i + t % 2];
        sum = sum ? Value(arith::AddFOp::create(b, sum, partial)) : partial;
      }
    }
  }
  for (int64_t i = 0; i < q; ++i)
    acc = vector::FMAOp::create(
        b, alpha(i), arith::AddFOp::create(b, sums[2 * i], sums[2 * i + 1]),
        acc);
  return acc;
}

/// Optimization remarks (--remarks-filter='qblock.*', KernelRemarks.h):
/// which of lowerLutGemm's paths `op` takes, and why not a faster one.
void CPULowering::remarkLutGemmPath(LutGemmOp op, int64_t k, int64_t n,
                                    int64_t group, int64_t vectorRows,
                                    bool chunked) {
  if (!kernelRemarks)
    return;
  Location loc = op.getLoc();
  if (chunked) {
    remark::passed(loc, kernelRemark(op, kCPUKernelRemarks, "lut-gemm-chunked"))
        << remark::add("LUT-GEMM on the chunked vector path ({0} output rows "
                       "per vector, {1} inputs per chunk), {2} tables",
                       kLutLanes, kLutChunk,
                       lutTables == "i8" ? "int8" : "f32");
  } else if (vectorRows > 0) {
    remark::missed(loc, kernelRemark(op, kCPUKernelRemarks, "lut-gemm-chunked"))
        << remark::add("LUT-GEMM on the gather path: each word of {0} rows' "
                       "bit planes is a gather, not a load and a transpose",
                       kLutLanes)
        << remark::reason("K = {0} with groups of {1}; the chunked path needs "
                          "K a multiple of {2} and a group that is a "
                          "multiple of 32 and divides {2}",
                          k, group, kLutChunk);
  } else {
    std::string why;
    llvm::raw_string_ostream os(why);
    if (k % 32 != 0 || group % 32 != 0)
      os << "K = " << k << " with groups of " << group
         << "; the vector paths need K and the group multiples of 32";
    else
      os << "N = " << n << "; the vector paths take output rows in tiles of "
         << kLutLanes << " (one per lane)";
    remark::missed(loc, kernelRemark(op, kCPUKernelRemarks, "lut-gemm-vector"))
        << remark::add("LUT-GEMM row by row, without the vector path")
        << remark::reason("{0}", why);
  }
  if (vectorRows > 0 && vectorRows < n)
    remark::analysis(loc,
                     kernelRemark(op, kCPUKernelRemarks, "lut-gemm-tail-rows"))
        << remark::add("the last {0} of N = {1} output rows run row by row "
                       "(the vector path takes rows in tiles of {2}){3}",
                       n - vectorRows, n, kLutLanes,
                       chunked && lutTables == "i8" ? ", with f32 tables" : "");
}

/// The chunked path covers a shape with at least one 16-row tile, whole
/// chunks along K and whole groups per chunk (the row-by-row path takes
/// the rest).
bool CPULowering::lutChunkedPath(int64_t k, int64_t n, int64_t group) {
  return n >= kLutLanes && k % kLutChunk == 0 && group % 32 == 0 &&
         kLutChunk % group == 0;
}

/// While a 16-row tile works on chunk c, prefetches the c-th share of
/// what the tile kLutTilesAhead further on reads: its rows' bit planes,
/// alphas and offsets, three contiguous runs (16 q K/8, 16 G q 2 and
/// 16 G 2 bytes for G groups per row). The tile itself reads 16 x (q + 2)
/// interleaved runs. With OpenMP's static schedule a thread's tiles are
/// consecutive, so these are the thread's own next tiles.
void CPULowering::emitLutNextTilePrefetches(ImplicitLocOpBuilder &b,
                                            Value storage,
                                            const num::BCQLayout &layout,
                                            const num::BCQScheme &scheme,
                                            Value firstRow, Value c) {
  int64_t k = layout.k, q = scheme.bits, groups = layout.groupsPerRow;
  int64_t chunks = k / kLutChunk;
  Value nextRow = arith::AddIOp::create(b, firstRow, cst(b, kLutTilesAhead * kLutLanes));
  Value lastByte = cst(b, layout.totalBytes - 1);
  auto share = [&](int64_t arrayOffset, int64_t rowBytes) {
    prefetchShare(b, storage,
                  arith::AddIOp::create(
                      b, cst(b, arrayOffset),
                      arith::MulIOp::create(b, nextRow, cst(b, rowBytes))),
                  kLutLanes * rowBytes, c, chunks, lastByte,
                  targetInfo.farPrefetchLocality);
  };
  share(layout.planesOffset, q * k / 8);
  share(layout.alphasOffset, groups * q * num::kBCQParamBytes);
  if (scheme.offset)
    share(layout.offsetsOffset, groups * num::kBCQParamBytes);
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
void CPULowering::emitLutChunks(ImplicitLocOpBuilder &b,
                                const MatmulFrame &frame, Value storage,
                                Value tables, const ByteTables &byteTables,
                                Value groupSums, const num::BCQLayout &layout,
                                const num::BCQScheme &scheme, Value m,
                                int64_t tiles) {
  int64_t k = frame.k, n = frame.n, q = scheme.bits, group = scheme.group;
  int64_t groups = k / group, groupsPerChunk = kLutChunk / group;
  int64_t wordsPerGroup = group / 32, chunkWords = kLutChunk / 32;
  Type i32 = b.getI32Type();
  FloatType f32 = b.getF32Type();
  auto lanesI32 = VectorType::get({kLutLanes}, i32);
  auto lanesF32 = VectorType::get({kLutLanes}, f32);
  auto maskType = VectorType::get({kLutLanes}, b.getI1Type());
  // Plain values, not structured bindings: lambdas below capture them.
  Value words, halves;
  std::tie(words, halves) = bcqViews(b, storage, layout);
  Value zerosF32 = arith::ConstantOp::create(
      b, DenseElementsAttr::get(lanesF32, b.getF32FloatAttr(0.0f)));
  auto lanesF16 = VectorType::get({kLutLanes}, b.getF16Type());
  Value zerosF16 = arith::ConstantOp::create(
      b, DenseElementsAttr::get(lanesF16, b.getF16FloatAttr(0.0f)));

  // `count` consecutive halves per row (count <= 16) starting at half
  // `first(row)`, widened to f32 and transposed: result[e][r] is element
  // e of row r. Rows shorter than 16 are read with a masked load, so
  // nothing past the array is touched.
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
      Value narrow =
          mask ? Value(vector::MaskedLoadOp::create(
                     tb, lanesF16, halves, ValueRange{at}, mask, zerosF16))
               : Value(vector::LoadOp::create(tb, lanesF16, halves,
                                              ValueRange{at}));
      rows.push_back(arith::ExtFOp::create(tb, lanesF32, narrow));
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
                          lb, cst(lb, layout.alphasOffset / 2 + done),
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
                            acc = emitFloatLookups(
                                gb, tables, wordTile, bm, firstSub, firstWord,
                                wordsPerGroup, q, alpha, acc);
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
          emitLutOffsetTerms(ib, frame, halves, groupSums, layout, bi, n0,
                             firstRow, m);
        scf::ReduceOp::create(ib);
      });
}

/// The offset term of a 16-row tile, for every activation row:
/// out[bm][n0 + r] += sum_g z[row r][g] * groupSums[bm][g]. A row's
/// offsets are contiguous, so each row's sum is a plain vector dot
/// product; one transpose then brings the 16 rows' partial vectors into
/// lanes (cheaper than transposing every chunk's offsets into lanes).
void CPULowering::emitLutOffsetTerms(ImplicitLocOpBuilder &b,
                                     const MatmulFrame &frame, Value halves,
                                     Value groupSums,
                                     const num::BCQLayout &layout, Value bi,
                                     Value n0, Value firstRow, Value m) {
  int64_t groups = layout.groupsPerRow;
  FloatType f32 = b.getF32Type();
  auto lanesF32 = VectorType::get({kLutLanes}, f32);
  auto maskType = VectorType::get({kLutLanes}, b.getI1Type());
  Value zeros = arith::ConstantOp::create(
      b, DenseElementsAttr::get(lanesF32, b.getF32FloatAttr(0.0f)));
  auto lanesF16 = VectorType::get({kLutLanes}, b.getF16Type());
  Value zerosF16 = arith::ConstantOp::create(
      b, DenseElementsAttr::get(lanesF16, b.getF16FloatAttr(0.0f)));
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
      // f32 group sums, or f16 offsets (narrow) widened to f32.
      auto load = [&](Value base, ValueRange at, bool narrow) -> Value {
        VectorType type = narrow ? lanesF16 : lanesF32;
        Value loaded =
            mask ? Value(vector::MaskedLoadOp::create(
                       mb, type, base, at, mask, narrow ? zerosF16 : zeros))
                 : Value(vector::LoadOp::create(mb, type, base, at));
        return narrow ? Value(arith::ExtFOp::create(mb, lanesF32, loaded))
                      : loaded;
      };
      Value sums =
          load(groupSums, ValueRange{bm, cst(mb, first)}, /*narrow=*/false);
      for (int64_t r = 0; r < kLutLanes; ++r) {
        Value at = arith::AddIOp::create(
            mb, cst(mb, layout.offsetsOffset / 2 + first),
            arith::MulIOp::create(
                mb, arith::AddIOp::create(mb, firstRow, cst(mb, r)),
                cst(mb, groups)));
        partial[r] = vector::FMAOp::create(
            mb, load(halves, ValueRange{at}, /*narrow=*/true), sums,
            partial[r]);
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
void CPULowering::emitGroupSums(ImplicitLocOpBuilder &b, Value tables,
                                Value groupSums, Value batchRows, int64_t group,
                                int64_t groups) {
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

/// One group of one weight row against one activation row's tables:
/// sum_i alpha_i * (sum over sub-vectors of table[nibble of plane i])
/// + z * (sum of the activations of the group).
Value CPULowering::emitLutGroup(ImplicitLocOpBuilder &b, Value storage,
                                Value tables, const BCQPackedLayout &layout,
                                const num::BCQScheme &scheme, Value row,
                                Value bm, Value g) {
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
    Value alpha = loadF16Bytes(b, storage, layout.alphaOffset(b, row, g, i),
                               b.getF32Type());
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
    Value z = loadF16Bytes(b, storage, layout.offsetOffset(b, row, g),
                           b.getF32Type());
    total = arith::AddFOp::create(
        b, total, arith::MulFOp::create(b, z, sumLoop.getResult(0)));
  }
  return total;
}
