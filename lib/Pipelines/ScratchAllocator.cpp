//===- ScratchAllocator.cpp - reuse of large buffers across calls ---------===//
//
// Kernels allocate their scratch (quantized activation tiles, decoded
// bytes, copies of operands) at every call and free it at the end. With
// glibc, blocks of a few MiB come from mmap, or from the heap top that
// free() trims again (M_TRIM_THRESHOLD): either way the memory goes back to
// the kernel after each call and the next call takes a page fault on every
// 4 KiB of it. Measured on the AVX-512 EPYC (W4A4 GEMM, M=128, N=K=4096):
// 47 ms per call with malloc/free, 14 ms when glibc is told to keep freed
// memory (GLIBC_TUNABLES mmap and trim thresholds) - most of the call was
// page faults.
//
// So the CPU pipeline lowers memref.alloc/dealloc through the generic
// functions (finalize-memref-to-llvm use-generic-functions) and this pass
// defines them in the module, with internal linkage:
//
//   alloc(size):  size >= 64 KiB and a kept block of size..2*size bytes
//                 exists -> that block; otherwise malloc(size)
//   free(p):      malloc_usable_size(p) >= 64 KiB and one of 16 slots is
//                 empty -> keep p there; otherwise free(p)
//
// Every block is a plain malloc'd block, so memory a function returns can
// still be released by its caller with free(). The slots are guarded by a
// spin lock (a compare-and-swap on a module global): allocations happen a
// few times per kernel call, so it is never contended for long. Kept
// blocks (at most 16 per loaded module, the largest a model's kernels
// asked for) are freed by a global destructor when the module is unloaded.
//
//===----------------------------------------------------------------------===//

#include "ScratchAllocator.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

using namespace mlir;

