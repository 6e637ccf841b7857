//===- CompilerModule.cpp - qblock._qblock_compiler: compile and run ------===//
//
// Parses MLIR text in a context that knows every upstream dialect and qblock,
// runs a textual pass pipeline, prints the result, and JIT-compiles and calls
// functions of LLVM-dialect modules through MLIR's ExecutionEngine, with
// NumPy arrays as memref descriptors. Everything MLIR comes from libMLIR.so,
// as for quant-opt.
//
//===----------------------------------------------------------------------===//

#include "CheckedCall.h"
#include "LoadedLibrary.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockDialect.h"
#include "qblock/Pipelines/Pipelines.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Remarks.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <unistd.h>

namespace py = pybind11;
using namespace mlir;

#ifndef QBLOCK_JIT_SHARED_LIBS
#define QBLOCK_JIT_SHARED_LIBS ""
#endif

namespace {

/// Redirects file descriptor 2 to a temporary file while alive, for
/// messages that LLVM writes to llvm::errs() (unbuffered, so straight to
/// the descriptor) instead of to a stream the caller gives. The descriptor
/// is process-wide: held only while a pipeline string is parsed (with the
/// GIL), but another thread's compile running its passes meanwhile would
/// write its own stderr output into the capture.
class StderrCapture {
public:
  StderrCapture() {
    std::fflush(stderr);
    file = std::tmpfile();
    saved = file ? ::dup(STDERR_FILENO) : -1;
    if (saved >= 0)
      ::dup2(::fileno(file), STDERR_FILENO);
  }
  /// Restores stderr and returns what was written to it meanwhile.
  std::string take() {
    std::string text;
    if (saved < 0)
      return text;
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    saved = -1;
    std::rewind(file);
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
      text.append(buffer, n);
    return text;
  }
  ~StderrCapture() {
    take();
    if (file)
      std::fclose(file);
  }

private:
  std::FILE *file = nullptr;
  int saved = -1;
};

/// Raised (as qblock.CompileError) with the diagnostics of a failed step.
struct CompileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Raised (as qblock.RuntimeCheckError) when a called function stops on a
/// failed run-time check, e.g. activations whose K differs from the weight's.
struct RuntimeCheckError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

//===----------------------------------------------------------------------===//
// One-time setup
//===----------------------------------------------------------------------===//

const DialectRegistry &registry() {
  static DialectRegistry *r = [] {
    auto *reg = new DialectRegistry();
    registerAllDialects(*reg);
    registerAllExtensions(*reg);
    registerAllToLLVMIRTranslations(*reg);
    reg->insert<qblock::QBlockDialect>();
    return reg;
  }();
  return *r;
}

void initializeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerAllPasses();
    qblock::registerQBlockPasses();
    qblock::registerQBlockConversionPasses();
    qblock::registerQBlockPipelines();
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    // The CPU pipeline's feature check is inline asm (cpuid).
    llvm::InitializeNativeTargetAsmParser();
  });
}

/// Collects every diagnostic (with notes) while alive.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *context)
      : handler(context, [this](Diagnostic &diag) {
          llvm::raw_string_ostream os(text);
          os << diag.getLocation() << ": ";
          switch (diag.getSeverity()) {
          case DiagnosticSeverity::Error:
            os << "error: ";
            break;
          case DiagnosticSeverity::Warning:
            os << "warning: ";
            break;
          case DiagnosticSeverity::Remark:
            os << "remark: ";
            break;
          case DiagnosticSeverity::Note:
            os << "note: ";
            break;
          }
          os << diag << "\n";
          for (const Diagnostic &note : diag.getNotes())
            os << "  note: " << note << "\n";
          return success();
        }) {}
  std::string take() { return std::move(text); }

private:
  std::string text;
  ScopedDiagnosticHandler handler;
};

//===----------------------------------------------------------------------===//
// Function signatures
//===----------------------------------------------------------------------===//

/// An argument or result as it crosses the C interface.
struct Value {
  bool isMemRef = false;
  std::string dtype; // NumPy name: float32, int8, ...
  int64_t itemSize = 0;
  std::vector<int64_t> shape; // memrefs; ShapedType::kDynamic for '?'
  bool fromTensor = false;    // value semantics: never write into the input
  std::string text;           // the MLIR type, for messages
  /// A memref with a strided layout: its strides and offset as the type
  /// states them (ShapedType::kDynamic where it does not). Arrays are
  /// passed dense (row-major strides, offset 0), so a static one must agree.
  std::optional<std::pair<std::vector<int64_t>, int64_t>> layout;
};

struct Signature {
  std::vector<Value> args, results;
  std::string unsupported; // why it cannot be called, if it cannot
};

std::optional<std::pair<std::string, int64_t>> dtypeOf(Type type) {
  if (type.isF32())
    return std::make_pair(std::string("float32"), int64_t(4));
  if (type.isF64())
    return std::make_pair(std::string("float64"), int64_t(8));
  if (type.isF16())
    return std::make_pair(std::string("float16"), int64_t(2));
  if (type.isIndex())
    return std::make_pair(std::string("int64"), int64_t(8));
  if (auto integer = dyn_cast<IntegerType>(type)) {
    std::string sign = integer.isUnsigned() ? "uint" : "int";
    switch (integer.getWidth()) {
    case 1:
      return std::make_pair(std::string("bool"), int64_t(1));
    case 8:
    case 16:
    case 32:
    case 64:
      return std::make_pair(sign + std::to_string(integer.getWidth()),
                            int64_t(integer.getWidth() / 8));
    default:
      break;
    }
  }
  return std::nullopt;
}

