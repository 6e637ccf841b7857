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
}

std::string qblock::bench::buildKernelSource(const KernelSpec &spec) {
  ArrayRef<int64_t> shape = spec.weightType.getShape(); // K x N
  std::string qtype;
  llvm::raw_string_ostream(qtype) << spec.weightType;
  // BCQ weights multiply through lookup tables, a different op.
  std::string op =
      spec.weightType.getBCQScheme() ? "qblock.lut_gemm" : "qblock.matmul";
  std::string a =
      std::to_string(spec.m) + "x" + std::to_string(shape[0]) + "xf32";
  std::string c =
      std::to_string(spec.m) + "x" + std::to_string(shape[1]) + "xf32";
  std::string w = std::to_string(spec.weightType.getStorageBytes()) + "xi8";
  std::string acts =
      spec.actScheme.empty() ? "" : "{act_scheme = " + spec.actScheme + "} ";
  if (spec.dequantizeOnly) {
    // The same bytes viewed as N x K quantized along axis 1 (the packed
    // layout has one row per output column either way), so the result has
    // contiguous rows, the layout OpenBLAS then reads.
    std::string rows = std::to_string(shape[1]) + "x" +
                       std::to_string(shape[0]) + "xf32";
    c = rows;
    std::string scheme;
    if (auto bcq = spec.weightType.getBCQScheme())
      llvm::raw_string_ostream(scheme) << bcq;
    else
      llvm::raw_string_ostream(scheme) << spec.weightType.getBlockScheme();
    qtype = "!qblock.qtensor<" + rows + ", " + scheme + ", axis = 1>";
  }

  // A template with named holes rather than formatv: the IR's own braces
  // would all need escaping.
  std::string source = R"mlir(
func.func @qblock_kernel(%a_m: memref<$A>, %w_m: memref<$W>, %c_m: memref<$C>) attributes {llvm.emit_c_interface} {
  %a = bufferization.to_tensor %a_m restrict : memref<$A> to tensor<$A>
  %w = bufferization.to_tensor %w_m restrict : memref<$W> to tensor<$W>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<$C>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<$C>) -> tensor<$C>
  %q = qblock.from_storage %w : tensor<$W> -> $QTYPE
  %r = $OP ins(%a, %q : tensor<$A>, $QTYPE) outs(%init : tensor<$C>) $FUSED-> tensor<$C>
  bufferization.materialize_in_destination %r in restrict writable %c_m : (tensor<$C>, memref<$C>) -> ()
  return
}
)mlir";
  if (spec.dequantizeOnly)
    source = R"mlir(
func.func @qblock_kernel(%a_m: memref<$A>, %w_m: memref<$W>, %c_m: memref<$C>) attributes {llvm.emit_c_interface} {
  %w = bufferization.to_tensor %w_m restrict : memref<$W> to tensor<$W>
  %q = qblock.from_storage %w : tensor<$W> -> $QTYPE
  %r = qblock.dequantize %q : $QTYPE -> tensor<$C>
  bufferization.materialize_in_destination %r in restrict writable %c_m : (tensor<$C>, memref<$C>) -> ()
  return
}
)mlir";
  for (auto [hole, text] : {std::pair<std::string, std::string>{"$A", a},
                            {"$W", w},
                            {"$C", c},
                            {"$QTYPE", qtype},
                            {"$OP", op},
                            {"$FUSED", acts}}) {
    for (size_t pos = source.find(hole); pos != std::string::npos;
         pos = source.find(hole, pos + text.size()))
      source.replace(pos, hole.size(), text);
  }
  return source;
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

  std::string source = buildKernelSource(spec);
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

void JitKernel::run(const float *a, const uint8_t *w, float *c) const {
  // The C interface takes every memref as a pointer to its descriptor. The
  // kernel only reads A and W (bufferization.to_tensor restrict).
  auto *aData = const_cast<float *>(a);
  auto *wData = reinterpret_cast<int8_t *>(const_cast<uint8_t *>(w));
  StridedMemRefType<float, 2> aDesc{aData, aData, 0, {m, k}, {k, 1}};
  StridedMemRefType<int8_t, 1> wDesc{wData, wData, 0, {storageBytes}, {1}};
  StridedMemRefType<float, 2> cDesc{c, c, 0, {m, n}, {n, 1}};
  if (dequantizeOnly)
    cDesc = {c, c, 0, {n, k}, {k, 1}};
  entry(&aDesc, &wDesc, &cDesc);
}
