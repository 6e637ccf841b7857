//===- QuantizeLinalg.cpp - linalg matmuls to qblock ops ------------------===//
//
// The front door: ordinary linalg contractions with a constant weight become
// qblock.quantize + qblock.matmul / qblock.lut_gemm. The weight itself stays a
// float constant here; --qblock-select-formats packs it.
//
//===----------------------------------------------------------------------===//

#include "ConstantData.h"
#include "ConstantGlobalLoads.h"
#include "qblock/IR/QBlockOps.h"
#include "qblock/Numerics/TensorScale.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include <cmath>
#include <cstring>
#include <optional>

namespace qblock {
#define GEN_PASS_DEF_QUANTIZELINALG
#include "qblock/Transforms/Passes.h.inc"
} // namespace qblock

using namespace mlir;
using namespace qblock;
namespace num = ::qblock::numerics;

namespace {

/// The f16 or bf16 `bits` times 2^exponent, rounded to nearest even. A
/// normal number that stays normal only moves its exponent field, which is
/// exact and needs no conversion (per element, APFloat took 20x the time
/// the rest of the pass spends on a half weight); zeros stay; subnormal,
/// infinite or NaN inputs and results that leave the normal range go
/// through APFloat.
uint16_t scaleHalfBits(uint16_t bits, int exponent,
                       const llvm::fltSemantics &semantics) {
  int significandBits = &semantics == &APFloat::IEEEhalf() ? 10 : 7;
  int maxField = (1 << (15 - significandBits)) - 1;
  uint16_t magnitude = bits & 0x7FFF;
  if (magnitude == 0)
    return bits;
  int field = magnitude >> significandBits;
  int moved = field + exponent;
  if (field != 0 && field != maxField && moved >= 1 && moved < maxField)
    return (bits & ~(maxField << significandBits)) | (moved << significandBits);
  APFloat value(semantics, APInt(16, bits));
  value = llvm::scalbn(value, exponent, APFloat::rmNearestTiesToEven);
  return value.bitcastToAPInt().getZExtValue();
}

/// What to pass instead when K is not a multiple of the block (group)
/// size: the valid sizes that divide K (blocks: even, at most 4096; BCQ
/// groups: multiples of 8), the six nearest the usual size in increasing
/// order, or that none exists.
std::string sizesThatFit(int64_t k, bool bcq) {
  StringRef unit = bcq ? "group" : "block";
  SmallVector<int64_t> sizes;
  for (int64_t size = bcq ? 8 : 2; size <= std::min<int64_t>(k, 4096);
       size += bcq ? 8 : 2)
    if (k % size == 0)
      sizes.push_back(size);
  if (sizes.empty())
    return (Twine("no ") + unit + " size divides it (" + unit + " sizes are " +
            (bcq ? "multiples of 8" : "even") + "), so it stays in float")
        .str();
  // The six nearest the usual sizes (32 for blocks, 128 for groups) on a
  // log scale, smaller first on ties, listed in increasing order: the
  // largest divisors of a K = 4096 would offer only 128..4096.
  double usual = bcq ? 7.0 : 5.0;
  llvm::stable_sort(sizes, [&](int64_t a, int64_t b) {
    return std::fabs(std::log2(double(a)) - usual) <
           std::fabs(std::log2(double(b)) - usual);
  });
  sizes.resize(std::min<size_t>(sizes.size(), 6));
  llvm::sort(sizes);
  std::string text = (Twine("pass ") + unit + "=N with N one of").str();
  for (size_t i = 0; i < sizes.size(); ++i)
    text += (i == 0 ? " " : ", ") + std::to_string(sizes[i]);
  return text;
}

/// Where the contraction's operands keep their M, N, K and batch dimensions.
struct MatmulShape {
  /// Axis of the weight (B) along which K runs: rank-2 for K x N, rank-1 for
  /// a transposed N x K weight.
  int64_t weightAxis;
  int64_t k;
  /// B is not a constant: both operands are activations (attention's
  /// Q*K^T and scores*V); only quantized with full-path=true.
  bool activationByActivation = false;
  /// The constant to quantize when B is made from it by transposes of the
  /// last two axes (how torch-mlir lowers nn.Linear's N x K weight) and at
  /// most one broadcast over the batch, in any order; null when B itself is
  /// the constant.
  Value weightSource;
  /// Those transposes and broadcasts, from B's producer inward; erased
  /// once the matmul no longer reads them.
  SmallVector<Operation *> peeled;
  /// One 2-D weight shared by several leading dimensions of A and the
  /// result (B broadcast over the batch, by its indexing map or by
  /// linalg.broadcast: torch.matmul of a 3-D activation and a 2-D weight):
  /// those dimensions collapse into one M, and the matmul is a plain one.
  bool collapseRows = false;
  /// linalg.matvec (y = W x) or linalg.vecmat (y = x W): the activation and
  /// result are vectors, made 1 x K and 1 x N rows around a GEMV; for
  /// matvec the weight is the first operand.
  bool vectorProduct = false;
  unsigned lhsOperand = 0, weightOperand = 1;
};

/// Whether `permutation` swaps the last two axes and keeps the others.
static bool swapsLastTwo(ArrayRef<int64_t> permutation) {
  int64_t rank = permutation.size();
  if (rank < 2)
    return false;
  for (int64_t d = 0; d < rank - 2; ++d)
    if (permutation[d] != d)
      return false;
  return permutation[rank - 2] == rank - 1 && permutation[rank - 1] == rank - 2;
}

/// What a linalg.generic that only moves or widens its one input does:
/// `transposes` when it swaps the last two axes (older torch-mlir lowers
/// aten.t so), `widens` when it extends each element to a wider float
/// (arith.extf: an f16 parameter used in an f32 matmul). Both lose nothing,
/// so the constant under them can be quantized for the matmul: in its own
/// layout, and in its own type as a matmul with the extf in its body
/// would take it.
struct LosslessCopy {
  bool transposes = false, widens = false;
};
static std::optional<LosslessCopy> losslessCopy(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0)
    return std::nullopt;
  Block *body = op.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getNumOperands() != 1)
    return std::nullopt;
  LosslessCopy copy;
  Value yielded = yield.getOperand(0);
  if (auto extend = yielded.getDefiningOp<arith::ExtFOp>();
      extend && extend->getBlock() == body) {
    copy.widens = true;
    yielded = extend.getIn();
  }
  // Nothing else in the body: the yield and at most the extf.
  if (yielded != body->getArgument(0) ||
      body->getOperations().size() != (copy.widens ? 2u : 1u))
    return std::nullopt;
  AffineMap input = op.getIndexingMapsArray()[0];
  AffineMap output = op.getIndexingMapsArray()[1];
  if (!output.isIdentity() || !input.isPermutation())
    return std::nullopt;
  if (!input.isIdentity()) {
    SmallVector<int64_t> permutation;
    for (unsigned r = 0; r < input.getNumResults(); ++r)
      permutation.push_back(input.getDimPosition(r));
    if (!swapsLastTwo(permutation))
      return std::nullopt;
    copy.transposes = true;
  }
  return copy;
}

/// A weight B traced back to the constant it is made from.
struct PeeledWeight {
  Value constant;
  /// K's axis in the constant.
  int64_t axis;
  /// B adds a batch dimension to a 2-D constant.
  bool broadcast = false;
  SmallVector<Operation *> ops;
};