/// How `type` crosses the C interface, or a reason why it cannot.
std::optional<Value> describe(Type type, std::string &why) {
  Value v;
  llvm::raw_string_ostream(v.text) << type;
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    if (!isa<MemRefType, RankedTensorType>(type)) {
      why = "only ranked tensors and memrefs can be passed, not " + v.text;
      return std::nullopt;
    }
    // A sparse tensor lowers to several buffers, not one array.
    if (auto tensor = dyn_cast<RankedTensorType>(type);
        tensor && tensor.getEncoding()) {
      why = "tensors with an encoding (sparse ones) cannot be passed, not " +
            v.text;
      return std::nullopt;
    }
    auto dtype = dtypeOf(shaped.getElementType());
    if (!dtype) {
      why = "no NumPy dtype for the element type of " + v.text;
      return std::nullopt;
    }
    if (auto memref = dyn_cast<MemRefType>(type);
        memref && !memref.getLayout().isIdentity()) {
      SmallVector<int64_t> strides;
      int64_t offset;
      if (failed(memref.getStridesAndOffset(strides, offset))) {
        why = "memrefs with a layout that is not strided cannot be passed, "
              "not " + v.text;
        return std::nullopt;
      }
      v.layout = std::make_pair(
          std::vector<int64_t>(strides.begin(), strides.end()), offset);
    }
    v.isMemRef = true;
    v.dtype = dtype->first;
    v.itemSize = dtype->second;
    v.shape.assign(shaped.getShape().begin(), shaped.getShape().end());
    v.fromTensor = isa<RankedTensorType>(type);
    return v;
  }
  // Floats of 32 and 64 bits, integers of 8 to 64 bits and index: what
  // Module.run packs and reads back at their own width and signedness.
  auto dtype = dtypeOf(type);
  if (!dtype || dtype->first == "bool" || type.isF16()) {
    why = "scalars of type " + v.text +
          " cannot be passed; use f32, f64, an integer of 8 to 64 bits or "
          "index";
    return std::nullopt;
  }
  v.dtype = dtype->first;
  v.itemSize = dtype->second;
  return v;
}

Signature signatureOf(func::FuncOp func) {
  Signature sig;
  auto add = [&](TypeRange types, std::vector<Value> &out) {
    for (Type type : types) {
      std::string why;
      std::optional<Value> v = describe(type, why);
      if (!v) {
        if (sig.unsupported.empty())
          sig.unsupported = why;
        continue;
      }
      out.push_back(*v);
    }
  };
  add(func.getArgumentTypes(), sig.args);
  add(func.getResultTypes(), sig.results);
  return sig;
}

/// The LLVM type a lowered function has when its values cross the C
/// interface as Module.run passes them: MLIR's default calling convention,
/// memrefs as descriptors with 64-bit sizes and strides (flattened into
/// their fields as arguments, a struct as a result), scalars as themselves.
Type loweredScalarType(const Value &v, MLIRContext *context) {
  if (v.dtype == "float32")
    return Float32Type::get(context);
  if (v.dtype == "float64")
    return Float64Type::get(context);
  return IntegerType::get(context, 8 * v.itemSize);
}

LLVM::LLVMFunctionType expectedLoweredType(const Signature &sig,
                                           MLIRContext *context) {
  Type ptr = LLVM::LLVMPointerType::get(context);
  Type i64 = IntegerType::get(context, 64);
  SmallVector<Type> params;
  for (const Value &arg : sig.args) {
    if (!arg.isMemRef) {
      params.push_back(loweredScalarType(arg, context));
      continue;
    }
    params.append({ptr, ptr, i64});
    params.append(2 * arg.shape.size(), i64);
  }
  SmallVector<Type> results;
  for (const Value &result : sig.results) {
    if (!result.isMemRef) {
      results.push_back(loweredScalarType(result, context));
      continue;
    }
    SmallVector<Type> fields = {ptr, ptr, i64};
    if (int64_t rank = result.shape.size()) {
      Type sizes = LLVM::LLVMArrayType::get(i64, rank);
      fields.append({sizes, sizes});
    }
    results.push_back(LLVM::LLVMStructType::getLiteral(context, fields));
  }
  Type result = LLVM::LLVMVoidType::get(context);
  if (results.size() == 1)
    result = results.front();
  else if (results.size() > 1)
    result = LLVM::LLVMStructType::getLiteral(context, results);
  return LLVM::LLVMFunctionType::get(result, params);
}

//===----------------------------------------------------------------------===//
// Module
//===----------------------------------------------------------------------===//

