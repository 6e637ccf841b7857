//===- GuardCPUFeatures.cpp - refuse to run on a CPU that lacks -----------===//
//
// The CPU pipeline compiles for one machine (target=host, avx2, avx512), and
// the code it emits uses that machine's vector instructions from the first
// kernel on. Run anywhere else (an ahead-of-time library copied to an older
// server, a module compiled with target=avx512 and handed to mlir-runner on
// an AVX2 laptop) it used to die of SIGILL inside a kernel, with no hint at
// the cause. Now each public function first calls a check that reads the
// CPU's `cpuid` bits (and, for AVX and AVX-512, whether the operating system
// saves the wider registers, XCR0) once per process, and stops with a message
// that names the missing features and the option to compile with instead,
// as IREE's runtime refuses executables built for features the host lacks.
//
// Only the instruction-set features a compiler may use for vector and bit
// code are checked (the table below); LLVM's other subtarget features
// (cx16, sahf, xsave, tuning flags, ...) are baseline x86-64 or never chosen
// by the code generator on its own.
//
//===----------------------------------------------------------------------===//

#include "GuardCPUFeatures.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/TargetParser/X86TargetParser.h"

using namespace mlir;

namespace {

enum Register { EAX, EBX, ECX, EDX };
/// Register state the operating system must save for the feature's
/// instructions to work (XCR0 bits): none, SSE+AVX (ymm), or all of
/// AVX-512's (opmask, upper zmm halves, zmm16-31).
enum class OSState { None, YMM, ZMM };

struct CPUIDBit {
  const char *name; // LLVM's feature name
  uint32_t leaf, subleaf;
  Register reg;
  int bit;
  OSState state;
};

// Bit positions from the Intel SDM (vol. 2A, CPUID) and AMD's APM.
constexpr CPUIDBit kCPUIDBits[] = {
    {"sse3", 1, 0, ECX, 0, OSState::None},
    {"pclmul", 1, 0, ECX, 1, OSState::None},
    {"ssse3", 1, 0, ECX, 9, OSState::None},
    {"fma", 1, 0, ECX, 12, OSState::YMM},
    {"sse4.1", 1, 0, ECX, 19, OSState::None},
    {"sse4.2", 1, 0, ECX, 20, OSState::None},
    {"movbe", 1, 0, ECX, 22, OSState::None},
    {"popcnt", 1, 0, ECX, 23, OSState::None},
    {"aes", 1, 0, ECX, 25, OSState::None},
    {"avx", 1, 0, ECX, 28, OSState::YMM},
    {"f16c", 1, 0, ECX, 29, OSState::YMM},
    {"bmi", 7, 0, EBX, 3, OSState::None},
    {"avx2", 7, 0, EBX, 5, OSState::YMM},
    {"bmi2", 7, 0, EBX, 8, OSState::None},
    {"avx512f", 7, 0, EBX, 16, OSState::ZMM},
    {"avx512dq", 7, 0, EBX, 17, OSState::ZMM},
    {"avx512ifma", 7, 0, EBX, 21, OSState::ZMM},
    {"avx512cd", 7, 0, EBX, 28, OSState::ZMM},
    {"avx512bw", 7, 0, EBX, 30, OSState::ZMM},
    {"avx512vl", 7, 0, EBX, 31, OSState::ZMM},
    {"avx512vbmi", 7, 0, ECX, 1, OSState::ZMM},
    {"avx512vbmi2", 7, 0, ECX, 6, OSState::ZMM},
    {"gfni", 7, 0, ECX, 8, OSState::None},
    {"vaes", 7, 0, ECX, 9, OSState::YMM},
    {"vpclmulqdq", 7, 0, ECX, 10, OSState::YMM},
    {"avx512vnni", 7, 0, ECX, 11, OSState::ZMM},
    {"avx512bitalg", 7, 0, ECX, 12, OSState::ZMM},
    {"avx512vpopcntdq", 7, 0, ECX, 14, OSState::ZMM},
    {"avx512fp16", 7, 0, EDX, 23, OSState::ZMM},
    {"avxvnni", 7, 1, EAX, 4, OSState::YMM},
    {"avx512bf16", 7, 1, EAX, 5, OSState::ZMM},
    {"lzcnt", 0x80000001, 0, ECX, 5, OSState::None},
};

/// What a function's code may assume: the checked features its
/// `target_cpu` implies, plus its `+` features, minus its `-` ones, in the
/// table's order (so equal requirements compare equal).
struct Requirement {
  std::string cpu;
  SmallVector<const CPUIDBit *> bits;