namespace {

/// The allocator, in the LLVM dialect (kept as text so it reads as the
/// code it is). Functions and globals with a __qblock_ prefix are private
/// helpers; the two _mlir_memref_to_llvm_* functions are what the memref
/// lowering calls.
constexpr const char *kAllocatorSource = R"mlir(
llvm.func @malloc(i64) -> !llvm.ptr
llvm.func @free(!llvm.ptr)
llvm.func @malloc_usable_size(!llvm.ptr) -> i64
llvm.mlir.global internal @__qblock_scratch_slots() {addr_space = 0 : i32} : !llvm.array<16 x struct<(ptr, i64)>> {
  %0 = llvm.mlir.zero : !llvm.array<16 x struct<(ptr, i64)>>
  llvm.return %0 : !llvm.array<16 x struct<(ptr, i64)>>
}
llvm.mlir.global internal @__qblock_scratch_lock(0 : i32) {addr_space = 0 : i32} : i32
llvm.func internal @__qblock_scratch_try_acquire() -> i1 {
  %lock = llvm.mlir.addressof @__qblock_scratch_lock : !llvm.ptr
  %zero = llvm.mlir.constant(0 : i32) : i32
  %one = llvm.mlir.constant(1 : i32) : i32
  %pair = llvm.cmpxchg %lock, %zero, %one acquire monotonic : !llvm.ptr, i32
  %got = llvm.extractvalue %pair[1] : !llvm.struct<(i32, i1)>
  llvm.return %got : i1
}
llvm.func internal @__qblock_scratch_acquire() {
  llvm.br ^try
^try:
  %got = llvm.call @__qblock_scratch_try_acquire() : () -> i1
  llvm.cond_br %got, ^done, ^try
^done:
  llvm.return
}
llvm.func internal @__qblock_scratch_release() {
  %lock = llvm.mlir.addressof @__qblock_scratch_lock : !llvm.ptr
  %zero = llvm.mlir.constant(0 : i32) : i32
  llvm.store %zero, %lock atomic release {alignment = 4 : i64} : i32, !llvm.ptr
  llvm.return
}
llvm.func internal @_mlir_memref_to_llvm_alloc(%size: i64) -> !llvm.ptr {
  %min = llvm.mlir.constant(65536 : i64) : i64
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %c16 = llvm.mlir.constant(16 : i64) : i64
  %null = llvm.mlir.zero : !llvm.ptr
  %slots = llvm.mlir.addressof @__qblock_scratch_slots : !llvm.ptr
  %big = llvm.icmp "uge" %size, %min : i64
  llvm.cond_br %big, ^lock, ^fresh
^lock:
  llvm.call @__qblock_scratch_acquire() : () -> ()
  llvm.br ^scan(%c0 : i64)
^scan(%i: i64):
  %end = llvm.icmp "eq" %i, %c16 : i64
  llvm.cond_br %end, ^unlock, ^check
^check:
  %pp = llvm.getelementptr %slots[0, %i, 0] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<16 x struct<(ptr, i64)>>
  %sp = llvm.getelementptr %slots[0, %i, 1] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<16 x struct<(ptr, i64)>>
  %p = llvm.load %pp : !llvm.ptr -> !llvm.ptr
  %s = llvm.load %sp : !llvm.ptr -> i64
  %used = llvm.icmp "ne" %p, %null : !llvm.ptr
  %fits = llvm.icmp "uge" %s, %size : i64
  %twice = llvm.shl %size, %c1 : i64
  %snug = llvm.icmp "ule" %s, %twice : i64
  %a = llvm.and %used, %fits : i1
  %ok = llvm.and %a, %snug : i1
  %next = llvm.add %i, %c1 : i64
  llvm.cond_br %ok, ^take, ^scan(%next : i64)
^take:
  llvm.store %null, %pp : !llvm.ptr, !llvm.ptr
  llvm.call @__qblock_scratch_release() : () -> ()
  llvm.return %p : !llvm.ptr
^unlock:
  llvm.call @__qblock_scratch_release() : () -> ()
  llvm.br ^fresh
^fresh:
  %m = llvm.call @malloc(%size) : (i64) -> !llvm.ptr
  llvm.return %m : !llvm.ptr
}
llvm.func internal @_mlir_memref_to_llvm_free(%p: !llvm.ptr) {
  %min = llvm.mlir.constant(65536 : i64) : i64
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %c16 = llvm.mlir.constant(16 : i64) : i64
  %null = llvm.mlir.zero : !llvm.ptr
  %slots = llvm.mlir.addressof @__qblock_scratch_slots : !llvm.ptr
  %isnull = llvm.icmp "eq" %p, %null : !llvm.ptr
  llvm.cond_br %isnull, ^done, ^size
^size:
  %s = llvm.call @malloc_usable_size(%p) : (!llvm.ptr) -> i64
  %big = llvm.icmp "uge" %s, %min : i64
  llvm.cond_br %big, ^lock, ^release
^lock:
  llvm.call @__qblock_scratch_acquire() : () -> ()
  llvm.br ^scan(%c0 : i64)
^scan(%i: i64):
  %end = llvm.icmp "eq" %i, %c16 : i64
  llvm.cond_br %end, ^unlock, ^check
^check:
  %pp = llvm.getelementptr %slots[0, %i, 0] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<16 x struct<(ptr, i64)>>
  %q = llvm.load %pp : !llvm.ptr -> !llvm.ptr
  %empty = llvm.icmp "eq" %q, %null : !llvm.ptr
  %next = llvm.add %i, %c1 : i64
  llvm.cond_br %empty, ^keep, ^scan(%next : i64)
^keep:
  %sp = llvm.getelementptr %slots[0, %i, 1] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<16 x struct<(ptr, i64)>>
  llvm.store %p, %pp : !llvm.ptr, !llvm.ptr
  llvm.store %s, %sp : i64, !llvm.ptr
  llvm.call @__qblock_scratch_release() : () -> ()
  llvm.br ^done
^unlock:
  llvm.call @__qblock_scratch_release() : () -> ()
  llvm.br ^release
^release:
  llvm.call @free(%p) : (!llvm.ptr) -> ()
  llvm.br ^done
^done:
  llvm.return
}
llvm.func internal @__qblock_scratch_free_kept() {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %c16 = llvm.mlir.constant(16 : i64) : i64
  %null = llvm.mlir.zero : !llvm.ptr
  %slots = llvm.mlir.addressof @__qblock_scratch_slots : !llvm.ptr
  %got = llvm.call @__qblock_scratch_try_acquire() : () -> i1
  llvm.cond_br %got, ^scan(%c0 : i64), ^busy
^busy:
  llvm.return
^scan(%i: i64):
  %end = llvm.icmp "eq" %i, %c16 : i64
  llvm.cond_br %end, ^done, ^slot
^slot:
  %pp = llvm.getelementptr %slots[0, %i, 0] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<16 x struct<(ptr, i64)>>
  %p = llvm.load %pp : !llvm.ptr -> !llvm.ptr
  llvm.call @free(%p) : (!llvm.ptr) -> ()
  llvm.store %null, %pp : !llvm.ptr, !llvm.ptr
  %next = llvm.add %i, %c1 : i64
  llvm.br ^scan(%next : i64)
^done:
  llvm.call @__qblock_scratch_release() : () -> ()
  llvm.return
}
)mlir";