/// A parsed (and possibly lowered) module with its own context. Keeps the
/// signatures of the functions as they were before the pipeline: lowering to
/// LLVM erases them, but bufferization keeps ranks, shapes and element types.
class Module {
public:
  static std::unique_ptr<Module>
  compile(const std::string &source, const std::string &pipeline,
          bool cWrappers, bool verifyEach,
          const std::vector<std::string> &sharedLibs,
          const std::string &remarkFilter) {
    initializeOnce();
    for (const std::string &lib : sharedLibs) {
      if (!llvm::sys::fs::exists(lib))
        throw CompileError("shared library '" + lib +
                           "' (shared_libs) does not exist");
      // The JIT would only print that it cannot load a file that is not a
      // library, then fail later on the functions it should have given.
      if (void *handle = dlopen(lib.c_str(), RTLD_LAZY | RTLD_LOCAL))
        dlclose(handle);
      else
        throw CompileError("shared library '" + lib +
                           "' (shared_libs) cannot be loaded: " + dlerror());
    }
    auto m = std::unique_ptr<Module>(new Module());
    m->sharedLibs = sharedLibs;
    m->context = std::make_unique<MLIRContext>(registry());
    DiagnosticCollector diags(m->context.get());
    if (!remarkFilter.empty()) {
      // Optimization remarks (which kernel each matmul got) whose category
      // matches the filter become remark diagnostics, so they land in
      // Module.remarks with the passes' other remarks.
      if (!llvm::Regex(remarkFilter).isValid())
        throw CompileError("remarks='" + remarkFilter +
                           "' is not a regular expression; use e.g. "
                           "'qblock.*' or 'qblock-cpu'");
      // Every kind (passed, missed, analysis, failed) with the one filter;
      // a kind left unset is off whatever `all` says.
      remark::RemarkCategories categories;
      categories.passed = categories.missed = categories.analysis =
          categories.failed = remarkFilter;
      if (failed(remark::enableOptimizationRemarks(
              *m->context, /*streamer=*/nullptr,
              std::make_unique<remark::RemarkEmittingPolicyAll>(), categories,
              /*printAsEmitRemarks=*/true)))
        throw CompileError("cannot enable optimization remarks:\n" +
                           diags.take());
    }
    m->module = parseSourceString<ModuleOp>(source, m->context.get(),
                                            "<qblock.compile>");
    if (!m->module)
      throw CompileError("cannot parse the module:\n" + diags.take());

    // The functions Module.run can call: those of the top-level module (a
    // nested module's @f would otherwise lend @f its signature).
    for (auto func : m->module->getOps<func::FuncOp>())
      if (!func.isDeclaration())
        m->signatures[func.getSymName().str()] = signatureOf(func);

    PassManager pm(m->context.get(), ModuleOp::getOperationName(),
                   OpPassManager::Nesting::Implicit);
    pm.enableVerifier(verifyEach);
    if (cWrappers)
      m->module->walk([&](func::FuncOp func) {
        if (!func.isDeclaration())
          func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                        UnitAttr::get(m->context.get()));
      });
    std::string errors;
    llvm::raw_string_ostream errorStream(errors);
    LogicalResult parsed = failure();
    std::string optionErrors;
    {
      // A bad option value ("scheme=fp3") is reported by LLVM's option
      // parser straight to stderr, not to `errorStream`: catch it so the
      // exception says what was wrong.
      StderrCapture capture;
      parsed = parseInto(pipeline, pm, errorStream);
      optionErrors = capture.take();
    }
    if (failed(parsed))
      throw CompileError("cannot parse pass pipeline '" + pipeline +
                         "': " + errors +
                         // LLVM prefixes the program name, empty here.
                         llvm::StringRef(optionErrors).trim().ltrim(": ").str() +
                         diags.take());
    // Parsed after all: whatever was printed was only a warning; pass it on.
    if (!optionErrors.empty())
      llvm::errs() << optionErrors;
    {
      py::gil_scoped_release release;
      if (failed(pm.run(*m->module)))
        errors = "pass pipeline '" + pipeline + "' failed:\n";
    }
    if (!errors.empty())
      throw CompileError(errors + diags.take());
    m->remarks = diags.take();
    m->checkLoweredSignatures();
    return m;
  }

  std::string text(bool debugInfo) const {
    std::string out;
    llvm::raw_string_ostream os(out);
    OpPrintingFlags flags;
    if (debugInfo)
      flags.enableDebugInfo();
    ModuleOp op = module.get();
    op.print(os, flags);
    return out;
  }

  const std::string &getRemarks() const { return remarks; }

  std::vector<std::string> functions() const {
    std::vector<std::string> names;
    for (const auto &[name, sig] : signatures)
      names.push_back(name);
    return names;
  }

  /// The argument and result descriptions of `entry`, for the Python layer.
  py::tuple signature(const std::string &entry) const {
    const Signature &sig = lookupSignature(entry);
    auto toList = [](const std::vector<Value> &values) {
      py::list out;
      for (const Value &v : values) {
        py::object shape = py::none();
        if (v.isMemRef) {
          py::list dims;
          for (int64_t d : v.shape)
            dims.append(ShapedType::isDynamic(d) ? py::object(py::none())
                                                  : py::object(py::int_(d)));
          shape = py::tuple(dims);
        }
        out.append(py::make_tuple(v.dtype, shape, v.fromTensor, v.text));
      }
      return out;
    };
    return py::make_tuple(toList(sig.args), toList(sig.results));
  }

  py::object run(const std::string &entry, const py::list &inputs);

