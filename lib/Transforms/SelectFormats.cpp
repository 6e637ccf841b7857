//===- SelectFormats.cpp - pack constant weights --------------------------===//
//
// Folds qblock.quantize of float constants into qblock.constant with packed
// storage in dense_resource blobs, choosing each block's dialect with the
// scheme's rule. Work is split into row chunks across MLIR's thread pool;
// each chunk gathers its rows (moving K innermost), checks them for NaN/Inf,
// quantizes, decodes for the error report and counts dialects, all without
// per-element allocation.
//
//===----------------------------------------------------------------------===//

#include "ConstantData.h"
#include "ProgressMeter.h"
#include "qblock/IR/QBlockOps.h"
#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/BudgetChoice.h"
#include "qblock/Numerics/Layout.h"
#include "qblock/Numerics/StoredRange.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Threading.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <limits>
#include <mutex>
#include <optional>

namespace qblock {
#define GEN_PASS_DEF_SELECTFORMATS
#include "qblock/Transforms/Passes.h.inc"
} // namespace qblock

using namespace mlir;
using namespace qblock;
namespace num = ::qblock::numerics;

namespace {

/// Alignment recorded with packed blobs. Bytecode readers require the whole
/// input buffer to be aligned like its most-aligned resource, and mlir-opt
/// reads small files into 16-byte aligned heap buffers, so a 64-byte blob
/// alignment would make such files unreadable. Kernels use unaligned vector
/// loads (or copy into aligned globals), so 16 costs nothing.
constexpr uint64_t kBlobAlignment = 16;

/// Rows handled by one task; big enough to amortize scheduling, small enough
/// to balance two to many cores on typical weights.
constexpr int64_t kRowsPerChunk = 64;

/// A float weight viewed as outer x K x inner, the blocked axis in the middle.
struct WeightView {
  const float *data;
  int64_t outer, k, inner;

  int64_t rows() const { return outer * inner; }
  /// Flat index in the logical tensor of element `j` of row `row`.
  int64_t flatIndex(int64_t row, int64_t j) const {
    return ((row / inner) * k + j) * inner + row % inner;
  }
  /// Copies rows [begin, end) into `out` (row-major, K innermost).
  void gather(int64_t begin, int64_t end, float *out) const {
    if (inner == 1) {
      std::memcpy(out, data + begin * k, (end - begin) * k * sizeof(float));
      return;
    }
    for (int64_t row = begin; row < end; ++row)
      for (int64_t j = 0; j < k; ++j)
        out[(row - begin) * k + j] = data[flatIndex(row, j)];
  }
};

/// Everything computed for one weight tensor.
struct WeightJob {
  QuantizeOp op; // erased once replaced; `type` outlives it
  QuantizedTensorType type;
  std::string name;
  std::vector<float> converted; // only for f16/bf16 or splat weights
  WeightView view;
  std::vector<uint8_t> packed;
  std::vector<uint64_t> histogram;
  double errorSquares = 0, weightSquares = 0;
  /// Flat index of the first non-finite weight, or -1.
  std::atomic<int64_t> firstNonFinite{-1};

  /// Non-zero blocks (or BCQ groups), those whose maxima lie outside
  /// storedRange, and the extreme maxima (warnIfOutsideScaleRange). Left
  /// empty for schemes without a stored range.
  num::MaximaCounts maxima;

