//===- CPUPipeline.cpp - qblock to LLVM for CPUs --------------------------===//

#include "qblock/Conversion/Passes.h"
#include "qblock/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void qblock::buildCPUPipeline(OpPassManager &pm,
                              const CPUPipelineOptions &options) {
  std::string pipeline =
      "convert-qblock-to-cpu{target=" + options.target.getValue() + "}," +
      "canonicalize,cse,"
      "one-shot-bufferize{bufferize-function-boundaries "
      "function-boundary-type-conversion=identity-layout-map},"
      "buffer-deallocation-pipeline,"
      "qblock-lower-lookups{target=" + options.target.getValue() + "},"
      "func.func(convert-linalg-to-loops),"
      "convert-scf-to-openmp,"
      "lower-affine,convert-vector-to-scf,expand-strided-metadata,"
      // scf-to-openmp wraps loop bodies in memref.alloca_scope, which must
      // keep a single block: lower memrefs before scf turns into blocks.
      "finalize-memref-to-llvm,convert-scf-to-cf,"
      "convert-vector-to-llvm,convert-math-to-llvm,"
      "convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,"
      "convert-func-to-llvm,convert-openmp-to-llvm,"
      "reconcile-unrealized-casts";
  if (failed(parsePassPipeline(pipeline, pm)))
    llvm::report_fatal_error("qblock-cpu-pipeline: bad pipeline");
}

void qblock::registerQBlockPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "qblock-cpu-pipeline",
      "Lower qblock and upstream tensor code to the LLVM dialect for CPUs",
      buildCPUPipeline);
}