private:
  Module() = default;

  /// Parses a textual pipeline into `pm`, nesting passes implicitly the way
  /// quant-opt's --pass flags do: "qblock-quantize-linalg" runs on every
  /// func.func of the module. Elements with an explicit anchor
  /// ("func.func(...)") go through MLIR's textual parser unchanged.
  static LogicalResult parseInto(StringRef pipeline, OpPassManager &pm,
                                 llvm::raw_ostream &errors) {
    StringRef text = pipeline.trim();
    // "builtin.module(a,b)" names the anchor pm already has.
    if (text.consume_front("builtin.module(")) {
      if (!text.consume_back(")")) {
        errors << "unbalanced parentheses";
        return failure();
      }
    }
    SmallVector<StringRef> elements;
    int depth = 0;
    size_t begin = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c == '(' || c == '{')
        ++depth;
      else if (c == ')' || c == '}')
        --depth;
      else if (c == ',' && depth == 0) {
        elements.push_back(text.slice(begin, i).trim());
        begin = i + 1;
      }
      if (depth < 0)
        break;
    }
    if (depth != 0) {
      errors << "unbalanced parentheses or braces";
      return failure();
    }
    if (!text.trim().empty())
      elements.push_back(text.substr(begin).trim());

    auto onError = [&](const llvm::Twine &message) {
      errors << message;
      return failure();
    };
    for (StringRef element : elements) {
      if (element.empty()) {
        errors << "empty pipeline element";
        return failure();
      }
      size_t brace = element.find('{');
      size_t paren = element.find('(');
      if (paren != StringRef::npos && paren < brace) {
        if (failed(parsePassPipeline(element, pm, errors)))
          return failure();
        continue;
      }
      StringRef name = element.substr(0, brace).trim();
      StringRef options;
      if (brace != StringRef::npos) {
        options = element.substr(brace + 1);
        if (!options.consume_back("}")) {
          errors << "expected '}' at the end of '" << element << "'";
          return failure();
        }
      }
      const PassRegistryEntry *entry = PassPipelineInfo::lookup(name);
      if (!entry)
        entry = PassInfo::lookup(name);
      if (!entry) {
        errors << "'" << name
               << "' does not refer to a registered pass or pass pipeline";
        return failure();
      }
      if (failed(entry->addToPipeline(pm, options, onError)))
        return failure();
    }
    return success();
  }

  /// Marks the functions whose lowered form is not what Module.run passes
  /// (a pipeline with another calling convention: index-bitwidth=32, bare
  /// pointers, results turned into out-parameters, sparse tensors as
  /// several buffers): run would pass descriptors they do not expect, which
  /// crashed or returned zeros. Functions not lowered yet are left to
  /// engineFor's message.
  void checkLoweredSignatures() {
    for (auto &[name, sig] : signatures) {
      if (!sig.unsupported.empty())
        continue;
      auto lowered = module->lookupSymbol<LLVM::LLVMFuncOp>(name);
      if (!lowered)
        continue;
      LLVM::LLVMFunctionType expected = expectedLoweredType(sig, context.get());
      if (lowered.getFunctionType() == expected)
        continue;
      std::string got, want;
      llvm::raw_string_ostream(got) << lowered.getFunctionType();
      llvm::raw_string_ostream(want) << expected;
      sig.unsupported =
          "the pipeline lowered it to " + got + ", not to " + want +
          ", which Module.run passes (MLIR's default calling convention: "
          "memref descriptors with 64-bit sizes); drop the options that "
          "change it (index-bitwidth, bare pointers, results as "
          "out-parameters) or call it from C";
    }
  }

  const Signature &lookupSignature(const std::string &entry) const {
    auto it = signatures.find(entry);
    if (it == signatures.end()) {
      std::string known;
      for (const auto &[name, sig] : signatures)
        known += (known.empty() ? "" : ", ") + name;
      throw py::value_error("no function '" + entry +
                            "' in the compiled module (known: " +
                            (known.empty() ? "none" : known) + ")");
    }
    if (!it->second.unsupported.empty())
      throw py::value_error("cannot call '" + entry +
                            "' from Python: " + it->second.unsupported);
    return it->second;
  }

  ExecutionEngine &engineFor(const std::string &entry);

  /// Why the JIT could not link: the external functions the module declares
  /// that neither the process nor a loaded library defines (ORC names them
  /// only on stderr, and its error says "Failed to materialize symbols" for
  /// every function of the module). Empty if all resolve.
  std::string unresolvedFunctions() {
    std::vector<std::string> missing;
    std::vector<std::string> libs = jitLibraries();
    for (const std::string &lib : libs)
      llvm::sys::DynamicLibrary::LoadLibraryPermanently(lib.c_str());
    module->walk([&](LLVM::LLVMFuncOp func) {
      if (func.isExternal() &&
          !llvm::sys::DynamicLibrary::SearchForAddressOfSymbol(
              func.getSymName().str()))
        missing.push_back(func.getSymName().str());
    });
    if (missing.empty())
      return "";
    std::string text = "\nthe module calls functions that neither it nor "
                       "the libraries the JIT loads define: " +
                       llvm::join(missing, ", ") +
                       "; define them in the module, or pass the library "
                       "that does to qblock.compile(..., shared_libs=[...]) "
                       "(loaded: " + llvm::join(libs, ", ") + ")";
    return text;
  }

  std::unique_ptr<MLIRContext> context;
  OwningOpRef<ModuleOp> module;
  std::map<std::string, Signature> signatures;
  std::string remarks;
  std::unique_ptr<ExecutionEngine> engine;
  /// Libraries the JIT loads besides QBLOCK_JIT_SHARED_LIBS.
  std::vector<std::string> sharedLibs;

  /// Every library the JIT loads: scf.parallel became OpenMP runtime
  /// calls, bufferization may call memrefCopy (c_runner_utils),
  /// printMemrefF32 lives in runner_utils; then the user's shared_libs.
  std::vector<std::string> jitLibraries() const {
    std::vector<std::string> libs;
    for (StringRef lib : llvm::split(StringRef(QBLOCK_JIT_SHARED_LIBS), ','))
      if (!lib.empty() && llvm::sys::fs::exists(lib))
        libs.push_back(lib.str());
    llvm::append_range(libs, sharedLibs);
    return libs;
  }
};