/// The constant that B (whose K axis is `axis`) is made from by transposes
/// of the last two axes and, when `mayBroadcast` (a matmul with one batch
/// dimension), one linalg.broadcast of a 2-D constant over the batch, in
/// any order; nullopt when B is something else. torch-mlir's nn.Linear is
/// transpose(W) on 2-D inputs and broadcast(transpose(W)) on 3-D ones.
/// Transposes may also be linalg.generic copies, which may widen the
/// elements too (losslessCopy).
static std::optional<PeeledWeight> peelToConstant(Value weight, int64_t axis,
                                                  bool mayBroadcast) {
  PeeledWeight result;
  result.axis = axis;
  Value value = weight;
  while (!matchPattern(value, m_Constant())) {
    Operation *producer = value.getDefiningOp();
    int64_t rank = cast<ShapedType>(value.getType()).getRank();
    if (auto transpose = dyn_cast_or_null<linalg::TransposeOp>(producer);
        transpose && swapsLastTwo(transpose.getPermutation())) {
      result.axis = result.axis == rank - 2 ? rank - 1 : rank - 2;
      value = transpose.getInput();
    } else if (auto generic = dyn_cast_or_null<linalg::GenericOp>(producer);
               std::optional<LosslessCopy> copy =
                   generic ? losslessCopy(generic) : std::nullopt) {
      if (copy->transposes)
        result.axis = result.axis == rank - 2 ? rank - 1 : rank - 2;
      value = generic.getDpsInputOperand(0)->get();
    } else if (auto broadcast = dyn_cast_or_null<linalg::BroadcastOp>(producer);
               broadcast && mayBroadcast && !result.broadcast && rank == 3 &&
               broadcast.getDimensions() == ArrayRef<int64_t>{0}) {
      result.broadcast = true;
      result.axis -= 1;
      value = broadcast.getInput();
    } else {
      return std::nullopt;
    }
    result.ops.push_back(producer);
  }
  result.constant = value;
  return result;
}

/// True when `map` yields exactly `dims` (as loop dimensions), in order.
static bool mapYields(AffineMap map, ArrayRef<unsigned> dims) {
  if (map.getNumResults() != dims.size())
    return false;
  for (auto [expr, dim] : llvm::zip(map.getResults(), dims)) {
    auto dimExpr = dyn_cast<AffineDimExpr>(expr);
    if (!dimExpr || dimExpr.getPosition() != dim)
      return false;
  }
  return true;
}

static bool isSupportedFloat(Type type) {
  return isa<Float32Type, Float16Type, BFloat16Type>(type);
}

/// Why `op`'s operands (two inputs and an init) cannot be quantized, or ""
/// when all are f32, f16 or bf16.
static std::string unsupportedElementType(linalg::LinalgOp op) {
  for (OpOperand &operand : op->getOpOperands()) {
    Type elementType = getElementTypeOrSelf(operand.get().getType());
    if (isSupportedFloat(elementType))
      continue;
    std::string typeName;
    llvm::raw_string_ostream(typeName) << elementType;
    return "element type " + typeName +
           " is not supported; only f32, f16 and bf16 matmuls are quantized";
  }
  return "";
}

/// Why the body of `op` (two inputs, one init) is not `out + a * b`, or ""
/// when it is. Float casts (arith.extf / arith.truncf, as named ops with
/// mixed types have them) may wrap the operands, the product and the sum;
/// anything else changes what the op computes. The upstream contraction
/// matcher looks through every one-operand op, so a `negf` or `exp` on an
/// operand would otherwise be dropped by the rewrite.
static std::string bodyProblem(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (!body || body->getNumArguments() != 3)
    return "its body does not take one element of A, of B and of the "
           "result";
  SmallPtrSet<Operation *, 8> matched;
  auto stripCasts = [&](Value value) {
    while (Operation *def = value.getDefiningOp()) {
      if (def->getBlock() != body || !isa<arith::ExtFOp, arith::TruncFOp>(def))
        break;
      matched.insert(def);
      value = def->getOperand(0);
    }
    return value;
  };
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  bool isMultiplyAccumulate = [&] {
    if (yield.getNumOperands() != 1)
      return false;
    auto add = stripCasts(yield.getOperand(0)).getDefiningOp<arith::AddFOp>();
    if (!add || add->getBlock() != body)
      return false;
    matched.insert(add);
    Value lhs = stripCasts(add.getLhs()), rhs = stripCasts(add.getRhs());
    if (rhs == body->getArgument(2))
      std::swap(lhs, rhs);
    auto mul = rhs.getDefiningOp<arith::MulFOp>();
    if (lhs != body->getArgument(2) || !mul || mul->getBlock() != body)
      return false;
    matched.insert(mul);
    Value x = stripCasts(mul.getLhs()), y = stripCasts(mul.getRhs());
    return (x == body->getArgument(0) && y == body->getArgument(1)) ||
           (x == body->getArgument(1) && y == body->getArgument(0));
  }();
  // Name the op that makes the difference: one outside the
  // multiply-accumulate, else (a wrong combination of them) none.
  for (Operation &inner : body->without_terminator()) {
    bool expected = isMultiplyAccumulate
                        ? matched.contains(&inner)
                        : isa<arith::MulFOp, arith::AddFOp, arith::ExtFOp,
                              arith::TruncFOp>(inner);
    if (!expected)
      return "its body is not out + A * B (it has '" +
             inner.getName().getStringRef().str() +
             "'); only plain multiply-accumulates are quantized";
  }
  if (!isMultiplyAccumulate)
    return "its body is not out + A * B; only plain multiply-accumulates "
           "are quantized";
  return "";
}

/// A linalg.generic with two inputs, one init, a reduction and a constant
/// input: what a user may mean as a matmul with a constant weight.
static bool looksLikeConstantMatmul(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp>(op.getOperation()) ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0)
    return false;
  return llvm::any_of(op.getDpsInputs(), [](Value input) {
    return matchPattern(input, m_Constant());
  });
}

/// Whether `op`'s folder turns it into constants given its constant
/// operands (tried on a detached copy: a folder may update its op); none
/// when not tried.
static std::optional<bool> foldsToConstant(Operation *op) {
  SmallVector<Attribute> operands;
  for (Value operand : op->getOperands()) {
    Attribute value;
    matchPattern(operand, m_Constant(&value));
    // Folding a large non-splat weight would build (and keep in the
    // context) a copy of it just to word a remark.
    if (auto elements = dyn_cast_or_null<ElementsAttr>(value);
        elements && !elements.isSplat() && elements.getNumElements() > 65536)
      return std::nullopt;
    operands.push_back(value);
  }
  Operation *copy = op->clone();
  SmallVector<OpFoldResult> results;
  bool folded =
      succeeded(copy->fold(operands, results)) && !results.empty() &&
      llvm::all_of(results, [&](OpFoldResult result) {
        if (isa<Attribute>(result))
          return true;
        Value value = cast<Value>(result);
        return value.getDefiningOp() != copy && matchPattern(value, m_Constant());
      });
  copy->destroy();
  return folded;
}

/// Why a weight that is not a constant but is computed from constants only
/// (a destination-style op's init only gives the result's shape), or sliced
/// from one at a run-time offset, is not quantized, with what to do about
/// it; "" for any other weight.
static std::string computedFromConstants(Value weight) {
  Operation *producer = weight.getDefiningOp();
  if (!producer)
    return "";
  // Stacked layer weights indexed by a loop: the slice is a different
  // constant each iteration, and quantizing at run time (full-path) would
  // redo it every call.
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(producer))
    if (matchPattern(slice.getSource(), m_Constant()) &&
        !llvm::all_of(slice->getOperands(), [](Value operand) {
          return matchPattern(operand, m_Constant());
        }))
      return "the weight (B) is a slice of a constant at an offset known "
             "only at run time (a tiled loop, or a loop over stacked layer "
             "weights?); only constant weights are quantized: run "
             "--qblock-quantize-linalg before tiling, unroll a loop over "
             "layers, or give each layer a constant weight of its own";
  SmallVector<Value> inputs;
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(producer))
    inputs = dps.getDpsInputs();
  else
    inputs = llvm::to_vector(producer->getOperands());
  if (inputs.empty() || !llvm::all_of(inputs, [](Value operand) {
        return matchPattern(operand, m_Constant());
      }))
    return "";
  std::string name = producer->getName().getStringRef().str();
  std::string computed = "the weight (B) is computed from constants by '" +
                         name + "', not a constant itself";
  // Elementwise casts and reshapes of constants are what -canonicalize
  // folds; it leaves slices of non-splat constants and broadcasts alone.
  // A tensor.cast folds into the matmul that reads it. Folders read only
  // inline elements: a cast or reshape of a dense_resource stays.
  bool ofResource = llvm::any_of(inputs, [](Value operand) {
    Attribute value;
    return matchPattern(operand, m_Constant(&value)) &&
           isa<DenseResourceElementsAttr>(value);
  });
  if (ofResource && !isa<tensor::CastOp>(producer))
    return computed + ", and -canonicalize does not fold ops on "
                      "dense_resource constants; only constant weights are "
                      "quantized, so export the weight as the matmul reads "
                      "it (its element type and shape)";
  if (isa<arith::ExtFOp, arith::TruncFOp, tensor::CastOp>(producer))
    return computed + "; fold it first (-canonicalize folds casts of "
                      "constants)";
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(producer))
    return computed + "; fold it first (-canonicalize folds reshapes of "
                      "constants)";
  // Any other op whose folder makes a constant of constant operands
  // (arith.negf, arith.mulf, ...) goes the same way.
  std::optional<bool> folds = foldsToConstant(producer);
  if (folds == true)
    return computed + "; fold it first (-canonicalize folds '" + name +
           "' of constants)";
  if (!folds)
    return computed + "; only constant weights are quantized: run "
                      "-canonicalize first if it folds this op, or give "
                      "this matmul a constant weight of its own";
  return computed + ", and -canonicalize does not fold it; only constant "
                    "weights are quantized, so give this matmul a constant "
                    "weight of its own (e.g. export a fused weight as "
                    "separate constants)";
}

