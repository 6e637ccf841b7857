//===- VectorTranspose.cpp - 16x16 transposes in registers ----------------===//

#include "VectorTranspose.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include "llvm/ADT/STLExtras.h"

#include <cassert>

using namespace mlir;

namespace qblock::cpu {

namespace {

constexpr int64_t kLanes = 16;

/// Shuffle mask (indices into concat(x, y)) that fills each 128-bit lane L
/// (four elements) of the result with the elements `pick(L)` names.
using LaneMask = SmallVector<int64_t, kLanes>;

Value shuffle(ImplicitLocOpBuilder &b, Value x, Value y,
              const LaneMask &mask) {
  return vector::ShuffleOp::create(b, x, y, mask);
}

/// [x(4L+e0), y(4L+e0), x(4L+e1), y(4L+e1)] per 128-bit lane L: a 32-bit
/// unpack (low: e0 = 0, e1 = 1; high: e0 = 2, e1 = 3).
LaneMask unpack32(int64_t e0, int64_t e1) {
  LaneMask mask;
  for (int64_t lane = 0; lane < 4; ++lane)
    for (int64_t e : {e0, e1}) {
      mask.push_back(4 * lane + e);
      mask.push_back(kLanes + 4 * lane + e);
    }
  return mask;
}

/// [x(4L+e), x(4L+e+1), y(4L+e), y(4L+e+1)] per lane L: a 64-bit unpack
/// (low: e = 0; high: e = 2).
LaneMask unpack64(int64_t e) {
  LaneMask mask;
  for (int64_t lane = 0; lane < 4; ++lane) {
    for (int64_t src : {int64_t(0), kLanes})
      for (int64_t d = 0; d < 2; ++d)
        mask.push_back(src + 4 * lane + e + d);
  }
  return mask;
}

/// 128-bit lanes [x.L(a), x.L(a+2), y.L(a), y.L(a+2)]: a = 0 takes the even
/// lanes of each source, a = 1 the odd ones.
LaneMask selectLanes(int64_t a) {
  LaneMask mask;
  for (int64_t src : {int64_t(0), kLanes})
    for (int64_t lane : {a, a + 2})
      for (int64_t e = 0; e < 4; ++e)
        mask.push_back(src + 4 * lane + e);
  return mask;
}

} // namespace

SmallVector<Value, 16> transpose16x16(ImplicitLocOpBuilder &b,
                                      ArrayRef<Value> rows) {
  assert(rows.size() == kLanes && "transpose16x16 takes 16 rows");
  SmallVector<Value, 16> r(rows.begin(), rows.end()), t(kLanes);
  // Round 1: interleave 32-bit elements of row pairs.
  for (int64_t i = 0; i < kLanes; i += 2) {
    t[i] = shuffle(b, r[i], r[i + 1], unpack32(0, 1));
    t[i + 1] = shuffle(b, r[i], r[i + 1], unpack32(2, 3));
  }
  // Round 2: interleave 64-bit pairs, so each 128-bit lane holds a 4x4
  // block of the result.
  for (int64_t i = 0; i < kLanes; i += 4) {
    r[i] = shuffle(b, t[i], t[i + 2], unpack64(0));
    r[i + 1] = shuffle(b, t[i], t[i + 2], unpack64(2));
    r[i + 2] = shuffle(b, t[i + 1], t[i + 3], unpack64(0));
    r[i + 3] = shuffle(b, t[i + 1], t[i + 3], unpack64(2));
  }
  // Rounds 3 and 4: move the 4x4 blocks into place with 128-bit selects.
  for (int64_t i = 0; i < 4; ++i) {
    t[i] = shuffle(b, r[i], r[i + 4], selectLanes(0));
    t[i + 4] = shuffle(b, r[i], r[i + 4], selectLanes(1));
    t[i + 8] = shuffle(b, r[i + 8], r[i + 12], selectLanes(0));
    t[i + 12] = shuffle(b, r[i + 8], r[i + 12], selectLanes(1));
  }
  for (int64_t i = 0; i < 4; ++i) {
    r[i] = shuffle(b, t[i], t[i + 8], selectLanes(0));
    r[i + 8] = shuffle(b, t[i], t[i + 8], selectLanes(1));
    r[i + 4] = shuffle(b, t[i + 4], t[i + 12], selectLanes(0));
    r[i + 12] = shuffle(b, t[i + 4], t[i + 12], selectLanes(1));
  }
  return r;
}

SmallVector<Value, 2> sumLaneGroups16x16(ImplicitLocOpBuilder &b,
                                         ArrayRef<Value> rows) {
  assert(rows.size() == kLanes && "sumLaneGroups16x16 takes 16 rows");
  // Every lane carries a label: the (row, group) whose partial sum it
  // holds. Each round adds two shuffles of a vector pair lane by lane, so
  // the labels of the two shuffles must agree lane by lane; they are
  // tracked here and the final permutes are read off them.
  using Label = std::pair<int64_t, int64_t>;
  struct Labeled {
    Value value;
    SmallVector<Label, kLanes> labels;
  };
  SmallVector<Labeled, 16> level;
  for (int64_t r = 0; r < kLanes; ++r) {
    Labeled v{rows[r], {}};
    for (int64_t l = 0; l < kLanes; ++l)
      v.labels.push_back({r, (l / 4) % 2});
    level.push_back(v);
  }
  // Round masks (indices into concat(x, y)) as pairs (first, second) of
  // shuffles whose sum halves the number of lanes per label.
  auto halves = [](int64_t part) {
    LaneMask mask;
    for (int64_t src : {int64_t(0), kLanes})
      for (int64_t e = 0; e < 8; ++e)
        mask.push_back(src + 8 * part + e);
    return mask;
  };
  auto pairsWithin128 = [](int64_t first) {
    // Per 128-bit lane L: [x(4L+f), x(4L+f+1), y(4L+f), y(4L+f+1)].
    LaneMask mask;
    for (int64_t lane = 0; lane < 4; ++lane)
      for (int64_t src : {int64_t(0), kLanes})
        for (int64_t d = 0; d < 2; ++d)
          mask.push_back(src + 4 * lane + first + d);
    return mask;
  };
  auto evensOddsWithin128 = [](int64_t first) {
    // Per 128-bit lane L: [x(4L+f), x(4L+f+2), y(4L+f), y(4L+f+2)].
    LaneMask mask;
    for (int64_t lane = 0; lane < 4; ++lane)
      for (int64_t src : {int64_t(0), kLanes})
        for (int64_t d : {int64_t(0), int64_t(2)})
          mask.push_back(src + 4 * lane + first + d);
    return mask;
  };
  std::pair<LaneMask, LaneMask> rounds[] = {
      {halves(0), halves(1)},
      {pairsWithin128(0), pairsWithin128(2)},
      {evensOddsWithin128(0), evensOddsWithin128(1)}};
  for (auto &[first, second] : rounds) {
    SmallVector<Labeled, 16> next;
    for (size_t i = 0; i < level.size(); i += 2) {
      const Labeled &x = level[i], &y = level[i + 1];
      auto labelAt = [&](int64_t index) {
        return index < kLanes ? x.labels[index] : y.labels[index - kLanes];
      };
      Labeled sum{arith::AddIOp::create(
                      b, shuffle(b, x.value, y.value, first),
                      shuffle(b, x.value, y.value, second)),
                  {}};
      for (int64_t l = 0; l < kLanes; ++l) {
        assert(labelAt(first[l]) == labelAt(second[l]) &&
               "sumLaneGroups16x16: adding partial sums of different rows");
        sum.labels.push_back(labelAt(first[l]));
      }
      next.push_back(std::move(sum));
    }
    level = std::move(next);
  }
  // Two vectors left, every label once in their concatenation.
  SmallVector<Value, 2> result;
  for (int64_t group = 0; group < 2; ++group) {
    LaneMask mask(kLanes, -1);
    for (int64_t index = 0; index < 2 * kLanes; ++index) {
      Label label = index < kLanes ? level[0].labels[index]
                                   : level[1].labels[index - kLanes];
      if (label.second == group)
        mask[label.first] = index;
    }
    assert(llvm::all_of(mask, [](int64_t i) { return i >= 0; }));
    result.push_back(shuffle(b, level[0].value, level[1].value, mask));
  }
  return result;
}

} // namespace qblock::cpu