/// Throws when a function names a CPU or instruction-set features
/// (target_cpu, target_features: what qblock-cpu-pipeline chose
/// instructions for) that `host` lacks. Running it would stop the process
/// on an illegal instruction, or LLVM on an intrinsic it cannot select;
/// this says instead which features are missing and what to change.
static void checkRunsOnHost(ModuleOp module, const llvm::TargetMachine &host) {
  const llvm::MCSubtargetInfo *hostInfo = host.getMCSubtargetInfo();
  // What the machine reports having or not: instruction sets only (LLVM's
  // feature bits mix in tuning flags, which a CPU name also implies).
  llvm::StringMap<bool> reported = llvm::sys::getHostCPUFeatures();
  // Thrown after the walk, not through libMLIR's frames.
  std::optional<std::string> error;
  module.walk([&](LLVM::LLVMFuncOp func) {
    if (func.isExternal() ||
        (!func.getTargetCpuAttr() && !func.getTargetFeaturesAttr()))
      return WalkResult::advance();
    // Without a CPU, only the listed features count (LLVM would add the
    // host CPU's own, which the host has, short of features a virtual
    // machine hides but this code cannot use without naming them).
    std::string cpu = func.getTargetCpuAttr()
                          ? func.getTargetCpuAttr().getValue().str()
                          : std::string();
    std::string features =
        func.getTargetFeaturesAttr()
            ? func.getTargetFeaturesAttr().getFeaturesString()
            : std::string();
    // Only what the function names: the CPU's own features and its list.
    std::unique_ptr<llvm::MCSubtargetInfo> wanted(
        host.getTarget().createMCSubtargetInfo(host.getTargetTriple(), cpu,
                                               features));
    if (!wanted)
      return WalkResult::advance();
    const llvm::FeatureBitset &bits = wanted->getFeatureBits();
    std::vector<std::string> names;
    for (const llvm::SubtargetFeatureKV &kv :
         hostInfo->getAllProcessorFeatures()) {
      auto it = reported.find(kv.Key);
      if (bits.test(kv.Value) && it != reported.end() && !it->second)
        names.push_back(kv.Key);
    }
    if (names.empty())
      return WalkResult::advance();
    // The CPU names the machine well enough; a host's feature list (over
    // a hundred entries) would bury the missing ones.
    error =
        "function '" + func.getName().str() + "' was compiled for " +
        (cpu.empty() ? "features '" + features + "'" : "CPU '" + cpu + "'") +
        ", which needs " + llvm::join(names, ", ") + " that this machine ('" +
        host.getTargetCPU().str() +
        "') lacks; compile for this machine (qblock-cpu-pipeline's "
        "target=host, the default) to run it here";
    return WalkResult::interrupt();
  });
  if (error)
    throw CompileError(*error);
}

/// Whether `module` calls the mgpu* runtime functions of gpu-to-llvm.
static bool callsGPURuntime(ModuleOp module) {
  return llvm::any_of(
      module.getOps<LLVM::LLVMFuncOp>(), [](LLVM::LLVMFuncOp func) {
        return func.isExternal() && func.getSymName().starts_with("mgpu");
      });
}

/// What the qblock CUDA runtime that will answer the module's mgpu* calls
/// says keeps it from running GPU code here; nullopt when it can, or when
/// no qblock runtime is loaded (another one cannot be asked). That is the
/// first of `libs` (already loaded by the JIT) that is qblock's runtime,
/// else one an earlier module loaded into the process: the JIT resolves
/// the calls of a module without the runtime among its libraries there,
/// and the interpreter used to end on "no CUDA driver" then.
static std::optional<std::string>
gpuRuntimeLoadError(const std::vector<std::string> &libs) {
  using LoadError = const char *(*)();
  constexpr const char *kName = "qblockCudaRuntimeLoadError";
  LoadError loadError = nullptr;
  for (const std::string &lib : libs)
    if ((loadError = reinterpret_cast<LoadError>(
             qblock::python::symbolOfLoadedLibrary(lib, kName))))
      break;
  if (!loadError)
    loadError = reinterpret_cast<LoadError>(
        llvm::sys::DynamicLibrary::SearchForAddressOfSymbol(kName));
  if (!loadError)
    return std::nullopt;
  if (const char *text = loadError())
    return std::string(text);
  return std::nullopt;
}

