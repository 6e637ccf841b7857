//===- QBlockPlugin.cpp - qblock as a plugin of a stock mlir-opt ----------===//
//
// libQBlockPlugin.so adds the qblock dialect and passes to an mlir-opt built
// elsewhere (Debian's /usr/lib/llvm-22/bin/mlir-opt):
//
//   mlir-opt --load-dialect-plugin=libQBlockPlugin.so \
//            --load-pass-plugin=libQBlockPlugin.so \
//            --pass-pipeline="builtin.module(func.func(qblock-quantize-linalg))"
//
// The plugin links libMLIR.so dynamically, like mlir-opt itself, so both see
// one copy of MLIR's registries and type ids; only the qblock libraries are
// inside it.
//
//===----------------------------------------------------------------------===//

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockDialect.h"
#include "qblock/Pipelines/Pipelines.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"

using namespace mlir;

static void registerQBlockDialectPlugin(DialectRegistry *registry) {
  registry->insert<qblock::QBlockDialect>();
}

static void registerQBlockPassPlugin() {
  qblock::registerQBlockPasses();
  qblock::registerQBlockConversionPasses();
  qblock::registerQBlockPipelines();
}

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "QBlock", "v0.1",
          registerQBlockDialectPlugin};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "QBlockPasses", "v0.1",
          registerQBlockPassPlugin};
}