/// The kept blocks are freed when the module is unloaded (dlclose of a
/// shared library, destruction of a JIT's ExecutionEngine): a process that
/// loads many modules, such as a Python session compiling one per call,
/// would otherwise keep up to 16 blocks per module until it exits. The
/// destructor takes the lock only if it is free: a lock some thread holds
/// (or held across a fork) is not worth hanging an exit for; the blocks
/// then stay, as they did before. Priority 0 runs it after the module's
/// other destructors.
constexpr llvm::StringLiteral kFreeKeptName = "__qblock_scratch_free_kept";

struct DefineScratchAllocatorPass
    : PassWrapper<DefineScratchAllocatorPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(DefineScratchAllocatorPass)
  StringRef getArgument() const override {
    return "qblock-define-scratch-allocator";
  }
  StringRef getDescription() const override {
    return "Define the generic memref allocation functions in the module, "
           "keeping freed blocks of 64 KiB and more for the next call";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<LLVM::LLVMDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto declared = [&](StringRef name) {
      auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
      return func && func.isExternal();
    };
    // Nothing to do without allocations, or when already defined.
    if (!declared(qblock::kScratchAllocName) &&
        !declared(qblock::kScratchFreeName))
      return;
    OwningOpRef<ModuleOp> source =
        parseSourceString<ModuleOp>(kAllocatorSource, module.getContext());
    if (!source) {
      module.emitError("qblock-define-scratch-allocator: the allocator's "
                       "source does not parse (a bug in qblock)");
      return signalPassFailure();
    }
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    for (Operation &op :
         llvm::make_early_inc_range(source->getBody()->getOperations())) {
      auto symbol = cast<SymbolOpInterface>(op);
      Operation *existing = module.lookupSymbol(symbol.getName());
      if (existing) {
        auto func = dyn_cast<LLVM::LLVMFuncOp>(existing);
        bool defines = func && func.isExternal() &&
                       (symbol.getName() == qblock::kScratchAllocName ||
                        symbol.getName() == qblock::kScratchFreeName);
        // malloc, free and friends declared by the lowering: keep theirs.
        if (!defines)
          continue;
        existing->erase();
      }
      op.remove();
      builder.insert(&op);
    }
    // One llvm.global_dtors per module: join the module's own, if any.
    MLIRContext *context = module.getContext();
    auto dtor = FlatSymbolRefAttr::get(context, kFreeKeptName);
    auto priority = builder.getI32IntegerAttr(0);
    auto noData = LLVM::ZeroAttr::get(context);
    auto existing = llvm::to_vector(module.getOps<LLVM::GlobalDtorsOp>());
    if (existing.empty()) {
      LLVM::GlobalDtorsOp::create(builder, module.getLoc(),
                                  builder.getArrayAttr({dtor}),
                                  builder.getArrayAttr({priority}),
                                  builder.getArrayAttr({noData}));
      return;
    }
    LLVM::GlobalDtorsOp dtors = existing.front();
    auto append = [&](ArrayAttr list, Attribute value) {
      SmallVector<Attribute> values(list.begin(), list.end());
      values.push_back(value);
      return builder.getArrayAttr(values);
    };
    dtors.setDtorsAttr(append(dtors.getDtors(), dtor));
    dtors.setPrioritiesAttr(append(dtors.getPriorities(), priority));
    dtors.setDataAttr(append(dtors.getData(), noData));
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createDefineScratchAllocatorPass() {
  return std::make_unique<DefineScratchAllocatorPass>();
}