ExecutionEngine &Module::engineFor(const std::string &entry) {
  std::string wrapper = "_mlir_ciface_" + entry;
  if (!module->lookupSymbol<LLVM::LLVMFuncOp>(wrapper)) {
    if (module->lookupSymbol<func::FuncOp>(entry))
      throw CompileError("'" + entry +
                         "' is not lowered to the LLVM dialect yet; compile "
                         "with a pipeline that ends in the LLVM dialect, "
                         "e.g. qblock-cpu-pipeline");
    throw CompileError("the module has no C interface '" + wrapper +
                       "'; compile with c_wrappers=True (the default) or "
                       "--llvm-request-c-wrappers");
  }
  if (engine)
    return *engine;

  DiagnosticCollector diags(context.get());
  // The host's target machine, so the JIT uses the vector extensions that
  // target=host selected decode paths for.
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    throw CompileError(llvm::toString(builder.takeError()));
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto machine = builder->createTargetMachine();
  if (!machine)
    throw CompileError(llvm::toString(machine.takeError()));
  checkRunsOnHost(*module, **machine);
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                machine->get());

  std::vector<std::string> libs = jitLibraries();
  llvm::SmallVector<StringRef> libRefs(libs.begin(), libs.end());

  ExecutionEngineOptions options;
  options.transformer = optimize;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  options.sharedLibPaths = libRefs;
  options.enableGDBNotificationListener = false;
  options.enablePerfNotificationListener = false;
  auto created =
      ExecutionEngine::create(*module, options, std::move(*machine));
  if (!created)
    throw CompileError("cannot JIT-compile the module: " +
                       llvm::toString(created.takeError()) + "\n" +
                       diags.take());
  // GPU code calls the mgpu* runtime, which ends the process where no GPU
  // can run it, first while engine->initialize() loads the kernels. Ours
  // says why beforehand: an exception here, not the interpreter gone.
  if (callsGPURuntime(*module))
    if (std::optional<std::string> why = gpuRuntimeLoadError(libs))
      throw std::runtime_error(
          "cannot run this module's GPU code on this machine: " + *why +
          " (compile with qblock-gpu-emulation-pipeline to run the kernels "
          "on the CPU)");
  engine = std::move(*created);
  // Failed run-time checks return to run() instead of aborting the
  // interpreter (CheckedCall.h), where the module uses the C library's
  // abort and write.
  for (const std::string &lib : libs)
    if (llvm::sys::path::filename(lib).starts_with("libomp"))
      qblock::python::setOpenMPRuntime(lib);
  engine->registerSymbols([&](llvm::orc::MangleAndInterner interner) {
    return qblock::python::checkedCallSymbols(*module, interner);
  });
  engine->initialize();
  return *engine;
}

//===----------------------------------------------------------------------===//
// Calling
//===----------------------------------------------------------------------===//

/// A memref descriptor {allocated, aligned, offset, sizes[r], strides[r]}:
/// every field is 8 bytes, so it is an int64 array of 3 + 2r.
size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

/// Bytes and alignment of a value in an LLVM struct (x86-64 / AArch64 ABI).
std::pair<size_t, size_t> sizeAndAlign(const Value &v) {
  if (v.isMemRef)
    return {8 * descriptorWords(v.shape.size()), 8};
  return {static_cast<size_t>(v.itemSize), static_cast<size_t>(v.itemSize)};
}

/// Copies a strided memref into a new C-contiguous NumPy array.
py::array copyOut(const Value &v, const int64_t *desc) {
  size_t rank = v.shape.size();
  auto *aligned = reinterpret_cast<const char *>(desc[1]);
  int64_t offset = desc[2];
  std::vector<py::ssize_t> sizes(desc + 3, desc + 3 + rank);
  std::vector<int64_t> strides(desc + 3 + rank, desc + 3 + 2 * rank);
  py::array out(py::dtype(v.dtype), sizes);
  char *dst = static_cast<char *>(out.mutable_data());
  int64_t count = out.size();
  if (count == 0)
    return out;
  size_t item = v.itemSize;
  const char *base = aligned + offset * item;
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < count; ++n) {
    int64_t element = 0;
    for (size_t d = 0; d < rank; ++d)
      element += index[d] * strides[d];
    std::memcpy(dst + n * item, base + element * item, item);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
  return out;
}

/// `text` with every byte that is not part of a valid UTF-8 sequence
/// written as \xNN.
std::string validUTF8(const std::string &text) {
  std::string out;
  const auto *at = reinterpret_cast<const llvm::UTF8 *>(text.data());
  const auto *end = at + text.size();
  while (at < end) {
    unsigned length = llvm::getNumBytesForUTF8(*at);
    if (length <= static_cast<unsigned>(end - at) &&
        llvm::isLegalUTF8Sequence(at, at + length)) {
      out.append(reinterpret_cast<const char *>(at), length);
      at += length;
    } else {
      out += llvm::formatv("\\x{0:X-2}", unsigned(*at)).str();
      ++at;
    }
  }
  return out;
}