  bool operator==(const Requirement &other) const {
    return cpu == other.cpu && bits == other.bits;
  }
};

/// The C library functions the check reports through.
LLVM::LLVMFunctionType writeType(MLIRContext *ctx) {
  Type i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
  return LLVM::LLVMFunctionType::get(
      i64, {i32, LLVM::LLVMPointerType::get(ctx), i64});
}
LLVM::LLVMFunctionType exitType(MLIRContext *ctx) {
  return LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                     {IntegerType::get(ctx, 32)});
}

Requirement requirementOf(LLVM::LLVMFuncOp func) {
  // updateImpliedFeatures sets what a feature implies (avx512bw: avx512f,
  // avx2, ..., sse) or clears what depends on it, not the feature itself.
  llvm::StringMap<bool> on;
  auto set = [&](StringRef feature, bool enabled) {
    on[feature] = enabled;
    llvm::X86::updateImpliedFeatures(feature, enabled, on);
  };
  Requirement r;
  if (StringAttr cpu = func.getTargetCpuAttr()) {
    r.cpu = cpu.getValue().str();
    // getFeaturesForCPU asserts on names it does not know.
    if (llvm::X86::parseArchX86(r.cpu, /*Only64Bit=*/true) !=
        llvm::X86::CK_None) {
      SmallVector<StringRef> listed;
      llvm::X86::getFeaturesForCPU(r.cpu, listed);
      for (StringRef feature : listed)
        set(feature, true);
    }
  }
  if (LLVM::TargetFeaturesAttr features = func.getTargetFeaturesAttr())
    for (StringAttr attr : features.getFeatures()) {
      StringRef feature = attr.getValue();
      if (feature.consume_front("+"))
        set(feature, true);
      else if (feature.consume_front("-"))
        set(feature, false);
    }
  for (const CPUIDBit &bit : kCPUIDBits)
    if (on.lookup(bit.name))
      r.bits.push_back(&bit);
  if (r.cpu.empty())
    r.cpu = "(unnamed)";
  return r;
}

/// Builds `@name`: on its first call, checks `req` against the CPU and
/// exits with a message if anything is missing; later calls return at once.
class GuardBuilder {
public:
  GuardBuilder(ModuleOp module, OpBuilder &b) : module(module), b(b) {
    ctx = module.getContext();
    i1 = b.getI1Type();
    i8 = b.getI8Type();
    i32 = b.getI32Type();
    i64 = b.getI64Type();
  }

  /// `write` and `exit` must not exist with other types (the pass checks).
  LLVM::LLVMFuncOp build(StringRef name, const Requirement &req);

private:
  Value i32Const(Location loc, uint32_t v) {
    return LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(v));
  }
  /// eax, ebx, ecx, edx of cpuid(leaf, subleaf).
  std::array<Value, 4> cpuid(Location loc, uint32_t leaf, uint32_t subleaf);
  /// Writes `text` to standard error.
  void writeError(Location loc, StringRef text);

  ModuleOp module;
  OpBuilder &b;
  MLIRContext *ctx;
  Type i1, i8, i32, i64;
  LLVM::LLVMFuncOp write;
  int strings = 0;
  std::string prefix;
};

