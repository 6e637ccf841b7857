//===- DropCompileTimes.cpp - reproducible gpu.binary objects -------------===//
//
// gpu-module-to-binary records how long the NVVM target took to compile
// each object (LLVMIRToISATimeInMs, and ISAToBinaryTimeInMs for cubins) in
// the object's properties. Those milliseconds differ on every run, so two
// runs of --qblock-gpu-pipeline on the same input printed different
// modules, against the pipelines' promise of reproducible output (see
// NumberConstantGlobals.cpp). Nothing reads them at run time; this pass,
// the GPU pipeline's last rewrite, drops them and keeps every other
// property.
//
//===----------------------------------------------------------------------===//

#include "DropCompileTimes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace {

struct DropCompileTimesPass
    : PassWrapper<DropCompileTimesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(DropCompileTimesPass)

  StringRef getArgument() const override {
    return "qblock-drop-compile-times";
  }
  StringRef getDescription() const override {
    return "Remove the compile-time measurements gpu-module-to-binary "
           "records on gpu.binary objects (the GPU pipeline's output is "
           "then the same on every run)";
  }

  static bool isCompileTime(NamedAttribute property) {
    return property.getName().getValue().ends_with("TimeInMs");
  }

  static Attribute withoutCompileTimes(Attribute attr) {
    auto object = dyn_cast<gpu::ObjectAttr>(attr);
    DictionaryAttr properties = object ? object.getProperties() : nullptr;
    if (!properties || llvm::none_of(properties, isCompileTime))
      return attr;
    SmallVector<NamedAttribute> kept;
    for (NamedAttribute property : properties)
      if (!isCompileTime(property))
        kept.push_back(property);
    DictionaryAttr keptProperties =
        kept.empty() ? nullptr
                     : DictionaryAttr::get(attr.getContext(), kept);
    return gpu::ObjectAttr::get(attr.getContext(), object.getTarget(),
                                object.getFormat(), object.getObject(),
                                keptProperties, object.getKernels());
  }

  void runOnOperation() override {
    getOperation()->walk([](gpu::BinaryOp binary) {
      SmallVector<Attribute> objects;
      for (Attribute object : binary.getObjects())
        objects.push_back(withoutCompileTimes(object));
      binary.setObjectsAttr(ArrayAttr::get(binary.getContext(), objects));
    });
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createDropCompileTimesPass() {
  return std::make_unique<DropCompileTimesPass>();
}