/// An integer result at its width and signedness (i8 -1 is -1, not 255).
py::int_ readInteger(const char *at, const Value &v) {
  bool isUnsigned = llvm::StringRef(v.dtype).starts_with("uint");
  auto read = [&](auto value) {
    std::memcpy(&value, at, sizeof value);
    return py::int_(value);
  };
  switch (v.itemSize) {
  case 1:
    return isUnsigned ? read(uint8_t()) : read(int8_t());
  case 2:
    return isUnsigned ? read(uint16_t()) : read(int16_t());
  case 4:
    return isUnsigned ? read(uint32_t()) : read(int32_t());
  default:
    return isUnsigned ? read(uint64_t()) : read(int64_t());
  }
}

py::object Module::run(const std::string &entry, const py::list &inputs) {
  const Signature &sig = lookupSignature(entry);
  if (inputs.size() != sig.args.size())
    throw py::type_error("'" + entry + "' takes " +
                         std::to_string(sig.args.size()) +
                         (sig.args.size() == 1 ? " argument" : " arguments") +
                         ", got " + std::to_string(inputs.size()));
  ExecutionEngine &jit = engineFor(entry);

  // Storage that must outlive the call.
  std::vector<std::vector<int64_t>> descriptors;
  descriptors.reserve(sig.args.size());
  std::vector<void *> descriptorPtrs(sig.args.size(), nullptr);
  std::vector<int64_t> scalars(sig.args.size(), 0);
  std::vector<py::array> keepAlive;
  std::set<const void *> inputBuffers;
  std::vector<void *> packed;

  // Results: memrefs (or several values) come back through a pointer to a
  // struct passed first; a single scalar is returned and stored last.
  bool resultThroughPointer =
      sig.results.size() > 1 ||
      (sig.results.size() == 1 && sig.results[0].isMemRef);
  std::vector<size_t> resultOffsets;
  size_t resultBytes = 0;
  for (const Value &v : sig.results) {
    auto [size, align] = sizeAndAlign(v);
    resultBytes = (resultBytes + align - 1) / align * align;
    resultOffsets.push_back(resultBytes);
    resultBytes += size;
  }
  std::vector<int64_t> resultStorage((resultBytes + 7) / 8 + 1, 0);
  void *resultPtr = resultStorage.data();
  if (resultThroughPointer)
    packed.push_back(&resultPtr);

  for (size_t i = 0; i < sig.args.size(); ++i) {
    const Value &v = sig.args[i];
    py::handle input = inputs[i];
    if (!v.isMemRef) {
      if (v.dtype == "float32") {
        float f = input.cast<float>();
        std::memcpy(&scalars[i], &f, sizeof f);
      } else if (v.dtype == "float64") {
        double d = input.cast<double>();
        std::memcpy(&scalars[i], &d, sizeof d);
      } else {
        // The low itemSize bytes of the value (x86 and AArch64 are little
        // endian); qblock.Module.run has checked the range.
        uint64_t bits = llvm::StringRef(v.dtype).starts_with("uint")
                            ? input.cast<uint64_t>()
                            : static_cast<uint64_t>(input.cast<int64_t>());
        std::memcpy(&scalars[i], &bits, v.itemSize);
      }
      packed.push_back(&scalars[i]);
      continue;
    }
    auto array = py::reinterpret_borrow<py::array>(input);
    if (!py::isinstance<py::array>(input) ||
        !array.dtype().is(py::dtype(v.dtype)) ||
        !(array.flags() & py::array::c_style))
      throw py::type_error("argument " + std::to_string(i) +
                           " must be a C-contiguous " + v.dtype +
                           " array for " + v.text);
    if (array.ndim() != static_cast<py::ssize_t>(v.shape.size()))
      throw py::value_error("argument " + std::to_string(i) + " has rank " +
                            std::to_string(array.ndim()) + "; " + v.text +
                            " needs rank " + std::to_string(v.shape.size()));
    for (size_t d = 0; d < v.shape.size(); ++d)
      if (!ShapedType::isDynamic(v.shape[d]) &&
          array.shape(d) != v.shape[d])
        throw py::value_error("argument " + std::to_string(i) +
                              " has shape " +
                              py::str(py::cast(std::vector<py::ssize_t>(
                                          array.shape(),
                                          array.shape() + array.ndim())))
                                  .cast<std::string>() +
                              "; " + v.text + " needs size " +
                              std::to_string(v.shape[d]) + " in dimension " +
                              std::to_string(d));
    size_t rank = v.shape.size();
    std::vector<int64_t> desc(descriptorWords(rank), 0);
    auto *data = const_cast<void *>(array.data());
    desc[0] = reinterpret_cast<int64_t>(data);
    desc[1] = reinterpret_cast<int64_t>(data);
    desc[2] = 0;
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      desc[3 + d] = array.shape(d);
      desc[3 + rank + d] = stride;
      stride *= array.shape(d);
    }
    if (v.layout) {
      // The function reads the array with the type's static strides and
      // offset, not the descriptor's: they must be the dense array's (a
      // dimension of size 1 never moves, so its stride does not matter).
      auto [layoutStrides, layoutOffset] = *v.layout;
      auto mismatch = [&](const std::string &what) {
        throw py::value_error(
            "argument " + std::to_string(i) + " (" + v.text + ") is read " +
            what + ", but NumPy arrays are passed dense (row-major strides, "
            "offset 0); take a memref without a static layout and make the "
            "strided view inside the function");
      };
      if (!ShapedType::isDynamic(layoutOffset) && layoutOffset != 0)
        mismatch("at offset " + std::to_string(layoutOffset));
      for (size_t d = 0; d < rank; ++d)
        if (!ShapedType::isDynamic(layoutStrides[d]) &&
            layoutStrides[d] != desc[3 + rank + d] && array.shape(d) > 1)
          mismatch("with stride " + std::to_string(layoutStrides[d]) +
                   " in dimension " + std::to_string(d) + " (the array's is " +
                   std::to_string(desc[3 + rank + d]) + ")");
    }
    inputBuffers.insert(data);
    keepAlive.push_back(array);
    descriptors.push_back(std::move(desc));
    descriptorPtrs[i] = descriptors.back().data();
    packed.push_back(&descriptorPtrs[i]);
  }
  if (!resultThroughPointer && !sig.results.empty())
    packed.push_back(resultStorage.data());

  auto function = jit.lookupPacked("_mlir_ciface_" + entry);
  if (!function)
    throw CompileError("cannot call '" + entry +
                       "': " + llvm::toString(function.takeError()) +
                       unresolvedFunctions());
  std::optional<std::string> failedCheck;
  {
    py::gil_scoped_release release;
    failedCheck = qblock::python::callCatchingAbort(*function, packed.data());
  }
  if (failedCheck) {
    // The message as written, less its newline; valid UTF-8, or Python
    // would turn the whole text into ''.
    std::string message = validUTF8(*failedCheck);
    bool captured = !message.empty();
    while (!message.empty() && message.back() == '\n')
      message.pop_back();
    throw RuntimeCheckError(
        "'" + entry + "' stopped on a failed run-time check" +
        (!captured         ? std::string(" (its message was not captured)")
         : message.empty() ? std::string(" (with an empty message)")
                           : ": " + message) +
        "; memory the call allocated before it is not freed");
  }

  // Copy every result out, then free the buffers the function allocated
  // (they are malloc'ed and owned by the caller), but never an input's
  // buffer, a global (allocated pointer 0xdeadbeef) or one buffer twice.
  // Two results may share a buffer (a memref and a subview of it, or one
  // memref returned twice), so nothing is freed before all are copied.
  py::list results;
  std::vector<void *> allocations;
  auto *bytes = reinterpret_cast<char *>(resultStorage.data());
  for (size_t r = 0; r < sig.results.size(); ++r) {
    const Value &v = sig.results[r];
    const char *at = bytes + resultOffsets[r];
    if (!v.isMemRef) {
      if (v.dtype == "float32") {
        float f;
        std::memcpy(&f, at, sizeof f);
        results.append(py::float_(f));
      } else if (v.dtype == "float64") {
        double d;
        std::memcpy(&d, at, sizeof d);
        results.append(py::float_(d));
      } else {
        results.append(readInteger(at, v));
      }
      continue;
    }
    std::vector<int64_t> desc(descriptorWords(v.shape.size()));
    std::memcpy(desc.data(), at, desc.size() * 8);
    results.append(copyOut(v, desc.data()));
    allocations.push_back(reinterpret_cast<void *>(desc[0]));
  }
  std::set<const void *> freed;
  for (void *allocated : allocations)
    if (allocated && allocated != reinterpret_cast<void *>(0xdeadbeef) &&
        !inputBuffers.count(allocated) && freed.insert(allocated).second)
      std::free(allocated);
  if (sig.results.empty())
    return py::none();
  if (sig.results.size() == 1)
    return results[0];
  return py::tuple(results);
}

} // namespace

PYBIND11_MODULE(_qblock_compiler, m) {
  m.doc() = "qblock compiler and JIT (libMLIR.so); use the qblock package";
  py::register_exception<CompileError>(m, "CompileError", PyExc_RuntimeError);
  py::register_exception<RuntimeCheckError>(m, "RuntimeCheckError",
                                            PyExc_ValueError);

  py::class_<Module>(m, "Module")
      .def("text", &Module::text, py::arg("debug_info") = false)
      .def_property_readonly("remarks", &Module::getRemarks)
      .def("functions", &Module::functions)
      .def("signature", &Module::signature, py::arg("entry"))
      .def("run", &Module::run, py::arg("entry"), py::arg("args"));

  m.def("compile", &Module::compile, py::arg("source"), py::arg("pipeline"),
        py::arg("c_wrappers"), py::arg("verify_each"), py::arg("shared_libs"),
        py::arg("remarks"));
  m.def("jit_shared_libs", [] {
    std::vector<std::string> libs;
    for (StringRef lib : llvm::split(StringRef(QBLOCK_JIT_SHARED_LIBS), ','))
      if (!lib.empty())
        libs.push_back(lib.str());
    return libs;
  });
}