std::array<Value, 4> GuardBuilder::cpuid(Location loc, uint32_t leaf,
                                         uint32_t subleaf) {
  auto result = LLVM::LLVMStructType::getLiteral(ctx, {i32, i32, i32, i32});
  auto asmOp = LLVM::InlineAsmOp::create(
      b, loc, result, ValueRange{i32Const(loc, leaf), i32Const(loc, subleaf)},
      "cpuid", "={ax},={bx},={cx},={dx},{ax},{cx}", /*has_side_effects=*/true,
      /*is_align_stack=*/false, LLVM::tailcallkind::TailCallKind::None,
      LLVM::AsmDialectAttr::get(ctx, LLVM::AsmDialect::AD_ATT),
      /*operand_attrs=*/ArrayAttr());
  std::array<Value, 4> regs;
  for (int64_t i = 0; i < 4; ++i)
    regs[i] = LLVM::ExtractValueOp::create(b, loc, asmOp.getResult(0),
                                           ArrayRef<int64_t>{i});
  return regs;
}

void GuardBuilder::writeError(Location loc, StringRef text) {
  Value address = LLVM::createGlobalString(
      loc, b, prefix + "_text" + std::to_string(strings++), text,
      LLVM::Linkage::Internal);
  Value length = LLVM::ConstantOp::create(
      b, loc, i64, b.getI64IntegerAttr(static_cast<int64_t>(text.size())));
  LLVM::CallOp::create(b, loc, write,
                       ValueRange{i32Const(loc, 2), address, length});
}