  double relativeMSE() const {
    return weightSquares > 0 ? errorSquares / weightSquares : 0.0;
  }
};

/// The e of the per-tensor scale 2^e that --qblock-quantize-linalg's
/// tensor scale chose for `op`'s weight (its input is w / 2^e), or none
/// when the weight did not go through it.
static std::optional<int64_t> tensorScaleExponent(QuantizeOp op) {
  if (IntegerAttr exponent =
          QBlockDialect::TensorScaleExponentAttrHelper(op.getContext())
              .getAttr(op))
    return exponent.getInt();
  return std::nullopt;
}

/// A stable, readable name for a weight: its NameLoc if it has one (as
/// torch-mlir emits), else @function.wN in walk order.
static std::string weightName(Value weight, Operation *user, unsigned index) {
  Location loc = weight.getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (isa<NameLoc>(inner))
        loc = inner;
  if (auto nameLoc = dyn_cast<NameLoc>(loc))
    return nameLoc.getName().str();
  std::string prefix = "weight";
  if (auto func = user->getParentOfType<FunctionOpInterface>())
    prefix = func.getName().str();
  return prefix + ".w" + std::to_string(index);
}

/// Where to report a problem with a weight: the first of `candidates` that
/// names a place in a file. A weight written with a name-only location
/// (`loc("layer.w")`, as torch-mlir emits) would otherwise be reported at
/// `<unknown>:0`; its name is in the message anyway.
static Location fileLocation(ArrayRef<Location> candidates) {
  for (Location loc : candidates) {
    bool inFile = false;
    loc->walk([&](Location inner) {
      if (isa<FileLineColLoc>(inner))
        inFile = true;
      return inFile ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (inFile)
      return loc;
  }
  return candidates.front();
}

/// Unravels a flat index into "[i, j, ...]" for diagnostics.
static std::string indexString(int64_t flat, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> index(shape.size());
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  std::string str = "[";
  llvm::raw_string_ostream os(str);
  llvm::interleaveComma(index, os);
  os << ']';
  return str;
}

struct SelectFormatsPass
    : public qblock::impl::SelectFormatsBase<SelectFormatsPass> {
  using Base::Base;

  /// Whether option `name` holds a finite, non-negative number; if not,
  /// reports it with `meaning` ("is not ...; use ...").
  bool checkNonNegative(StringRef name, double value, StringRef meaning) {
    if (std::isfinite(value) && value >= 0)
      return true;
    std::string message;
    llvm::raw_string_ostream(message)
        << "--qblock-select-formats: " << name << "="
        << llvm::format("%g", value) << " " << meaning;
    emitError(getOperation().getLoc()) << message;
    return false;
  }

  void runOnOperation() override {
    // NaN fails every comparison below, so it would be taken as "no budget"
    // silently; inf would reach the report as invalid JSON.
    if (!checkNonNegative("budget", budget,
                          "is not an average number of bits per element; use "
                          "a positive number such as budget=4.5, or budget=0 "
                          "to keep the block sizes as given") ||
        !checkNonNegative("progress", progress,
                          "is not a number of seconds; use e.g. progress=10 "
                          "for a line every 10 s, or progress=0 for none"))
      return signalPassFailure();
    mergeTiedWeights();
    SmallVector<std::unique_ptr<WeightJob>> jobs;
    unsigned counter = 0;
    bool constantFailed = false;
    getOperation().walk([&](QuantizeOp op) {
      Attribute value;
      if (!matchPattern(op.getInput(), m_Constant(&value)) ||
          !op.getType().hasStaticShape())
        return;
      auto job = std::make_unique<WeightJob>();
      ConstantDataProblem problem;
      FailureOr<const float *> data =
          getFloatData(value, job->converted, &problem);
      if (failed(data)) {
        // A blob that contradicts its type fails later anyway (translation
        // to LLVM IR); say so here, where the weight is named.
        if (problem.malformed) {
          emitError(op.getLoc()) << "cannot read the constant weight: "
                                 << problem.message;
          constantFailed = true;
          return;
        }
        // BCQ has no run-time quantizer: left as is, it would fail in the
        // CPU lowering with advice to run this pass, which just ran.
        if (!op.getType().getBlockScheme()) {
          emitError(op.getLoc())
              << "cannot read the constant weight's values: " << problem.message
              << "; BCQ weights have no run-time quantizer, so they must be "
                 "fitted here, from a constant with its data";
          constantFailed = true;
          return;
        }
        // Silently leaving it would quantize the weight on every call.
        emitWarning(op.getLoc())
            << "cannot read the constant weight's values: " << problem.message
            << "; it is not packed here and stays a run-time qblock.quantize";
        return;
      }
      QuantizedTensorType type = op.getType();
      ArrayRef<int64_t> shape = type.getShape();
      int64_t axis = type.getAxis();
      job->op = op;
      job->type = type;
      job->name = weightName(op.getInput(), op, counter++);
      job->view.data = *data;
      job->view.k = shape[axis];
      job->view.outer = 1;
      job->view.inner = 1;
      for (int64_t d = 0; d < axis; ++d)
        job->view.outer *= shape[d];
      for (int64_t d = axis + 1; d < type.getRank(); ++d)
        job->view.inner *= shape[d];
      jobs.push_back(std::move(job));
    });
    if (constantFailed)
      return signalPassFailure();

    if (budget > 0)
      jobs = expandBlockCandidates(std::move(jobs));
    for (auto &job : jobs) {
      job->packed.assign(job->type.getStorageBytes(), 0);
      if (SchemeAttr scheme = job->type.getBlockScheme())
        job->histogram.assign(scheme.getBook().getNumDialects(), 0);
    }
    quantizeAll(jobs);

    bool failedAny = false;
    for (auto &job : jobs) {
      int64_t bad = job->firstNonFinite.load();
      if (bad < 0)
        continue;
      QuantizedTensorType type = job->op.getType();
      int64_t k = job->view.k;
      // Recover row and block of the bad element for the message. "Row"
      // alone read as the tensor's row: for a K x N weight blocked along
      // axis 0 it is the column.
      int64_t inner = job->view.inner;
      int64_t flatOuter = bad / (k * inner), rem = bad % (k * inner);
      int64_t j = rem / inner, row = flatOuter * inner + rem % inner;
      float v = job->view.data[bad];
      emitError(reportLocation(*job), "weight '")
          << job->name << "' holds " << (std::isnan(v) ? "NaN" : "Inf")
          << " at " << indexString(bad, type.getShape()) << ", in "
          << (type.getBCQScheme() ? "group " : "block ")
          << j / type.getBlockSize() << " along axis " << type.getAxis()
          << " (packed row " << row << ", docs/formats.md)"
          << "; quantized weights must be finite";
      failedAny = true;
    }
    if (failedAny)
      return signalPassFailure();
    if (budget > 0 && failed(chooseBlocks(jobs)))
      return signalPassFailure();

    for (auto &job : jobs)
      warnIfOutsideScaleRange(*job);
    for (auto &job : jobs)
      replaceWithConstant(*job);
    if (!report.empty() && failed(writeReport(jobs)))
      return signalPassFailure();
  }

  /// Quantize ops of one constant with one type (tied weights: a weight
  /// read by two matmuls, an embedding shared with the LM head) are one
  /// weight: the first is kept, moved right after the constant so that it
  /// dominates every use, and the others forward to it. Otherwise each
  /// copy would be packed, stored and, on GPUs, uploaded on its own.
  ///
  /// Only weights this pass packs are merged: the quantize op of a constant
  /// it cannot read stays a run-time quantize, and moving that one out of a
  /// branch would run it even when the branch is not taken.
  void mergeTiedWeights() {
    DenseMap<std::pair<Value, Type>, QuantizeOp> first;
    SmallVector<QuantizeOp> duplicates;
    getOperation().walk([&](QuantizeOp op) {
      if (!op.getInput().getDefiningOp() || !op.getType().hasStaticShape() ||
          !matchPattern(op.getInput(), m_Constant()))
        return;
      if (!first.try_emplace({op.getInput(), op.getType()}, op).second)
        duplicates.push_back(op);
    });
    // Read only the constants that are tied (the main walk reads them all
    // again); the answer is kept per constant.
    DenseMap<Value, bool> readable;
    auto isReadable = [&](Value constant) {
      auto [it, inserted] = readable.try_emplace(constant, false);
      if (inserted) {
        Attribute value;
        std::vector<float> storage;
        it->second = matchPattern(constant, m_Constant(&value)) &&
                     succeeded(getFloatData(value, storage));
      }
      return it->second;
    };
    for (QuantizeOp op : duplicates) {
      if (!isReadable(op.getInput()))
        continue;
      QuantizeOp kept = first.lookup({op.getInput(), op.getType()});
      kept->moveAfter(kept.getInput().getDefiningOp());
      op.getResult().replaceAllUsesWith(kept.getResult());
      op.erase();
    }
  }

  /// NVFP4's E4M3 block scale (amax / 6) is subnormal below 2^-6, with at
  /// most two significant bits below 2^-7 and none below 2^-10, and it
  /// saturates above 448. --qblock-quantize-linalg brings each weight into
  /// range with a per-tensor power of two (tensor-scale=true); weights
  /// quantized any other way are taken as they are (docs/formats.md 1).
  /// INT4's F16 scale (amax / 7) saturates above 65504, so block maxima
  /// above 458528 were silently clipped; it is subnormal below 2^-14.
  /// BCQ's f16 alphas and offsets likewise (num::storedRange).
  /// Warns, with the error it cost, when any of a weight's non-zero blocks
  /// (or groups) lies above storedRange (its values are clipped: one BCQ
  /// group of 128 with a single weight of 70000 decoded all its other
  /// weights to 0, with no word when the 1% rule below covered this too),
  /// or when more than 1% lie below it (a gradual loss of precision that a
  /// few stray blocks do not matter for; Gaussian weights under NVFP4:
  /// rel_mse 0.0105 at std 0.02, 0.0165 at 0.01, 0.91 at 0.002, against
  /// 0.0089 in range).
  void warnIfOutsideScaleRange(WeightJob &job) {
    std::optional<num::StoredRange> range = job.type.getStoredRange();
    if (!range)
      return;
    SchemeAttr scheme = job.type.getBlockScheme();
    // Counted while quantizing (quantizeAll), on the gathered rows.
    float smallest = range->smallest, largest = range->largest;
    int64_t nonZero = job.maxima.nonZero, small = job.maxima.below,
            large = job.maxima.above;
    if (!job.maxima.losesPrecision())
      return;
    num::ScaleKind scaleKind =
        scheme ? scheme.toNumerics().scale : num::ScaleKind::F16;
    bool e4m3 = scheme && scaleKind == num::ScaleKind::E4M3;
    bool e8m0 = scheme && scaleKind == num::ScaleKind::E8M0;
    std::string message;
    llvm::raw_string_ostream os(message);
    os << "weight '" << job.name << "': " << small + large << " of " << nonZero
       << " non-zero " << (scheme ? "blocks" : "groups")
       << " have maxima outside the range where "
       << (e4m3     ? "NVFP4's E4M3 scale keeps 3 significant bits ("
           : e8m0   ? "the E8M0 block scale (2^-127 and up) keeps their "
                      "smallest codes ("
           : scheme ? "the F16 block scale keeps its precision ("
                    : "BCQ's f16 alphas and offsets keep their precision (")
       << small << " below " << llvm::format("%g", smallest);
    // E8M0 has no top.
    if (!e8m0)
      os << ", " << large
         << (range->spanBits ? " spanning more than " : " above ")
         << llvm::format("%g", largest);
    os << "), so they lose precision (relative MSE "
       << llvm::format("%.3g", job.relativeMSE()) << "); ";
    // A per-tensor power of two shifts every block maximum alike, so it
    // helps only if they all fit in the range at once.
    bool oneScaleFits =
        double(job.maxima.largestMax) / double(job.maxima.smallestMax) <=
        double(largest) / double(smallest);
    // --qblock-quantize-linalg marks the weights its tensor scale saw
    // (e = 0 included); asking for tensor-scale=true again would not help
    // them. Either its exponent was clamped to f32's (subnormal weights),
    // or a power of two could not place both ends of the block maxima in
    // range (they span less than the range's ratio, but more than the
    // ratio less the up to 2x the power of two leaves at the top).
    std::optional<int64_t> appliedExponent = tensorScaleExponent(job.op);
    if (e8m0)
      message += "scale the weight into range before quantizing (and the "
                 "result back)";
    else if (e4m3 && oneScaleFits && appliedExponent &&
             *appliedExponent <= -126)
      llvm::raw_string_ostream(message)
          << "the per-tensor scale 2^" << *appliedExponent
          << " that --qblock-quantize-linalg's tensor-scale=true applied is "
             "at the limit of f32's exponents, so scale the weight into "
             "range before quantizing (and the result back)";
    else if (e4m3 && oneScaleFits && appliedExponent)
      llvm::raw_string_ostream(message)
          << "--qblock-quantize-linalg's tensor-scale=true already scaled it "
             "by a power of two (2^"
          << -*appliedExponent
          << "), which cannot place the largest and smallest block maxima "
             "in range at once; scale the weight by the factor that brings "
             "its largest block maximum to exactly "
          << llvm::format("%g", largest)
          << " before quantizing (and the result back), or use "
             "scheme=mxfp4 or blockdialect (power-of-two scales)";
    else if (e4m3 && oneScaleFits)
      message += "quantize the matmul with --qblock-quantize-linalg="
                 "\"scheme=nvfp4\" (its tensor-scale=true scales the weight "
                 "into range and the result back), or use scheme=mxfp4 or "
                 "blockdialect (power-of-two scales)";
    else if (oneScaleFits)
      message += "scale the weight into range before quantizing (and the "
                 "result back), or use scheme=mxfp4 or blockdialect "
                 "(power-of-two scales)";
    else
      llvm::raw_string_ostream(message)
          << "the largest " << (scheme ? "block" : "group") << " maximum is "
          << llvm::format("%.3g", double(job.maxima.largestMax) /
                                      double(job.maxima.smallestMax))
          << " times the smallest, more than the "
          << llvm::format("%g", largest / smallest)
          << " that range spans, so no per-tensor scale fits them all; use "
             "scheme=mxfp4 or blockdialect (power-of-two scales)";
    emitWarning(reportLocation(job)) << message;
  }

  /// Where to report a problem with `job`'s weight (fileLocation).
  Location reportLocation(WeightJob &job) {
    return fileLocation(
        {job.op.getInput().getLoc(), job.op.getLoc(), getOperation().getLoc()});
  }

  /// Quantizes every job's rows in chunks on the context's thread pool.
  void quantizeAll(ArrayRef<std::unique_ptr<WeightJob>> jobs) {
    struct Chunk {
      WeightJob *job;
      int64_t begin, end;
    };
    std::vector<Chunk> chunks;
    int64_t totalWeights = 0;
    for (auto &job : jobs) {
      for (int64_t row = 0; row < job->view.rows(); row += kRowsPerChunk)
        chunks.push_back(
            {job.get(), row,
             std::min<int64_t>(row + kRowsPerChunk, job->view.rows())});
      totalWeights += job->view.rows() * job->view.k;
    }
    ProgressMeter progressMeter("qblock-select-formats: packed", "weights",
                                totalWeights, progress);
    std::mutex mergeMutex;
    parallelForEach(&getContext(), chunks, [&](const Chunk &chunk) {
      WeightJob &job = *chunk.job;
      QuantizedTensorType type = job.type;
      int64_t k = job.view.k, count = chunk.end - chunk.begin;
      std::vector<float> rows(count * k), decoded(count * k);
      job.view.gather(chunk.begin, chunk.end, rows.data());
      int64_t bad = num::findNonFinite(rows.data(), rows.size());
      if (bad >= 0) {
        int64_t flat = job.view.flatIndex(chunk.begin + bad / k, bad % k);
        // Keep the smallest index so the message does not depend on timing.
        int64_t seen = job.firstNonFinite.load();
        while ((seen < 0 || flat < seen) &&
               !job.firstNonFinite.compare_exchange_weak(seen, flat)) {
        }
        return;
      }
      std::vector<uint64_t> histogram(job.histogram.size(), 0);
      // Rows are written to `rows.data()` relative to chunk.begin, while the
      // numerics API indexes the source by absolute row; offset the pointer.
      const float *source = rows.data() - chunk.begin * k;
      float *target = decoded.data() - chunk.begin * k;
      if (SchemeAttr scheme = type.getBlockScheme()) {
        num::Scheme numScheme = scheme.toNumerics();
        num::BlockLayout layout =
            num::computeLayout(job.view.rows(), k, numScheme);
        num::quantizeRows(source, layout, numScheme, chunk.begin, chunk.end,
                          job.packed.data());
        num::dequantizeRows(job.packed.data(), layout, numScheme, chunk.begin,
                            chunk.end, target);
        if (histogram.size() > 1) {
          num::QuantizedBlock block;
          for (int64_t row = chunk.begin; row < chunk.end; ++row)
            for (int64_t b = 0; b < layout.blocksPerRow; ++b) {
              num::unpackBlock(job.packed.data(), layout, row, b, block);
              ++histogram[block.dialect];
            }
        } else if (histogram.size() == 1) {
          histogram[0] = count * layout.blocksPerRow;
        }
      } else {
        num::BCQScheme bcq = type.getBCQScheme().toNumerics();
        num::BCQLayout layout = num::computeBCQLayout(job.view.rows(), k, bcq);
        if (bcq.fromUniform)
          num::fitUniformBCQRows(source, layout, bcq, chunk.begin, chunk.end,
                                 job.packed.data());
        else
          num::fitBCQRows(source, layout, bcq, /*iterations=*/8, chunk.begin,
                          chunk.end, job.packed.data());
        num::dequantizeBCQRows(job.packed.data(), layout, bcq, chunk.begin,
                               chunk.end, target);
      }
      // Blocks or BCQ groups (getBlockSize is either).
      num::MaximaCounts maxima;
      if (auto range = type.getStoredRange())
        num::countMaxima(rows.data(), rows.size(), type.getBlockSize(), *range,
                         maxima);
      double errorSquares = 0, weightSquares = 0;
      for (int64_t i = 0, e = count * k; i < e; ++i) {
        double diff = double(rows[i]) - double(decoded[i]);
        errorSquares += diff * diff;
        weightSquares += double(rows[i]) * double(rows[i]);
      }
      std::unique_lock<std::mutex> lock(mergeMutex);
      job.errorSquares += errorSquares;
      job.weightSquares += weightSquares;
      job.maxima.add(maxima);
      for (size_t i = 0; i < histogram.size(); ++i)
        job.histogram[i] += histogram[i];
      lock.unlock();
      progressMeter.add(count * k);
    });
    progressMeter.finish();
  }

  /// Block sizes the budget may choose from, smallest (most bits) first.
  static constexpr int64_t kBudgetBlocks[] = {16, 32, 64};

  /// Whether `user` of weight `weight` takes any block size: a dequantize,
  /// or a W4A16 matmul reading it as the weight. A matmul with quantized
  /// activations (a quantized lhs, or act_scheme) needs the activations'
  /// blocks to pair up with the weight's, so the weight keeps its size.
  static bool acceptsAnyBlockSize(Operation *user, Value weight) {
    if (isa<DequantizeOp>(user))
      return true;
    auto matmul = dyn_cast<MatmulOp>(user);
    return matmul && matmul.getRhs() == weight &&
           !isa<QuantizedTensorType>(matmul.getLhs().getType()) &&
           !matmul.getActSchemeAttr();
  }

  /// For budget mode: one job per candidate block size for every
  /// block-scheme weight whose users all accept any block size (so its type
  /// may change); other weights keep a single job.
  SmallVector<std::unique_ptr<WeightJob>>
  expandBlockCandidates(SmallVector<std::unique_ptr<WeightJob>> jobs) {
    SmallVector<std::unique_ptr<WeightJob>> expanded;
    for (auto &job : jobs) {
      SchemeAttr scheme = job->type.getBlockScheme();
      Value weight = job->op->getResult(0);
      auto pinning = llvm::find_if_not(
          job->op->getUsers(),
          [&](Operation *user) { return acceptsAnyBlockSize(user, weight); });
      bool retypable = scheme && pinning == job->op->getUsers().end();
      if (scheme && !retypable && isa<MatmulOp>(*pinning))
        emitRemark(reportLocation(*job), "weight '")
            << job->name << "' keeps block = " << scheme.getBlockSize()
            << " under budget=: its matmul quantizes activations in blocks "
               "of the same size";
      if (!retypable) {
        expanded.push_back(std::move(job));
        continue;
      }
      for (int64_t blockSize : kBudgetBlocks) {
        if (job->view.k % blockSize != 0)
          continue;
        auto candidate = std::make_unique<WeightJob>();
        candidate->op = job->op;
        candidate->name = job->name;
        candidate->converted = job->converted;
        candidate->view = job->view;
        if (!job->converted.empty())
          candidate->view.data = candidate->converted.data();
        candidate->type = QuantizedTensorType::get(
            &getContext(), job->type.getShape(), job->type.getElementType(),
            SchemeAttr::get(&getContext(), scheme.getBook(), scheme.getScale(),
                            blockSize, scheme.getSelect()),
            job->type.getAxis());
        expanded.push_back(std::move(candidate));
      }
    }
    return expanded;
  }

  /// Picks one candidate per weight: the block sizes with the least total
  /// squared error whose bits fit the budget (a multiple-choice knapsack,
  /// solved exactly by qblock::numerics::chooseWithinBudget; a greedy
  /// allocation missed the optimum by up to 17% of the error on some
  /// inputs). Retypes the chosen quantize ops.
  LogicalResult chooseBlocks(SmallVector<std::unique_ptr<WeightJob>> &jobs) {
    // Candidates of one weight are adjacent, finest block first.
    struct Weight {
      SmallVector<WeightJob *> options; // most bits first
      double elements;
      /// What a squared error of the quantized input is in the weight's
      /// own units: 2^(2e) where --qblock-quantize-linalg quantized w / 2^e
      /// (NVFP4's tensor scale), else 1. Without it the budget compared
      /// weights on different scales, and spent bits where the scaled
      /// errors, not the real ones, were largest.
      double errorUnit;
    };
    SmallVector<Weight> weights;
    for (auto &job : jobs) {
      if (weights.empty() || weights.back().options.front()->op != job->op) {
        std::optional<int64_t> exponent = tensorScaleExponent(job->op);
        weights.push_back({{},
                           double(job->type.getNumElements()),
                           std::ldexp(1.0, 2 * exponent.value_or(0))});
      }
      weights.back().options.push_back(job.get());
    }
    auto bits = [](WeightJob *job) {
      if (SchemeAttr scheme = job->type.getBlockScheme())
        return scheme.toNumerics().bitsPerElement();
      return job->type.getBCQScheme().toNumerics().bitsPerElement();
    };
    double totalElements = 0;
    std::vector<std::vector<num::BudgetOption>> options;
    for (Weight &weight : weights) {
      totalElements += weight.elements;
      options.emplace_back();
      for (WeightJob *job : weight.options)
        options.back().push_back({bits(job) * weight.elements,
                                  job->errorSquares * weight.errorUnit});
    }
    num::BudgetChoice choice =
        num::chooseWithinBudget(options, budget * totalElements);
    // Nothing chosen: even every weight's cheapest option (its largest
    // block, the last) exceeds the budget.
    if (choice.chosen.size() != weights.size()) {
      double cheapestBits = 0;
      for (Weight &weight : weights)
        cheapestBits += bits(weight.options.back()) * weight.elements;
      std::string message;
      llvm::raw_string_ostream(message)
          << "--qblock-select-formats: budget="
          << llvm::format("%g", budget.getValue())
          << " bits per element is below the cheapest choice ("
          << llvm::format("%g", cheapestBits / totalElements)
          << "); raise the budget";
      return emitError(getOperation().getLoc()) << message;
    }
    if (!choice.optimal) {
      std::string message;
      llvm::raw_string_ostream(message)
          << "--qblock-select-formats: budget= chose block sizes for "
          << weights.size()
          << " weights without proving them best (the search has a node "
             "limit)";
      if (choice.lowerBound > 0)
        llvm::raw_string_ostream(message)
            << "; their squared error is at most "
            << llvm::format("%.3g",
                            100 * (choice.error / choice.lowerBound - 1))
            << "% above the least possible";
      emitRemark(getOperation().getLoc()) << message;
    }
    // No weight to pack (an empty module, or only weights that stay
    // run-time quantizes): there is no average, and the report says null.
    averageBits = totalElements > 0
                      ? std::optional<double>(choice.bits / totalElements)
                      : std::nullopt;

    SmallVector<std::unique_ptr<WeightJob>> chosen;
    for (auto &job : jobs) {
      for (auto [weight, option] : llvm::zip(weights, choice.chosen))
        if (weight.options[option] == job.get())
          chosen.push_back(std::move(job));
    }
    for (auto &job : chosen)
      job->op.getResult().setType(job->type);
    jobs = std::move(chosen);
    return success();
  }

  /// Average bits per element the budget allocation reached; none when no
  /// weight was packed.
  std::optional<double> averageBits;

  void replaceWithConstant(WeightJob &job) {
    OpBuilder builder(job.op);
    auto bytesType = RankedTensorType::get(
        {static_cast<int64_t>(job.packed.size())}, builder.getI8Type());
    // An empty weight packs to no bytes; the copy must still get a valid
    // source pointer (memcpy from null is undefined even for 0 bytes).
    static const char noBytes = 0;
    const char *bytes = job.packed.empty()
                            ? &noBytes
                            : reinterpret_cast<const char *>(job.packed.data());
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(bytes, job.packed.size()), kBlobAlignment);
    auto data =
        DenseResourceElementsAttr::get(bytesType, job.name, std::move(blob));
    Value constant = ConstantOp::create(builder, job.op.getLoc(),
                                        job.op.getType(), data);
    Operation *weight = job.op.getInput().getDefiningOp();
    job.op.replaceAllUsesWith(constant);
    job.op.erase();
    if (weight && weight->use_empty())
      weight->erase();
  }

  LogicalResult writeReport(ArrayRef<std::unique_ptr<WeightJob>> jobs) {
    std::error_code error;
    llvm::raw_fd_ostream os(report, error, llvm::sys::fs::OF_Text);
    if (error)
      return emitError(getOperation().getLoc())
             << "cannot write report '" << report << "': " << error.message();
    llvm::json::OStream json(os, /*IndentSize=*/2);
    json.object([&] {
      if (budget > 0) {
        json.attribute("budget", budget.getValue());
        if (averageBits)
          json.attribute("average_bits_per_element", *averageBits);
        else
          json.attribute("average_bits_per_element", nullptr);
      }
      json.attributeArray("tensors", [&] {
        for (auto &job : jobs)
          writeTensor(json, *job);
      });
    });
    os << '\n';
    // A path that opens but cannot be written (a full disk, /dev/full)
    // would otherwise end in the stream's fatal error when it is
    // destroyed.
    os.close();
    if (std::error_code writeError = os.error()) {
      os.clear_error();
      return emitError(getOperation().getLoc())
             << "cannot write report '" << report
             << "': " << writeError.message();
    }
    return success();
  }

  static void writeTensor(llvm::json::OStream &json, const WeightJob &job) {
    QuantizedTensorType type = job.type;
    json.object([&] {
      json.attribute("name", job.name);
      json.attributeArray("shape", [&] {
        for (int64_t dim : type.getShape())
          json.value(dim);
      });
      double relMSE = job.relativeMSE();
      if (SchemeAttr scheme = type.getBlockScheme()) {
        num::Scheme numScheme = scheme.toNumerics();
        json.attribute("scheme", scheme.getPresetName());
        json.attribute("block", scheme.getBlockSize());
        json.attribute("select", num::selectRuleName(numScheme.select));
        json.attribute("rel_mse", relMSE);
        json.attribute("bits_per_element", numScheme.bitsPerElement());
      } else {
        num::BCQScheme bcq = type.getBCQScheme().toNumerics();
        json.attribute("scheme", "bcq");
        json.attribute("block", bcq.group);
        json.attribute("select", bcq.fromUniform ? "uniform" : "alternating");
        json.attribute("bits", bcq.bits);
        json.attribute("rel_mse", relMSE);
        json.attribute("bits_per_element", bcq.bitsPerElement());
      }
      json.attributeArray("histogram", [&] {
        for (uint64_t count : job.histogram)
          json.value(static_cast<int64_t>(count));
      });
    });
  }
};

} // namespace
