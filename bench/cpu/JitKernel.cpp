//===- JitKernel.cpp - One qblock matmul, lowered and JIT-compiled --------===//

#include "JitKernel.h"

#include "qblock/IR/QBlockDialect.h"
#include "qblock/Pipelines/Pipelines.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace qblock::bench;

void qblock::bench::registerJitDependencies(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<qblock::QBlockDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  qblock::registerQBlockPipelines();
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // The CPU pipeline's feature check is inline asm (cpuid).
  llvm::InitializeNativeTargetAsmParser();
}

llvm::Expected<std::unique_ptr<JitKernel>>
JitKernel::compile(MLIRContext &context, const KernelSpec &spec,
                   llvm::StringRef libompPath) {
  // Diagnostics go into the returned error, so the caller can say which
  // configuration failed and why (e.g. an op the pipeline cannot lower yet).
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    llvm::raw_string_ostream os(diagnostics);
    os << diag.getLocation() << ": " << diag << "\n";
    for (const Diagnostic &note : diag.getNotes())
      os << "  note: " << note << "\n";
    return success();
  });
  auto fail = [&](const llvm::Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   what + "\n" + diagnostics);
  };

  std::string source =
      buildKernelSource({spec.m, spec.weightType, spec.actScheme,
                         spec.dequantizeOnly, spec.actElement});
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  if (!module)
    return fail("cannot parse the kernel:\n" + source);

  // builtin.module(qblock-cpu-pipeline{target=...}). The pass manager is
  // anchored on the module and gets the inner text: parsing the whole string
  // into it would nest a second builtin.module level that runs on modules
  // inside this one, i.e. never.
  PassManager pm(&context, ModuleOp::getOperationName());
  std::string pipeline = "qblock-cpu-pipeline{target=" + spec.target +
                         " lut-tables=" + spec.lutTables + "}";
  if (failed(parsePassPipeline(pipeline, pm)))
    return fail("cannot build pass pipeline '" + pipeline + "'");
  if (failed(pm.run(*module)))
    return fail("qblock-cpu-pipeline failed on the kernel");

  // The target machine of the host CPU, so the JIT may use every vector
  // extension the decode fast paths were selected for.
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto machine = builder->createTargetMachine();
  if (!machine)
    return machine.takeError();
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                machine->get());

  ExecutionEngineOptions options;
  options.transformer = optimize;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  // scf.parallel became OpenMP runtime calls (__kmpc_fork_call & co).
  SmallVector<StringRef, 1> libraries = {libompPath};
  options.sharedLibPaths = libraries;
  options.enableGDBNotificationListener = false;
  options.enablePerfNotificationListener = false;
  auto engine = ExecutionEngine::create(*module, options, std::move(*machine));
  if (!engine)
    return fail("cannot JIT-compile the lowered kernel: " +
                llvm::toString(engine.takeError()));
  (*engine)->initialize();
  auto symbol = (*engine)->lookup("_mlir_ciface_qblock_kernel");
  if (!symbol)
    return symbol.takeError();

  std::unique_ptr<JitKernel> kernel(new JitKernel());
  kernel->engine = std::move(*engine);
  kernel->entry = reinterpret_cast<EntryPoint>(*symbol);
  kernel->m = spec.m;
  kernel->k = spec.weightType.getShape()[0];
  kernel->n = spec.weightType.getShape()[1];
  kernel->storageBytes = spec.weightType.getStorageBytes();
  kernel->dequantizeOnly = spec.dequantizeOnly;
  return kernel;
}

void JitKernel::run(const void *a, const uint8_t *w, float *c) const {
  // The C interface takes every memref as a pointer to its descriptor. The
  // kernel only reads A and W (bufferization.to_tensor restrict). A's
  // descriptor has the same layout whatever its element type.
  auto *aData = static_cast<float *>(const_cast<void *>(a));
  auto *wData = reinterpret_cast<int8_t *>(const_cast<uint8_t *>(w));
  StridedMemRefType<float, 2> aDesc{aData, aData, 0, {m, k}, {k, 1}};
  StridedMemRefType<int8_t, 1> wDesc{wData, wData, 0, {storageBytes}, {1}};
  StridedMemRefType<float, 2> cDesc{c, c, 0, {m, n}, {n, 1}};
  if (dequantizeOnly)
    cDesc = {c, c, 0, {n, k}, {k, 1}};
  entry(&aDesc, &wDesc, &cDesc);
}