struct QuantizeLinalgPass
    : public qblock::impl::QuantizeLinalgBase<QuantizeLinalgPass> {
  using Base::Base;

  /// NVFP4's block is 16 unless given; the option then says so, so that a
  /// printed pipeline (which lists every option with its value) parses
  /// again to the same pass rather than to NVFP4 with blocks of 32.
  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    if (failed(Pass::initializeOptions(options, errorHandler)))
      return failure();
    if (scheme == QuantScheme::NVFP4 && !block.hasValue())
      block = 16;
    return success();
  }

  /// What is wrong with the options: errors (combinations that cannot work)
  /// and warnings (options that have no effect), in the order found.
  struct OptionProblem {
    bool isError;
    std::string message;
  };

  SmallVector<OptionProblem> checkOptions(MLIRContext *context) const {
    SmallVector<OptionProblem> problems;
    auto fail = [&](const Twine &message) {
      problems.push_back({true, message.str()});
      return problems;
    };
    auto warn = [&](const Twine &message) {
      problems.push_back({false, message.str()});
    };
    // Whether an option that only another scheme reads was meant. A
    // printed pipeline (--dump-pass-pipeline, a crash reproducer, Python's
    // str(PassManager)) lists every option, defaults included, and must
    // parse again without a word: there only a value other than the
    // default was meant. Anywhere else a given option was meant, whatever
    // its value: `scheme=bcq block=32` (groups of 32 meant) quantized in
    // groups of 128 without a word, while block=16 was an error. (Keep the
    // list to the pass's options.)
    bool printedPipeline =
        scheme.hasValue() && block.hasValue() && select.hasValue() &&
        bits.hasValue() && group.hasValue() && from.hasValue() &&
        acts.hasValue() && fullPath.hasValue() && tensorScale.hasValue();
    auto meant = [&](const auto &option, const auto &defaultValue) {
      return option.hasValue() &&
             (!printedPipeline || option.getValue() != defaultValue);
    };
    if (fullPath && acts == ActScheme::None)
      return fail("full-path=true quantizes activation-by-activation "
                  "matmuls with the acts= scheme; set acts=blockdialect, "
                  "mxfp4, nvfp4 or int8");
    if (acts != ActScheme::None && scheme == QuantScheme::BCQ)
      return fail("acts=" + actsName() +
                  " needs a block weight scheme; qblock.lut_gemm (scheme=bcq) "
                  "takes float activations");
    if (from != "fit" && from != "uniform")
      return fail("from=" + from + " is unknown; use from=fit or from=uniform");
    if (from == "uniform" && scheme != QuantScheme::BCQ)
      return fail("from=uniform converts uniform INT-q to BCQ; it needs "
                  "scheme=bcq");
    // As bits= and group= below: the user meant BCQ.
    if (meant(from, std::string("fit")) && scheme != QuantScheme::BCQ)
      return fail("from=" + from +
                  " chooses how BCQ weights are fitted; add scheme=bcq "
                  "(scheme=" +
                  schemeName() + " takes no from=)");
    // Silently dropping them would quantize with a scheme the user did not
    // ask for (blockdialect, say, when scheme=bcq was forgotten).
    bool bitsMeant = meant(bits, int64_t(3)),
         groupMeant = meant(group, int64_t(128));
    if (scheme != QuantScheme::BCQ && (bitsMeant || groupMeant))
      return fail(Twine(bitsMeant ? "bits=" : "group=") +
                  " sets the BCQ bit planes and group size; add scheme=bcq "
                  "(block schemes take block=N)");
    if (scheme == QuantScheme::BCQ && meant(block, int64_t(32)))
      return fail("block=" + Twine(block) +
                  " sets a block scheme's block size; scheme=bcq quantizes "
                  "in groups: use group=N (default 128)");
    // Harmless but ignored: say so, since the user expected an effect.
    if (meant(select, num::SelectRule::MSE) &&
        scheme != QuantScheme::BlockDialect)
      warn(Twine("select= chooses among BlockDialect's 16 formats per "
                 "block; scheme=") +
           schemeName() +
           (scheme == QuantScheme::BCQ
                ? " has no formats (its weights are bit planes)"
                : " has one format") +
           ", so select= has no effect");
    if (meant(tensorScale, true) && scheme != QuantScheme::NVFP4 &&
        acts != ActScheme::NVFP4)
      warn(Twine("tensor-scale= applies to NVFP4's E4M3 block scales "
                 "(scheme=nvfp4, acts=nvfp4); scheme=") +
           schemeName() +
           (scheme == QuantScheme::INT4  ? " has F16 scales"
            : scheme == QuantScheme::BCQ ? " has f16 alphas"
                                         : " has power-of-two scales") +
           ", so tensor-scale= has no effect");
    if (scheme == QuantScheme::BCQ) {
      if (bits < 1 || bits > 4)
        return fail("bits=" + Twine(bits) + " is out of range; use 1..4");
      std::string problem = num::validateBCQScheme(
          num::BCQScheme{static_cast<int>(bits), group, true});
      if (!problem.empty())
        return fail("group=" + Twine(group) + ": " + problem);
      // Legal, but rarely what anyone wants (docs/formats.md 8.2): the
      // range widened to include 0 leaves the levels 0 and max - min (or
      // min - max), so most weights decode to 0.
      if (bits == 1 && from == "uniform")
        warn("bits=1 from=uniform has the two levels 0 and +-(max - min) "
             "per group, so most weights decode to 0; use from=fit (the BCQ "
             "fit) for 1-bit weights");
      return problems;
    }
    std::string problem = num::validateBlockSize(block);
    if (!problem.empty())
      return fail("block=" + Twine(block) + ": " + problem);
    // The integer path's dot products must stay exact: caught here, before
    // any op is rewritten into a qblock.matmul the verifier rejects.
    if (acts != ActScheme::None) {
      auto weights = cast<SchemeAttr>(getSchemeAttr(context));
      int64_t blockSize = weights.getBlockSize();
      SchemeAttr activations = activationScheme(context, blockSize);
      int64_t limit = largestExactIntegerBlock(activations, weights);
      // full-path=true multiplies activations by activations.
      if (fullPath)
        limit =
            std::min(limit, largestExactIntegerBlock(activations, activations));
      if (blockSize > limit)
        return fail("block=" + Twine(blockSize) + " with acts=" + actsName() +
                    (fullPath ? " full-path=true" : "") +
                    ": the integer path's block dot products could exceed "
                    "2^24 and not be exact in f32; use blocks of at most " +
                    Twine(limit) + " elements");
    }
    return problems;
  }

  /// Reports the option problems and says whether any is an error. The
  /// pass runs once per func.func, so only the first function of its block
  /// reports them: once per module and run, without state shared between
  /// the per-thread clones of the pass or kept from an earlier run of the
  /// same pass manager. They are located at the enclosing module, which
  /// names the input file: an op's diagnostic would print the whole module
  /// as a note, and initialize() has no location to give.
  bool reportOptionProblems() {
    SmallVector<OptionProblem> problems = checkOptions(&getContext());
    func::FuncOp function = getOperation();
    Block *block = function->getBlock();
    bool first =
        !block || *block->getOps<func::FuncOp>().begin() == function;
    if (first) {
      Operation *anchor = function->getParentOp() ? function->getParentOp()
                                                  : function.getOperation();
      for (const OptionProblem &problem : problems) {
        std::string message = "--qblock-quantize-linalg: " + problem.message;
        if (problem.isError)
          emitError(anchor->getLoc(), message);
        else
          emitWarning(anchor->getLoc(), message);
      }
    }
    return llvm::any_of(problems, [](const OptionProblem &problem) {
      return problem.isError;
    });
  }

  /// The scheme attribute the options describe.
  Attribute getSchemeAttr(MLIRContext *context) const {
    if (scheme == QuantScheme::BCQ)
      return BCQSchemeAttr::get(context, bits, group, /*offset=*/true,
                                /*fromUniform=*/from == "uniform");
    num::Scheme numScheme = [&] {
      switch (scheme) {
      case QuantScheme::MXFP4:
        return num::Scheme::mxfp4();
      case QuantScheme::NVFP4:
        return num::Scheme::nvfp4();
      case QuantScheme::INT4:
        return num::Scheme::int4();
      default:
        return num::Scheme::blockDialect();
      }
    }();
    // NVFP4's block is 16 by definition; take it unless the user chose one.
    if (block.hasValue() || scheme != QuantScheme::NVFP4)
      numScheme.blockSize = block;
    numScheme.select = select;
    return SchemeAttr::get(context, numScheme);
  }

  /// Checks that `op` is a contraction we can express as qblock.matmul and
  /// returns where its K runs in the weight, or a reason why not.
  FailureOr<MatmulShape> analyze(linalg::LinalgOp op,
                                 std::string &reason) const {
    auto fail = [&](const Twine &why) {
      reason = why.str();
      return failure();
    };
    if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
      return fail("expected two inputs and one init");
    if (!op.hasPureTensorSemantics())
      return fail("it operates on buffers; run this pass before "
                  "bufferization");
    // (Integer matmuls have integer bodies: the element-type remark below
    // says more.)
    if (unsupportedElementType(op).empty())
      if (std::string problem = bodyProblem(op); !problem.empty())
        return fail(problem);
    if (isa<linalg::MatvecOp, linalg::VecmatOp>(op.getOperation()))
      return analyzeVectorProduct(op, reason);
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    // Several M dimensions arise when B's map has no batch dimension (a
    // weight shared by every batch): they are collapsed into one. Each
    // other shape gets its own reason: one message for all of them sent a
    // user whose activation was shared across the weight's batch (an N-like
    // dimension) looking for a second M, K or N.
    if (failed(dims))
      return fail("it is not a contraction (C += A * B with every "
                  "dimension indexing two of the three operands)");
    auto count = [](const auto &dimensions) {
      return std::to_string(dimensions.size());
    };
    if (dims->m.empty())
      return fail("it has no M dimension (one that indexes the activation "
                  "(A) and the result but not the weight (B))");
    if (dims->n.size() != 1)
      return fail(
          dims->n.empty()
              ? std::string("it has no N dimension (one that indexes the "
                            "weight (B) and the result but not the "
                            "activation (A))")
              : count(dims->n) +
                    " dimensions index the weight (B) and the result but "
                    "not the activation (A); qblock.matmul has one N. If A "
                    "is shared across a batch of weights, broadcast A to "
                    "that batch first (linalg.broadcast)");
    if (dims->k.size() != 1)
      return fail("it reduces over " + count(dims->k) +
                  " dimensions; qblock.matmul reduces over one K: collapse "
                  "them into one (tensor.collapse_shape of both operands)");
    if (dims->batch.size() > 1)
      return fail("it has " + count(dims->batch) +
                  " batch dimensions; qblock.matmul takes at most one: "
                  "collapse them into one (tensor.collapse_shape)");
    if (dims->m.size() > 1 && !dims->batch.empty())
      return fail("it has " + count(dims->m) +
                  " M dimensions and a batch dimension; qblock.matmul "
                  "collapses several M dimensions only for a weight shared "
                  "by all of them (no batch dimension)");
    SmallVector<unsigned> batch(dims->batch.begin(), dims->batch.end());
    SmallVector<unsigned> ms(dims->m.begin(), dims->m.end());
    unsigned n = dims->n.front(), k = dims->k.front();
    auto withBatch = [&](ArrayRef<unsigned> rest) {
      SmallVector<unsigned> all(batch);
      all.append(rest.begin(), rest.end());
      return all;
    };
    auto withRows = [&](unsigned last) {
      SmallVector<unsigned> all(ms);
      all.push_back(last);
      return withBatch(all);
    };
    OpOperand *lhs = op.getDpsInputOperand(0);
    OpOperand *rhs = op.getDpsInputOperand(1);
    OpOperand *init = op.getDpsInitOperand(0);
    if (!mapYields(op.getMatchingIndexingMap(lhs), withRows(k))) {
      // A generic may multiply in either order; the dimensions above were
      // inferred with the first input as A, so a constant weight first
      // makes A look mislaid.
      // (A constant itself peels to itself.)
      auto isWeight = [](Value v) {
        return peelToConstant(v, 0, /*mayBroadcast=*/true).has_value();
      };
      if (isWeight(lhs->get()) && !isWeight(rhs->get()))
        return fail("its first input is the constant weight; qblock.matmul "
                    "takes the activation first (A) and the weight second "
                    "(B): swap the two inputs and their indexing maps");
      return fail("the activation (A) is not laid out as [batch x] M x K; "
                  "transpose it first");
    }
    if (!mapYields(op.getMatchingIndexingMap(init), withRows(n)))
      return fail("the result is not laid out as [batch x] M x N");
    AffineMap weightMap = op.getMatchingIndexingMap(rhs);
    int64_t rank = batch.size() + 2;
    MatmulShape shape;
    shape.collapseRows = ms.size() > 1;
    if (mapYields(weightMap, withBatch({k, n})))
      shape.weightAxis = rank - 2;
    else if (mapYields(weightMap, withBatch({n, k})))
      shape.weightAxis = rank - 1;
    else
      return fail("the weight (B) is neither [batch x] K x N nor "
                  "[batch x] N x K");

    if (std::string problem = unsupportedElementType(op); !problem.empty())
      return fail(problem);
    // B = transposes and a batch broadcast of a constant: quantize the
    // constant itself, in its own layout (K on the other axis after an odd
    // number of transposes); a broadcast makes it one weight shared by the
    // batch, as for a B map without the batch.
    if (!matchPattern(rhs->get(), m_Constant())) {
      if (std::optional<PeeledWeight> peeled = peelToConstant(
              rhs->get(), shape.weightAxis, batch.size() == 1)) {
        shape.weightSource = peeled->constant;
        shape.weightAxis = peeled->axis;
        shape.peeled = std::move(peeled->ops);
        if (peeled->broadcast)
          shape.collapseRows = true;
      }
    }
    Value weightValue = shape.weightSource ? shape.weightSource : rhs->get();
    shape.activationByActivation = !matchPattern(weightValue, m_Constant());
    // Without full-path, or for a shared weight (which full-path does not
    // take), a weight that is not a constant leaves the matmul in float.
    if (shape.activationByActivation &&
        (!(fullPath && acts != ActScheme::None) || shape.collapseRows)) {
      // A weight one fold away from a constant is worth saying so first.
      if (std::string advice = computedFromConstants(weightValue);
          !advice.empty())
        return fail(advice);
      if (shape.collapseRows)
        return fail("the weight (B) is shared by all batches but is not a "
                    "constant; only constant shared weights are quantized");
      if (matchPattern(lhs->get(), m_Constant()))
        return fail("only the left-hand operand (A) is a constant; weights "
                    "are quantized as the right-hand operand (B in C = A * B)");
      // A load of a mutable global (an immutable one is a constant by now).
      if (auto load = weightValue.getDefiningOp<ml_program::GlobalLoadOp>())
        return fail("the weight (B) is read from the mutable global @" +
                    load.getGlobal().getLeafReference().str() +
                    "; only constant weights are quantized: make the global "
                    "immutable if the weight never changes");
      // A private function's argument: its callers may pass constants.
      if (auto argument = dyn_cast<BlockArgument>(weightValue))
        if (auto function = dyn_cast<FunctionOpInterface>(
                argument.getOwner()->getParentOp());
            function && argument.getOwner()->isEntryBlock() &&
            function.isPrivate())
          return fail("the weight (B) is an argument of @" +
                      function.getName().str() +
                      "; if its callers pass constants, run --inline first "
                      "so that the matmul reads them");
      // full-path needs acts=, which LUT-GEMM (float activations) refuses:
      // suggesting it under scheme=bcq would lead to an error.
      if (scheme == QuantScheme::BCQ)
        return fail("the weight operand is not a constant (scheme=bcq "
                    "quantizes constant weights only)");
      return fail("the weight operand is not a constant (full-path=true "
                  "with acts= quantizes activation-by-activation matmuls)");
    }
    auto weightType = cast<RankedTensorType>(weightValue.getType());
    shape.k = weightType.getDimSize(shape.weightAxis);
    if (ShapedType::isDynamic(shape.k))
      return fail("the reduction dimension K is dynamic");
    // The quantized-by-quantized kernels (CPU and GPU) tile the right-hand
    // operand's rows by its static N; a batch may come at run time (the
    // GPU kernels then leave the product to the generic loop nests).
    int64_t weightRank = weightType.getRank();
    int64_t nDim =
        shape.weightAxis == weightRank - 2 ? weightRank - 1 : weightRank - 2;
    if (shape.activationByActivation && weightType.isDynamicDim(nDim))
      return fail("the right-hand activation (B) has a dynamic N (a "
                  "dynamic sequence length?); full-path quantizes "
                  "activation-by-activation matmuls only when B's N is "
                  "static");
    // An empty weight has nothing to quantize, and the result is just the
    // init; the kernels assume at least one block per row and one row.
    if (llvm::is_contained(weightType.getShape(), 0)) {
      std::string shapeText;
      llvm::raw_string_ostream os(shapeText);
      llvm::interleave(weightType.getShape(), os, "x");
      return fail("the weight (B) has no elements (shape " + shapeText +
                  "); there is nothing to quantize");
    }
    return shape;
  }

  /// Scaled copies of NVFP4 weights by (constant, exponent): see rewrite().
  DenseMap<std::pair<Value, int>, Value> scaledWeights;

  void runOnOperation() override {
    scaledWeights.clear();
    if (reportOptionProblems())
      return signalPassFailure();
    MLIRContext *context = &getContext();
    Attribute schemeAttr = getSchemeAttr(context);
    int64_t blockSize = scheme == QuantScheme::BCQ
                            ? static_cast<int64_t>(group)
                            : cast<SchemeAttr>(schemeAttr).getBlockSize();
    StringRef unit = scheme == QuantScheme::BCQ ? "group" : "block";

    // A weight read from an immutable ml_program global is a constant.
    // Only loads that a contraction, or a transpose or broadcast on the way
    // to one, reads become arith.constant here (the pipelines' first steps
    // replace the rest); the lookup of the global reads the enclosing
    // module's symbol table, which no qblock function pass modifies.
    replaceConstantGlobalLoads(getOperation(), [](Operation *load) {
      return llvm::any_of(load->getUsers(), [](Operation *user) {
        auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
        return linalgOp &&
               (linalg::isaContractionOpInterface(linalgOp) ||
                isa<linalg::TransposeOp, linalg::BroadcastOp>(user));
      });
    });

    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (linalg::isaContractionOpInterface(op)) {
        candidates.push_back(op);
        return;
      }
      // A reduction over a constant that is not a contraction (out - A*B,
      // fma, a scaled product) may have been meant as a matmul: say why it
      // stays rather than nothing.
      if (looksLikeConstantMatmul(op)) {
        std::string why = bodyProblem(op);
        if (why.empty())
          why = "it is not a contraction: its indexing maps and iterators "
                "do not describe a matmul";
        emitRemark(op->getLoc(), "not quantized: ") << why;
      }
    });

    for (linalg::LinalgOp op : candidates) {
      std::string reason;
      FailureOr<MatmulShape> shape = analyze(op, reason);
      if (succeeded(shape) && shape->k % blockSize != 0) {
        reason = (Twine("K = ") + Twine(shape->k) +
                  " is not a multiple of the " + unit + " size " +
                  Twine(blockSize) + "; " +
                  sizesThatFit(shape->k, scheme == QuantScheme::BCQ))
                     .str();
        shape = failure();
      }
      if (failed(shape)) {
        // The remark's location shows the op; printing it again as a note
        // (what op->emitRemark does) doubles every remark.
        emitRemark(op->getLoc(), "not quantized: ") << reason;
        continue;
      }
      rewrite(op, *shape, schemeAttr);
    }
  }

  /// [[0, ..., rank - 2], [rank - 1]]: every leading dimension into one.
  static SmallVector<ReassociationIndices> rowsReassociation(Value value) {
    int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
    ReassociationIndices rows;
    for (int64_t d = 0; d + 1 < rank; ++d)
      rows.push_back(d);
    return {rows, ReassociationIndices{rank - 1}};
  }

  /// A [d0 x ... x] M x C tensor as (d0 * ... * M) x C.
  static Value collapseRows(OpBuilder &builder, Location loc, Value value) {
    return tensor::CollapseShapeOp::create(builder, loc, value,
                                           rowsReassociation(value));
  }

  /// A vector of C elements as a 1 x C row.
  static Value asRow(OpBuilder &builder, Location loc, Value vector) {
    auto type = cast<RankedTensorType>(vector.getType());
    auto rowType = RankedTensorType::get({1, type.getDimSize(0)},
                                         type.getElementType());
    SmallVector<OpFoldResult> sizes{builder.getIndexAttr(1)};
    sizes.push_back(tensor::getMixedSize(builder, loc, vector, 0));
    return tensor::ExpandShapeOp::create(
        builder, loc, rowType, vector,
        SmallVector<ReassociationIndices>{{0, 1}}, sizes);
  }

  /// `rows` ((d0 * ... * M) x N) in the shape of `like` ([d0 x ...] M x N).
  /// With more than one dynamic leading dimension this is a tensor.reshape,
  /// not an expand_shape: MLIR 22's expand-strided-metadata crashes on a
  /// memref.expand_shape with two dynamic sizes in one group.
  static Value expandRows(OpBuilder &builder, Location loc, Value rows,
                          Value like) {
    auto type = cast<RankedTensorType>(like.getType());
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(builder, loc, like);
    if (llvm::count_if(type.getShape().drop_back(), ShapedType::isDynamic) <
        2)
      return tensor::ExpandShapeOp::create(builder, loc, type, rows,
                                           rowsReassociation(like), sizes);
    SmallVector<Value> sizeValues;
    for (OpFoldResult size : sizes)
      sizeValues.push_back(
          getValueOrCreateConstantIndexOp(builder, loc, size));
    Value shape = tensor::FromElementsOp::create(builder, loc, sizeValues);
    return tensor::ReshapeOp::create(builder, loc, type, rows, shape);
  }

  /// The activation with its K (last) axis given the weight's static K.
  /// The kernels size their K loops and the activation quantizer its blocks
  /// from the type; a `?` there (e.g. after a tensor.cast to tensor<?x?xf32>)
  /// would leave them without a block count. The cast only states what must
  /// hold, so it comes with a run-time check that it does, reported at `op`
  /// (the linalg op the user wrote). The qblock matmuls' own checks
  /// (emitRuntimeShapeChecks) look through a cast and the activation
  /// quantizer, but not through the rest of what this pass may put between
  /// it and the matmul: the collapse of a shared weight's batch into rows,
  /// a vector's expansion into a row. Without this check a K that
  /// differs from the weight's read past the activations there, or used
  /// only the first K columns (found by an adversarial run, 2026-12-06).
  static Value withStaticK(OpBuilder &builder, Operation *op, Value lhs,
                           int64_t k) {
    Location loc = op->getLoc();
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    int64_t last = lhsType.getRank() - 1;
    if (!lhsType.isDynamicDim(last))
      return lhs;
    Value size = tensor::DimOp::create(builder, loc, lhs, last);
    Value expected = arith::ConstantIndexOp::create(builder, loc, k);
    emitSizeAssert(
        builder, loc, size, expected,
        runtimeCheckMessage(
            op,
            ("the activations' reduction size (dimension " + llvm::Twine(last) +
             " of the input) differs from the weight's K = " + llvm::Twine(k))
                .str()));
    SmallVector<int64_t> shape(lhsType.getShape());
    shape[last] = k;
    return tensor::CastOp::create(builder, loc, lhsType.clone(shape), lhs);
  }

  /// Before a shared weight's batch is collapsed into rows: the result's
  /// leading dimensions must be the activations' one by one. After the
  /// collapse the matmul compares only their products, and a 3 x 2 result
  /// took the rows of 2 x 3 activations silently (found by an audit,
  /// 2026-12-07).
  static void checkSameLeadingDims(OpBuilder &builder, Operation *op, Value lhs,
                                   Value init) {
    Location loc = op->getLoc();
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto initType = cast<RankedTensorType>(init.getType());
    for (int64_t d = 0; d + 1 < lhsType.getRank(); ++d) {
      if (!lhsType.isDynamicDim(d) && !initType.isDynamicDim(d))
        continue;
      Value acts = getValueOrCreateConstantIndexOp(
          builder, loc, tensor::getMixedSize(builder, loc, lhs, d));
      Value result = getValueOrCreateConstantIndexOp(
          builder, loc, tensor::getMixedSize(builder, loc, init, d));
      emitSizeAssert(
          builder, loc, result, acts,
          runtimeCheckMessage(op, ("the result's dimension " + Twine(d) +
                                   " differs from the activations' "
                                   "(dimension " +
                                   Twine(d) + " of the output and the input)")
                                      .str()));
    }
  }

  /// Online activation quantization: blocked along K (the last axis) with
  /// the weights' block size so blocks pair up.
  Value quantizeActivations(OpBuilder &builder, Location loc, Value lhs,
                            int64_t blockSize) {
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto type = QuantizedTensorType::get(
        builder.getContext(), lhsType.getShape(), lhsType.getElementType(),
        activationScheme(builder.getContext(), blockSize),
        lhsType.getRank() - 1);
    return QuantizeOp::create(builder, loc, type, lhs);
  }

  StringRef schemeName() const {
    switch (scheme) {
    case QuantScheme::MXFP4:
      return "mxfp4";
    case QuantScheme::NVFP4:
      return "nvfp4";
    case QuantScheme::INT4:
      return "int4";
    case QuantScheme::BCQ:
      return "bcq";
    default:
      return "blockdialect";
    }
  }

  std::string actsName() const {
    switch (acts) {
    case ActScheme::MXFP4:
      return "mxfp4";
    case ActScheme::NVFP4:
      return "nvfp4";
    case ActScheme::INT8:
      return "int8";
    case ActScheme::BlockDialect:
      return "blockdialect";
    default:
      return "none";
    }
  }

  /// The acts= scheme with a given block size.
  SchemeAttr activationScheme(MLIRContext *context, int64_t blockSize) const {
    num::Scheme actScheme = [&] {
      switch (acts) {
      case ActScheme::MXFP4:
        return num::Scheme::mxfp4(blockSize);
      case ActScheme::NVFP4:
        return num::Scheme::nvfp4(blockSize);
      case ActScheme::INT8:
        return num::Scheme::int8(blockSize);
      default:
        return num::Scheme::blockDialect(blockSize, num::SelectRule::TwoStage);
      }
    }();
    return SchemeAttr::get(context, actScheme);
  }

  /// The exponent e of NVFP4's per-tensor scale 2^e for a constant weight
  /// under an E4M3-scaled scheme (numerics::e4m3TensorScaleExponent: the
  /// largest block scale lands in E4M3's top binade, the rest have 2^17 of
  /// range below it); 0 for weights already in place or all zero. None
  /// when tensor-scale=false, for other scale kinds, and for weights that
  /// hold NaN or infinities (left to --qblock-select-formats' diagnostics)
  /// or whose data this pass cannot read.
  std::optional<int> tensorScaleExponent(Value weight,
                                         Attribute schemeAttr) const {
    auto blockScheme = dyn_cast<SchemeAttr>(schemeAttr);
    if (!tensorScale || !blockScheme)
      return std::nullopt;
    num::Scheme numScheme = blockScheme.toNumerics();
    if (numScheme.scale != num::ScaleKind::E4M3)
      return std::nullopt;
    Attribute data;
    if (!matchPattern(weight, m_Constant(&data)))
      return std::nullopt;
    double amax = 0;
    auto dense = dyn_cast<DenseElementsAttr>(data);
    if (dense && dense.isSplat() && isa<FloatType>(dense.getElementType())) {
      // One value, however large the tensor: no need to expand it.
      amax = std::fabs(dense.getSplatValue<APFloat>().convertToDouble());
    } else {
      std::vector<float> converted;
      FailureOr<const float *> values = getFloatData(data, converted);
      if (failed(values))
        return std::nullopt;
      int64_t count = cast<ElementsAttr>(data).getNumElements();
      for (int64_t i = 0; i < count; ++i) {
        double magnitude = std::fabs(static_cast<double>((*values)[i]));
        if (!std::isfinite(magnitude))
          return std::nullopt;
        amax = std::max(amax, magnitude);
      }
    }
    if (!std::isfinite(amax))
      return std::nullopt;
    return num::e4m3TensorScaleExponent(amax, numScheme.book);
  }

  /// `weight` (a float constant) times 2^exponent, exact barring subnormal
  /// results, as a new constant of the same type.
  Value scaledConstant(OpBuilder &builder, Location loc, Value weight,
                       int exponent) const {
    Attribute data;
    bool isConstant = matchPattern(weight, m_Constant(&data));
    assert(isConstant && "tensorScaleExponent read it");
    (void)isConstant;
    auto type = cast<ShapedType>(cast<TypedAttr>(data).getType());
    TypedAttr scaled;
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(data)) {
      // An f32, f16 or bf16 blob (getFloatData read it): a new blob of the
      // same type, so the IR keeps printing the weight by name.
      int64_t count = type.getNumElements();
      Type element = type.getElementType();
      std::vector<char> bytes;
      if (element.isF32()) {
        std::vector<float> storage;
        const float *values = *getFloatData(data, storage);
        bytes.resize(count * sizeof(float));
        for (int64_t i = 0; i < count; ++i) {
          float value = std::ldexp(values[i], exponent);
          std::memcpy(bytes.data() + i * sizeof(float), &value, sizeof(float));
        }
      } else {
        // Half weights are scaled in their own bits, without widening the
        // whole tensor to f32 (a large model's weights are most of its
        // size): see scaleHalfBits.
        ArrayRef<char> raw = resource.getRawHandle().getBlob()->getData();
        const auto &semantics = cast<FloatType>(element).getFloatSemantics();
        bytes.resize(count * 2);
        for (int64_t i = 0; i < count; ++i) {
          uint16_t bits;
          std::memcpy(&bits, raw.data() + 2 * i, sizeof(bits));
          bits = scaleHalfBits(bits, exponent, semantics);
          std::memcpy(bytes.data() + 2 * i, &bits, sizeof(bits));
        }
      }
      AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
          bytes, alignof(float));
      std::string name =
          (resource.getRawHandle().getKey() + ".tensor_scaled").str();
      scaled = DenseResourceElementsAttr::get(type, name, std::move(blob));
    } else {
      scaled = cast<DenseElementsAttr>(data).mapValues(
          type.getElementType(), [&](const APFloat &value) {
            return llvm::scalbn(value, exponent,
                                APFloat::rmNearestTiesToEven)
                .bitcastToAPInt();
          });
    }
    return arith::ConstantOp::create(builder, loc, scaled);
  }

  /// NVFP4's per-tensor scale for activations, chosen at run time
  /// (acts=nvfp4, or the B operand under full-path=true, with
  /// tensor-scale=true): without it, activations whose block maxima fall
  /// below E4M3's range (|x| under about 0.006) quantized to all zeros,
  /// and those above 2688 saturated. The weights' rule
  /// (numerics::e4m3TensorScaleExponent) on the largest magnitude of `x`
  /// (NaN ignored; 0, infinities: no scale), computed in the IR: `x`
  /// becomes x / 2^e, and the result is e (i32), by whose power of two
  /// the matmul's result is multiplied. Null for other schemes. Dividing by
  /// a power of two is exact (computed in f32 and rounded back to x's
  /// type, which can only round f16 values far below the smallest code a
  /// block can hold).
  Value scaleActivationsAtRunTime(OpBuilder &builder, Location loc, Value &x,
                                  SchemeAttr activationScheme) const {
    if (!tensorScale)
      return {};
    num::Scheme numScheme = activationScheme.toNumerics();
    if (numScheme.scale != num::ScaleKind::E4M3)
      return {};
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    Type element = type.getElementType();
    Type f32 = builder.getF32Type(), i32 = builder.getI32Type();
    auto toF32 = [&](OpBuilder &b, Location l, Value v) -> Value {
      return element == f32 ? v : arith::ExtFOp::create(b, l, f32, v);
    };
    auto int32 = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(builder, loc, v, 32);
    };
    // The largest magnitude, into a 0-d tensor.
    Value zero =
        arith::ConstantOp::create(builder, loc, builder.getF32FloatAttr(0.0f));
    Value amaxInit =
        linalg::FillOp::create(
            builder, loc, zero,
            tensor::EmptyOp::create(builder, loc, ArrayRef<int64_t>{}, f32)
                .getResult())
            .getResult(0);
    AffineMap all = builder.getMultiDimIdentityMap(rank);
    AffineMap none = AffineMap::get(rank, 0, {}, builder.getContext());
    auto amaxOp = linalg::GenericOp::create(
        builder, loc, TypeRange{amaxInit.getType()}, ValueRange{x},
        ValueRange{amaxInit}, ArrayRef<AffineMap>{all, none},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::reduction),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = toF32(b, l, args[0]);
          // maxnumf drops NaN, so a NaN activation leaves the scale of the
          // others alone (its own outputs are NaN either way).
          Value magnitude =
              arith::MaxNumFOp::create(b, l, v, arith::NegFOp::create(b, l, v));
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::MaxNumFOp::create(b, l, args[1], magnitude)});
        });
    Value amax = tensor::ExtractOp::create(builder, loc, amaxOp.getResult(0),
                                           ValueRange{});
    // amax = (1 + m / 2^23) 2^E and the limit L = (1 + m_L / 2^23) 2^E_L
    // (2688 for E2M1): the smallest e with amax / 2^e <= L is E - E_L,
    // plus one where m > m_L.
    float limit = static_cast<float>(num::e4m3TensorScaleLimit(numScheme.book));
    uint32_t limitBits;
    std::memcpy(&limitBits, &limit, sizeof(limit));
    int64_t limitBiased = limitBits >> 23, limitMantissa = limitBits & 0x7FFFFF;
    // One op per statement: the order of C++ argument evaluation is
    // unspecified, and nested creates emitted the ops in another order
    // under clang than under GCC.
    using Pred = arith::CmpIPredicate;
    auto binary = [&](auto op, Value lhs, int64_t rhs) -> Value {
      Value constant = int32(rhs);
      return decltype(op)::create(builder, loc, lhs, constant);
    };
    auto compare = [&](Pred predicate, Value lhs, int64_t rhs) -> Value {
      Value constant = int32(rhs);
      return arith::CmpIOp::create(builder, loc, predicate, lhs, constant);
    };
    Value amaxBits = arith::BitcastOp::create(builder, loc, i32, amax);
    Value bits = binary(arith::AndIOp(), amaxBits, 0x7FFFFFFF);
    Value biased = binary(arith::ShRUIOp(), bits, 23);
    Value mantissa = binary(arith::AndIOp(), bits, 0x7FFFFF);
    Value above = arith::ExtUIOp::create(
        builder, loc, i32, compare(Pred::ugt, mantissa, limitMantissa));
    Value e = binary(arith::SubIOp(), biased, limitBiased);
    e = arith::AddIOp::create(builder, loc, e, above);
    // Clamped so that 2^e and 2^-e are normal floats (subnormal amax gives
    // -126, as the weights' rule does; finite amax never reaches 127).
    e = binary(arith::MaxSIOp(), e, -126);
    e = binary(arith::MinSIOp(), e, 126);
    Value zeroAmax = compare(Pred::eq, bits, 0);
    Value infiniteAmax = compare(Pred::eq, biased, 255);
    Value unscaled = arith::OrIOp::create(builder, loc, zeroAmax, infiniteAmax);
    Value noScale = int32(0);
    e = arith::SelectOp::create(builder, loc, unscaled, noScale, e);
    Value negated = arith::SubIOp::create(builder, loc, noScale, e);
    Value down = powerOfTwo(builder, loc, negated);
    Value out = tensor::EmptyOp::create(
        builder, loc, type.getShape(), element,
        tensor::createDynamicDimValues(builder, loc, x));
    auto scaledOp = linalg::GenericOp::create(
        builder, loc, TypeRange{type}, ValueRange{x}, ValueRange{out},
        ArrayRef<AffineMap>{all, all},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = arith::MulFOp::create(b, l, toF32(b, l, args[0]), down);
          if (element != f32)
            v = arith::TruncFOp::create(b, l, element, v);
          linalg::YieldOp::create(b, l, ValueRange{v});
        });
    x = scaledOp.getResult(0);
    return e;
  }

  /// 2^e as an f32, for an i32 e in -126..127: the bits (e + 127) << 23.
  static Value powerOfTwo(OpBuilder &builder, Location loc, Value e) {
    Value bias = arith::ConstantIntOp::create(builder, loc, 127, 32);
    Value biased = arith::AddIOp::create(builder, loc, e, bias);
    Value position = arith::ConstantIntOp::create(builder, loc, 23, 32);
    Value shifted = arith::ShLIOp::create(builder, loc, biased, position);
    return arith::BitcastOp::create(builder, loc, builder.getF32Type(),
                                    shifted);
  }

  /// The factors that multiply a result by 2^(exponent + sum of
  /// `activationExponents`) (i32 values): the total split into steps of at
  /// most 2^126 each way, all of its sign, so that the partial products
  /// move monotonically from the matmul's sums to the result and none
  /// overflows or underflows where the result does not (a weight's 2^100
  /// then an activation's 2^-120 would overflow first). Three steps cover
  /// |total| <= 117 + 2 * 126.
  SmallVector<Value>
  tensorScaleFactors(OpBuilder &builder, Location loc, int exponent,
                     ArrayRef<Value> activationExponents) const {
    Value left = arith::ConstantIntOp::create(builder, loc, exponent, 32);
    for (Value e : activationExponents)
      left = arith::AddIOp::create(builder, loc, left, e);
    SmallVector<Value> factors;
    for (int step = 0; step < 3; ++step) {
      Value low = arith::ConstantIntOp::create(builder, loc, -126, 32);
      Value high = arith::ConstantIntOp::create(builder, loc, 126, 32);
      Value clamped = arith::MaxSIOp::create(builder, loc, left, low);
      clamped = arith::MinSIOp::create(builder, loc, clamped, high);
      factors.push_back(powerOfTwo(builder, loc, clamped));
      if (step < 2)
        left = arith::SubIOp::create(builder, loc, left, clamped);
    }
    return factors;
  }

  /// init + 2^(exponent + a_1 + ... + a_n) * (lhs * quantized): the
  /// weight's tensor scale 2^exponent (a constant; none for 0) and the run-time
  /// ones of the activations (i32 exponents a_i, applied in steps:
  /// tensorScaleFactors). The matmul accumulates into a zero f32 tensor
  /// (in f16 the unscaled sums could overflow), and one elementwise op
  /// applies the scales and adds the init, rounding once to the result
  /// type.
  Value tensorScaledMatmul(OpBuilder &builder, Location loc, Value lhs,
                           Value quantized, Value init, int exponent,
                           ArrayRef<Value> activationExponents) const {
    auto initType = cast<RankedTensorType>(init.getType());
    Type f32 = builder.getF32Type();
    Type resultElement = initType.getElementType();
    Value empty = tensor::EmptyOp::create(
        builder, loc, initType.getShape(), f32,
        tensor::createDynamicDimValues(builder, loc, init));
    Value zero = arith::ConstantOp::create(builder, loc,
                                           builder.getF32FloatAttr(0.0f));
    Value zeros =
        linalg::FillOp::create(builder, loc, zero, empty).getResult(0);
    Value product = MatmulOp::create(builder, loc, empty.getType(), lhs,
                                     quantized, zeros);
    SmallVector<Value> factors;
    if (!activationExponents.empty())
      factors = tensorScaleFactors(builder, loc, exponent, activationExponents);
    else if (exponent != 0)
      factors.push_back(arith::ConstantOp::create(
          builder, loc, builder.getF32FloatAttr(std::ldexp(1.0f, exponent))));
    AffineMap identity = builder.getMultiDimIdentityMap(initType.getRank());
    SmallVector<utils::IteratorType> parallel(initType.getRank(),
                                              utils::IteratorType::parallel);
    auto scale = linalg::GenericOp::create(
        builder, loc, TypeRange{initType}, ValueRange{product},
        ValueRange{init}, ArrayRef<AffineMap>{identity, identity}, parallel,
        [&](OpBuilder &body, Location bodyLoc, ValueRange args) {
          Value scaled = args[0];
          for (Value factor : factors)
            scaled = arith::MulFOp::create(body, bodyLoc, scaled, factor);
          Value old = args[1];
          if (resultElement != f32)
            old = arith::ExtFOp::create(body, bodyLoc, f32, old);
          Value sum = arith::AddFOp::create(body, bodyLoc, old, scaled);
          if (resultElement != f32)
            sum = arith::TruncFOp::create(body, bodyLoc, resultElement, sum);
          linalg::YieldOp::create(body, bodyLoc, sum);
        });
    return scale.getResult(0);
  }

  /// linalg.matvec (W: N x K constant, x: K) and linalg.vecmat (x: K,
  /// W: K x N constant) as a GEMV on a 1 x K row; torch.mv gives matvec.
  FailureOr<MatmulShape> analyzeVectorProduct(linalg::LinalgOp op,
                                              std::string &reason) const {
    auto fail = [&](const Twine &why) {
      reason = why.str();
      return failure();
    };
    bool matvec = isa<linalg::MatvecOp>(op.getOperation());
    MatmulShape shape;
    shape.vectorProduct = true;
    shape.weightOperand = matvec ? 0 : 1;
    shape.lhsOperand = matvec ? 1 : 0;
    shape.weightAxis = matvec ? 1 : 0;
    if (std::string problem = unsupportedElementType(op); !problem.empty())
      return fail(problem);
    Value weight = op.getDpsInputOperand(shape.weightOperand)->get();
    if (!matchPattern(weight, m_Constant()))
      return fail(Twine("the matrix operand (the weight) of ") +
                  op->getName().getStringRef() + " is not a constant");
    auto weightType = cast<RankedTensorType>(weight.getType());
    shape.k = weightType.getDimSize(shape.weightAxis);
    if (llvm::is_contained(weightType.getShape(), 0))
      return fail("the weight has no elements; there is nothing to quantize");
    return shape;
  }

  void rewrite(linalg::LinalgOp op, const MatmulShape &shape,
               Attribute schemeAttr) {
    OpBuilder builder(op);
    Location loc = op.getLoc();
    Value lhs = op.getDpsInputOperand(shape.lhsOperand)->get();
    Value weight = op.getDpsInputOperand(shape.weightOperand)->get();
    if (shape.weightSource)
      weight = shape.weightSource;
    Value init = op.getDpsInitOperand(0)->get();
    Value originalInit = init;
    auto weightType = cast<RankedTensorType>(weight.getType());
    // Activation-by-activation products quantize B online too, with the
    // activation scheme (the paper's full-path quantization).
    if (shape.activationByActivation)
      schemeAttr = activationScheme(builder.getContext(),
                                    cast<SchemeAttr>(schemeAttr).getBlockSize());
    auto quantType = QuantizedTensorType::get(
        builder.getContext(), weightType.getShape(),
        weightType.getElementType(), schemeAttr, shape.weightAxis);
    Operation *original = weight.getDefiningOp();
    std::optional<int> exponent;
    if (!shape.activationByActivation)
      exponent = tensorScaleExponent(weight, schemeAttr);
    // e = 0 scales nothing, but is still recorded on the quantize op: the
    // weight went through the tensor scale (--qblock-select-formats' advice
    // depends on it).
    bool scaled = exponent && *exponent != 0;
    if (scaled) {
      // One scaled copy per constant, shared by every matmul that reads it
      // (tied weights), so --qblock-select-formats packs it once; placed
      // after the constant, where it dominates all of them.
      Value &scaled = scaledWeights[{weight, *exponent}];
      if (!scaled) {
        OpBuilder atConstant(builder.getContext());
        atConstant.setInsertionPointAfter(original);
        scaled = scaledConstant(atConstant, weight.getLoc(), weight,
                                -*exponent);
      }
      weight = scaled;
    }
    // The exponents of the activations' run-time tensor scales (i32), which
    // the matmul's result is scaled by with the weight's.
    SmallVector<Value> activationExponents;
    if (shape.activationByActivation)
      if (Value e = scaleActivationsAtRunTime(builder, loc, weight,
                                              cast<SchemeAttr>(schemeAttr)))
        activationExponents.push_back(e);
    auto quantize = QuantizeOp::create(builder, loc, quantType, weight);
    if (exponent)
      QBlockDialect::TensorScaleExponentAttrHelper(builder.getContext())
          .setAttr(quantize, builder.getI32IntegerAttr(*exponent));
    Value quantized = quantize.getResult();
    lhs = withStaticK(builder, op, lhs, shape.k);
    if (shape.vectorProduct) {
      lhs = asRow(builder, loc, lhs);
      init = asRow(builder, loc, init);
    }
    if (shape.collapseRows) {
      checkSameLeadingDims(builder, op, lhs, init);
      lhs = collapseRows(builder, loc, lhs);
      init = collapseRows(builder, loc, init);
    }
    if (acts != ActScheme::None) {
      int64_t blockSize = cast<SchemeAttr>(schemeAttr).getBlockSize();
      if (Value e = scaleActivationsAtRunTime(
              builder, loc, lhs,
              activationScheme(builder.getContext(), blockSize)))
        activationExponents.push_back(e);
      lhs = quantizeActivations(builder, loc, lhs, blockSize);
    }
    Type resultType = init.getType();
    Value result;
    if (isa<BCQSchemeAttr>(schemeAttr))
      result =
          LutGemmOp::create(builder, loc, resultType, lhs, quantized, init);
    else if (scaled || !activationExponents.empty())
      result = tensorScaledMatmul(builder, loc, lhs, quantized, init,
                                  scaled ? *exponent : 0, activationExponents);
    else
      result = MatmulOp::create(builder, loc, resultType, lhs, quantized, init);
    if (shape.vectorProduct)
      result = tensor::CollapseShapeOp::create(
          builder, loc, originalInit.getType(), result,
          SmallVector<ReassociationIndices>{{0, 1}});
    if (shape.collapseRows)
      result = expandRows(builder, loc, result, originalInit);
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
    for (Operation *producer : shape.peeled) {
      if (!producer->use_empty())
        break;
      producer->erase();
    }
    // The unscaled constant, unless another matmul still reads it.
    if (exponent && original && original->use_empty()) {
      scaledWeights.erase({original->getResult(0), *exponent});
      original->erase();
    }
  }
};

} // namespace