LLVM::LLVMFuncOp GuardBuilder::build(StringRef name, const Requirement &req) {
  Location loc = module.getLoc();
  prefix = name.str();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto declare = [&](StringRef symbol, LLVM::LLVMFunctionType type) {
    FailureOr<LLVM::LLVMFuncOp> fn = LLVM::lookupOrCreateFn(
        b, module, symbol, type.getParams(), type.getReturnType());
    assert(succeeded(fn) && "the pass checked the symbol's type");
    return *fn;
  };
  write = declare("write", writeType(ctx));
  LLVM::LLVMFuncOp exitFn = declare("exit", exitType(ctx));

  b.setInsertionPointToEnd(module.getBody());
  auto flag = LLVM::GlobalOp::create(b, loc, i8, /*isConstant=*/false,
                                     LLVM::Linkage::Internal,
                                     (name + "_done").str(),
                                     b.getI8IntegerAttr(0));
  auto func = LLVM::LLVMFuncOp::create(
      b, loc, name,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {}),
      LLVM::Linkage::Internal);
  // Kept out of line: it runs once, and its body is larger than the
  // functions it guards need at their entry.
  func.setNoInline(true);
  // Compiled for baseline x86-64 whatever the guarded code assumes: the
  // check must not itself use the instructions it checks for (BMI bit
  // tests, VEX encodings). Naming a CPU also keeps qblock-set-cpu-target
  // from giving it the pipeline's on a later run.
  func.setTargetCpuAttr(b.getStringAttr("x86-64"));

  Block *entry = func.addEntryBlock(b);
  Block *check = new Block(), *readXCR0 = new Block(), *features = new Block(),
        *fail = new Block(), *done = new Block(), *pass = new Block();
  Region &body = func.getBody();
  for (Block *block : {check, readXCR0, features, fail, pass, done})
    body.push_back(block);
  features->addArgument(i32, loc);

  // Once per process; two threads that both check find the same answer.
  b.setInsertionPointToEnd(entry);
  Value flagAddress = LLVM::AddressOfOp::create(b, loc, flag);
  Value seen = LLVM::LoadOp::create(b, loc, i8, flagAddress, /*alignment=*/1,
                                    false, false, false, false,
                                    LLVM::AtomicOrdering::monotonic);
  Value zero8 = LLVM::ConstantOp::create(b, loc, i8, b.getI8IntegerAttr(0));
  LLVM::CondBrOp::create(
      b, loc, LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, seen, zero8),
      done, check);

  // Leaves past the CPU's largest read as zeros (cpuid would return
  // another leaf's bits). XGETBV faults unless OSXSAVE is set.
  b.setInsertionPointToEnd(check);
  auto zero = i32Const(loc, 0);
  std::array<Value, 4> leaf0 = cpuid(loc, 0, 0);
  std::array<Value, 4> leafExt0 = cpuid(loc, 0x80000000, 0);
  llvm::MapVector<std::pair<uint32_t, uint32_t>, std::array<Value, 4>> leaves;
  auto readLeaf = [&](uint32_t leaf, uint32_t subleaf) {
    std::array<Value, 4> regs = cpuid(loc, leaf, subleaf);
    Value max = leaf >= 0x80000000 ? leafExt0[EAX] : leaf0[EAX];
    Value present = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::uge, max,
                                         i32Const(loc, leaf));
    for (Value &reg : regs)
      reg = LLVM::SelectOp::create(b, loc, present, reg, zero);
    leaves[{leaf, subleaf}] = regs;
  };
  readLeaf(1, 0);
  for (const CPUIDBit *bit : req.bits)
    if (!leaves.count({bit->leaf, bit->subleaf}))
      readLeaf(bit->leaf, bit->subleaf);
  auto bitSet = [&](Value reg, uint32_t mask) -> Value {
    Value m = i32Const(loc, mask);
    return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                LLVM::AndOp::create(b, loc, reg, m), m);
  };
  Value osxsave = bitSet(leaves[{1u, 0u}][ECX], 1u << 27);
  LLVM::CondBrOp::create(b, loc, osxsave, readXCR0, ValueRange{}, features,
                         ValueRange{zero});

  b.setInsertionPointToEnd(readXCR0);
  auto xgetbv = LLVM::InlineAsmOp::create(
      b, loc, LLVM::LLVMStructType::getLiteral(ctx, {i32, i32}),
      ValueRange{zero}, "xgetbv", "={ax},={dx},{cx}",
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None,
      LLVM::AsmDialectAttr::get(ctx, LLVM::AsmDialect::AD_ATT), ArrayAttr());
  Value xcr0 = LLVM::ExtractValueOp::create(b, loc, xgetbv.getResult(0),
                                            ArrayRef<int64_t>{0});
  LLVM::BrOp::create(b, loc, ValueRange{xcr0}, features);

  // XCR0: bits 1-2 are the SSE and AVX (ymm) state, 5-7 AVX-512's.
  b.setInsertionPointToEnd(features);
  Value xcr0Bits = features->getArgument(0);
  Value ymmSaved = bitSet(xcr0Bits, 0x06);
  Value zmmSaved = bitSet(xcr0Bits, 0xE6);
  SmallVector<Value> present;
  Value allPresent = LLVM::ConstantOp::create(b, loc, i1, b.getBoolAttr(true));
  for (const CPUIDBit *bit : req.bits) {
    Value ok = bitSet(leaves[{bit->leaf, bit->subleaf}][bit->reg],
                      1u << bit->bit);
    if (bit->state == OSState::YMM)
      ok = LLVM::AndOp::create(b, loc, ok, ymmSaved);
    else if (bit->state == OSState::ZMM)
      ok = LLVM::AndOp::create(b, loc, ok, zmmSaved);
    present.push_back(ok);
    allPresent = LLVM::AndOp::create(b, loc, allPresent, ok);
  }
  LLVM::CondBrOp::create(b, loc, allPresent, pass, fail);

  b.setInsertionPointToEnd(pass);
  Value one8 = LLVM::ConstantOp::create(b, loc, i8, b.getI8IntegerAttr(1));
  LLVM::StoreOp::create(b, loc, one8, flagAddress, /*alignment=*/1, false,
                        false, false, LLVM::AtomicOrdering::monotonic);
  LLVM::BrOp::create(b, loc, ValueRange{}, done);

  b.setInsertionPointToEnd(done);
  LLVM::ReturnOp::create(b, loc, ValueRange{});

  // The message: what the code needs, what is missing, what to do.
  b.setInsertionPointToEnd(fail);
  writeError(loc, "qblock: this code was compiled for CPU '" + req.cpu +
                      "' and uses instructions that this machine (or its "
                      "operating system) does not support:");
  for (auto [bit, ok] : llvm::zip(req.bits, present)) {
    Block *report = new Block(), *next = new Block();
    body.push_back(report);
    body.push_back(next);
    LLVM::CondBrOp::create(b, loc, ok, next, report);
    b.setInsertionPointToEnd(report);
    writeError(loc, std::string(" ") + bit->name);
    LLVM::BrOp::create(b, loc, ValueRange{}, next);
    b.setInsertionPointToEnd(next);
  }
  writeError(loc, "\nqblock: compile it for this machine with "
                  "--qblock-cpu-pipeline=\"target=host\" (or target=avx2 or "
                  "target=generic).\n");
  LLVM::CallOp::create(b, loc, exitFn, ValueRange{i32Const(loc, 1)});
  LLVM::UnreachableOp::create(b, loc);
  return func;
}

