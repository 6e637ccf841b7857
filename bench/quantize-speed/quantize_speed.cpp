//===- quantize_speed.cpp - Throughput of weight quantization -------------===//
//
// Builds a module whose functions hold 4096 x 4096 f32 weights in
// dense_resource blobs (1 GiB by default, made in memory), then times
// --qblock-quantize-linalg + --qblock-select-formats on it, once per
// selection rule, on MLIR's thread pool. Prints seconds and MB/s of f32
// weights consumed. Checks a sample of the packed output against the
// numerics core before reporting.
//
//   build/bin/qblock-quantize-bench [--gib 1] [--select mse|two-stage|both]
//
//===----------------------------------------------------------------------===//

#include "../common/FlagParser.h"
#include "../common/ToolExit.h"

#include "qblock/IR/QBlockDialect.h"
#include "qblock/IR/QBlockOps.h"
#include "qblock/Numerics/Layout.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"
#include "mlir/Pass/PassManager.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace mlir;
namespace num = ::qblock::numerics;

namespace {
constexpr int64_t kDim = 4096;

/// Fast approximately Gaussian values (sum of four uniforms), so that making
/// a GiB of weights takes seconds and does not dominate the run.
void fillWeights(float *data, int64_t n, uint64_t seed) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int64_t i = 0; i < n; ++i) {
    uint64_t r = next();
    float sum = float(r & 0xFFFF) + float((r >> 16) & 0xFFFF) +
                float((r >> 32) & 0xFFFF) + float(r >> 48);
    data[i] = (sum / 65536.0f - 2.0f) * 0.035f;
  }
}

OwningOpRef<ModuleOp> buildModule(MLIRContext &ctx, int64_t layers,
                                  std::vector<const float *> &weights) {
  OpBuilder b(&ctx);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  auto f32 = b.getF32Type();
  auto actType = RankedTensorType::get({ShapedType::kDynamic, kDim}, f32);
  auto weightType = RankedTensorType::get({kDim, kDim}, f32);
  for (int64_t l = 0; l < layers; ++l) {
    auto func = func::FuncOp::create(
        b, loc, "layer" + std::to_string(l),
        b.getFunctionType({actType, actType}, {actType}));
    Block *body = func.addEntryBlock();
    OpBuilder fb = OpBuilder::atBlockEnd(body);
    AsmResourceBlob blob =
        HeapAsmResourceBlob::allocate(kDim * kDim * sizeof(float), 64);
    float *data = reinterpret_cast<float *>(blob.getMutableData().data());
    fillWeights(data, kDim * kDim, l);
    weights.push_back(data);
    auto attr = DenseResourceElementsAttr::get(
        weightType, "w" + std::to_string(l), std::move(blob));
    Value w = arith::ConstantOp::create(fb, loc, attr);
    Value r = linalg::MatmulOp::create(
                  fb, loc, TypeRange{actType},
                  ValueRange{body->getArgument(0), w},
                  ValueRange{body->getArgument(1)})
                  .getResult(0);
    func::ReturnOp::create(fb, loc, r);
  }
  return module;
}

/// Decodes block 0 of a few rows of each packed weight and compares with the
/// numerics core quantizing the same values directly.
bool checkOutput(ModuleOp module, const std::vector<const float *> &weights,
                 num::SelectRule rule) {
  size_t index = 0;
  bool ok = true;
  module.walk([&](qblock::ConstantOp op) {
    auto resource = cast<DenseResourceElementsAttr>(op.getData());
    ArrayRef<char> bytes = resource.getRawHandle().getBlob()->getData();
    num::Scheme scheme = op.getType().getBlockScheme().toNumerics();
    num::BlockLayout layout = num::computeLayout(kDim, kDim, scheme);
    const float *w = weights[index++];
    for (int64_t row : {int64_t(0), kDim / 2, kDim - 1}) {
      float column[32];
      for (int64_t k = 0; k < 32; ++k)
        column[k] = w[k * kDim + row]; // axis 0: row n is column n of W
      num::QuantizedBlock expected, actual;
      num::quantizeBlock(column, scheme, expected);
      num::unpackBlock(reinterpret_cast<const uint8_t *>(bytes.data()),
                       layout, row, 0, actual);
      ok &= expected.dialect == actual.dialect &&
            expected.scaleCode == actual.scaleCode &&
            std::memcmp(expected.codes, actual.codes, 32) == 0;
    }
  });
  (void)rule;
  return ok && index == weights.size();
}
} // namespace

int main(int argc, char **argv) {
  double gib = 1.0;
  std::string select = "both";
  qblock::bench::FlagParser flags(
      argc, argv,
      "[--gib G] [--select mse|two-stage|both]\n"
      "  --gib G     f32 weights to quantize, in GiB (default 1), as whole\n"
      "              4096x4096 weights of 64 MiB: G rounds to the nearest\n"
      "              multiple of 1/16, at least one weight\n"
      "  --select R  the selection rules to time (default both)");
  while (flags.next()) {
    if (flags.is("--gib"))
      // Below one weight (1/16 GiB) it quietly ran one 64 MiB weight.
      gib = flags.number(1.0 / 16, 64);
    else if (flags.is("--select"))
      select = flags.word({"mse", "two-stage", "both"});
    else
      flags.unknown();
  }
  qblock::bench::exitOnOutOfMemory(
      "qblock-quantize-bench: error: out of memory; lower --gib\n");
  int64_t layers = std::max<int64_t>(
      1, std::llround(gib * (1 << 30) / (kDim * kDim * sizeof(float))));
  double megabytes = layers * kDim * kDim * sizeof(float) / 1e6;

  qblock::registerQBlockPasses();
  bool allOk = true;
  for (std::string rule : {"mse", "two-stage"}) {
    if (select != "both" && select != rule)
      continue;
    DialectRegistry registry;
    registry.insert<arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, tensor::TensorDialect,
                    qblock::QBlockDialect>();
    MLIRContext ctx(registry);
    ctx.loadAllAvailableDialects();
    // Remarks (ops left unquantized) and errors would make timings
    // meaningless; show them.
    ScopedDiagnosticHandler handler(&ctx, [](Diagnostic &diag) {
      llvm::errs() << diag << "\n";
      return success();
    });
    std::vector<const float *> weights;
    std::printf("building %lld weights of 4096x4096 f32 (%.0f MB)...\n",
                static_cast<long long>(layers), megabytes);
    std::fflush(stdout);
    OwningOpRef<ModuleOp> module = buildModule(ctx, layers, weights);

    PassManager pm(&ctx);
    std::string pipeline = "func.func(qblock-quantize-linalg{select=" + rule +
                           "}),qblock-select-formats";
    if (failed(parsePassPipeline(pipeline, pm))) {
      std::fprintf(stderr, "qblock-quantize-bench: error: bad pipeline %s\n",
                   pipeline.c_str());
      return 1;
    }
    auto start = std::chrono::steady_clock::now();
    if (failed(pm.run(*module))) {
      std::fprintf(stderr, "qblock-quantize-bench: error: the pipeline failed "
                           "(its diagnostics are above)\n");
      return 1;
    }
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    bool ok = checkOutput(*module, weights,
                          rule == "mse" ? num::SelectRule::MSE
                                        : num::SelectRule::TwoStage);
    allOk &= ok;
    std::printf("select=%-9s %8.2f s %9.1f MB/s  threads=%u  check=%s\n",
                rule.c_str(), seconds, megabytes / seconds,
                ctx.getNumThreads(), ok ? "ok" : "MISMATCH");
  }
  return qblock::bench::finishOutput("qblock-quantize-bench", allOk ? 0 : 1);
}
