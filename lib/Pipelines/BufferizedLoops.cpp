//===- BufferizedLoops.cpp - the front half shared by the pipelines -------===//

#include "BufferizedLoops.h"
#include "CopyMutableGlobals.h"
#include "CopyStridedCallOperands.h"
#include "DecomposeAggregatedOps.h"
#include "LowerMemRefReshape.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void qblock::buildBufferizedLoops(OpPassManager &pm, StringRef target,
                                  StringRef lutTables, bool kernelRemarks) {
  // qblock ops become loop nests on to_buffer views, still in tensor land.
  ConvertQBlockToCPUOptions lowering;
  lowering.target = target.str();
  lowering.lutTables = lutTables.str();
  lowering.kernelRemarks = kernelRemarks;
  pm.addPass(createConvertQBlockToCPU(lowering));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // linalg.softmax (attention) has no lowering to loops of its own.
  pm.addNestedPass<func::FuncOp>(createDecomposeAggregatedOpsPass());

  // Elementwise arith/math on whole tensors in the user's module (e.g. a
  // widening arith.extf of a half result) has no bufferization of its own:
  // it becomes linalg.generic, which bufferizes and later lowers to loops.
  // (convert-qblock-to-cpu emits linalg.generic for its own conversions.)
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());

  // Everything else bufferizes, across function boundaries, so callers
  // (printMemrefF32, C code, kernel launches) see plain identity-layout
  // memrefs.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // A layer applied in an scf.for (a loop-carried activation) yields each
  // iteration's fresh result buffer; ownership-based deallocation frees the
  // previous one. Without this, bufferization rejects such loops ("Yield
  // operand #0 is not equivalent to the corresponding iter bbArg").
  bufferize.allowReturnAllocsFromLoops = true;
  // Upstream's ml_program bufferization loses stored values and lets stores
  // change earlier loads (CopyMutableGlobals.cpp).
  pm.addPass(createCopyMutableGlobalsPass());
  pm.addPass(createCopyStridedCallOperandsPass(/*markUserCasts=*/true));
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Slices of dynamic size passed to or returned from functions arrive as
  // casts that claim a contiguity they do not have
  // (CopyStridedCallOperands.cpp).
  pm.addPass(createCopyStridedCallOperandsPass(/*markUserCasts=*/false));
  // Its constant globals' names and order vary from run to run.
  pm.addPass(createNumberConstantGlobals());
  bufferization::BufferDeallocationPipelineOptions deallocation;
  bufferization::buildBufferDeallocationPipeline(pm, deallocation);
  // Deallocation may leave bufferization.clone/dealloc ops behind.
  pm.addPass(createConvertBufferizationToMemRefPass());

  // Only now may target instructions appear: buffer deallocation rejects
  // ops whose memory effects it cannot see.
  QBlockLowerLookupsOptions lookups;
  lookups.target = target.str();
  pm.addPass(createQBlockLowerLookups(lookups));

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // tensor.reshape's buffer form, which the GPU pipeline's host lowering
  // would leave (LowerMemRefReshape.cpp).
  pm.addNestedPass<func::FuncOp>(createLowerMemRefReshapePass());
}