/// Whether `func`'s entry block calls a check already (the pass ran
/// before; canonicalization may have hoisted constants above the call).
bool isGuarded(LLVM::LLVMFuncOp func) {
  return llvm::any_of(func.getBody().front(), [](Operation &op) {
    auto call = dyn_cast<LLVM::CallOp>(op);
    return call && call.getCallee() &&
           call.getCallee()->starts_with("__qblock_check_cpu");
  });
}

struct GuardCPUFeaturesPass
    : PassWrapper<GuardCPUFeaturesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GuardCPUFeaturesPass)

  StringRef getArgument() const override { return "qblock-guard-cpu-features"; }
  StringRef getDescription() const override {
    return "Make public functions compiled for an x86 CPU check, once, that "
           "the running CPU has the features they use";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto triple = module->getAttrOfType<StringAttr>(
        LLVM::LLVMDialect::getTargetTripleAttrName());
    if (!triple || !llvm::Triple(triple.getValue()).isX86())
      return;

    // Group the functions to guard by what they require: one check each.
    // In the order the functions come, so the output is the same every run.
    SmallVector<std::pair<Requirement, SmallVector<LLVM::LLVMFuncOp>>> groups;
    module.walk([&](LLVM::LLVMFuncOp func) {
      if (func.isExternal() || func.getLinkage() != LLVM::Linkage::External ||
          isGuarded(func))
        return;
      Requirement req = requirementOf(func);
      if (req.bits.empty())
        return;
      auto *group = llvm::find_if(
          groups, [&](const auto &g) { return g.first == req; });
      if (group == groups.end()) {
        groups.emplace_back(std::move(req), SmallVector<LLVM::LLVMFuncOp>());
        group = std::prev(groups.end());
      }
      group->second.push_back(func);
    });

    if (groups.empty())
      return;
    // The check reports through the C library's write and exit. A module
    // that defines either symbol with another type would make the output
    // invalid; it is compiled without the check rather than not at all.
    MLIRContext *ctx = module.getContext();
    for (auto [name, type] :
         {std::pair<StringRef, Type>{"write", writeType(ctx)},
          {"exit", exitType(ctx)}}) {
      Operation *symbol = SymbolTable::lookupSymbolIn(module, name);
      auto func = dyn_cast_or_null<LLVM::LLVMFuncOp>(symbol);
      if (symbol && (!func || func.getFunctionType() != type)) {
        symbol->emitWarning("qblock-cpu-pipeline: '")
            << name
            << "' is not the C library's, so the code is compiled without "
               "its CPU feature check (it may stop with SIGILL on a CPU "
               "without the features it was compiled for); rename the "
               "symbol to keep the check";
        return;
      }
    }

    OpBuilder b(ctx);
    GuardBuilder guards(module, b);
    SymbolTable symbols(module);
    int index = 0;
    for (auto &group : groups) {
      std::string name;
      do
        name = "__qblock_check_cpu_" + std::to_string(index++);
      while (symbols.lookup(name));
      LLVM::LLVMFuncOp check = guards.build(name, group.first);
      for (LLVM::LLVMFuncOp func : group.second) {
        b.setInsertionPointToStart(&func.getBody().front());
        LLVM::CallOp::create(b, func.getLoc(), check, ValueRange{});
      }
    }
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createGuardCPUFeaturesPass() {
  return std::make_unique<GuardCPUFeaturesPass>();
}
