//===- EmulateGPUOnCPU.cpp - gpu.launch as CPU thread teams ---------------===//
//
// The GPU kernels (lib/Conversion/QBlockToGPU) index packed codes, share
// tables through workgroup memory, reduce with warp shuffles and feed
// tensor cores fragment by fragment. A mistake in any of that gives wrong
// numbers only when the kernel runs, and CI has no GPU. This pass lets the
// very IR the GPU pipeline builds run on the CPU, one CPU thread per GPU
// thread, so the execution tests can check it against the numerics core
// everywhere (test/Integration/GPU/Emulated).
//
// It runs where --qblock-gpu-pipeline would outline the kernels, and
// rewrites:
//   * each gpu.launch into loops over the grid's blocks, one after another;
//     a block is an omp.parallel team of exactly as many threads as the
//     block has (the team size is asserted; before the launch, the OpenMP
//     settings that would shorten it are checked, and dynamic teams are
//     off while it runs), each thread running the
//     launch body with its own thread ids; workgroup attributions become
//     buffers shared by the team, private ones per-thread allocas;
//   * gpu.barrier, gpu.shuffle, nvvm.mma.sync (m16n8k16 f16/bf16;
//     m16n8k32 and m16n8k16 s8) and nvvm.prmt (default mode) into calls to
//     libqblock_gpu_emulator.so
//     (lib/Runtime/GPUEmulator.cpp), where warps and blocks meet through
//     timed barriers (prmt is a plain function); nvvm.dot.accumulate.4way
//     (dp4a) into vector arith; thread, block, grid and lane ids into the
//     team's values;
//   * the host's gpu.alloc/memcpy/dealloc/wait into memref ops (device
//     buffers stay separate copies, so a result StageBuffersForGPU forgot to
//     copy back is still missed, as it would be on a GPU);
//   * #gpu.address_space memory spaces into the default one.
// Every load and store of a kernel that declares an alignment (the
// `alignment` of vector.load and friends, from which the NVPTX backend
// picks ld.global.v4 and the like) first checks its address: a GPU faults
// on a misaligned one ("misaligned address"), a CPU would not notice.
// Anything else of the gpu or nvvm dialects inside a kernel is an error
// naming the op: the emulation never skips what it cannot do.
//
// Blocks running in sequence, not concurrently, hides races between blocks
// (split-K atomics are still atomics); threads of a block do run
// concurrently, so a missing barrier can show.
//
// With bank-conflicts=true, every load and store of workgroup memory also
// reports its byte offset to the runtime, which counts the shared-memory
// wavefronts each warp access would take on a GPU and prints them when the
// program ends (lib/Runtime/GPUEmulatorBanks.cpp): a kernel's bank
// conflicts, measured without a GPU.
//
//===----------------------------------------------------------------------===//

#include "EmulateGPUOnCPU.h"
#include "StageBuffersForGPU.h"

#include "qblock/IR/QBlockOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/AlignmentAttrInterface.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace {

constexpr int64_t kWarpSize = 32;

/// Calls to functions of libqblock_gpu_emulator.so and libomp, declared in
/// the module on first use. A symbol of the module that already has one of
/// these names but is not a declaration of the type the emulator calls is
/// reported once (its calls would not verify, or would reach the wrong
/// function); the pass then fails.
class Runtime {
public:
  explicit Runtime(ModuleOp module) : module(module) {}

  ValueRange call(OpBuilder &b, Location loc, StringRef name,
                  TypeRange results, ValueRange args) {
    FunctionType type = b.getFunctionType(args.getTypes(), results);
    declare(b, loc, name, type);
    return func::CallOp::create(b, loc, name, results, args).getResults();
  }

  /// Whether a symbol clashed with a runtime function.
  bool failed() const { return clashed; }

private:
  void declare(OpBuilder &b, Location loc, StringRef name, FunctionType type) {
    Operation *existing = module.lookupSymbol(name);
    if (!existing) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      func::FuncOp::create(b, loc, name, type).setPrivate();
      return;
    }
    auto callee = dyn_cast<func::FuncOp>(existing);
    if (callee && callee.isDeclaration() && callee.getFunctionType() == type)
      return;
    if (reported.insert(name).second) {
      existing->emitError()
          << "'" << name << "' is a function of the GPU emulator's runtime, "
          << "which the emulator calls as a declaration of type " << type
          << "; rename this symbol to emulate the module's kernels";
    }
    clashed = true;
  }

  ModuleOp module;
  llvm::StringSet<> reported;
  bool clashed = false;
};

Value pick(const gpu::KernelDim3 &dims, gpu::Dimension dim) {
  switch (dim) {
  case gpu::Dimension::x:
    return dims.x;
  case gpu::Dimension::y:
    return dims.y;
  case gpu::Dimension::z:
    return dims.z;
  }
  llvm_unreachable("unknown gpu::Dimension");
}

Value i32Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(), value);
}

/// What one thread of a block knows about itself: ids and sizes (index),
/// its linear index in the block (i32, for the runtime).
struct Thread {
  gpu::KernelDim3 threadIds, blockIds, gridSize, blockSize;
  Value linearId;
  Value linearIndex;
  /// Four 32-bit slots (f32 or i32) the runtime writes an mma's results
  /// to (made on the first mma; placed at the start of the team's region).
  Value mmaResults;
  Block *entry;
};

/// A 32-bit register of an mma operand: an i32 as is, a vector<2xf16> or
/// vector<2xbf16> reinterpreted.
Value asWord(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isInteger(32))
    return value;
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), value);
  return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
}

LogicalResult emulateMma(NVVM::MmaOp mma, Thread &thread, Runtime &runtime) {
  NVVM::MMAShapeAttr shape = mma.getShape();
  std::optional<NVVM::MMATypes> aType = mma.getMultiplicandAPtxType();
  std::optional<NVVM::MMATypes> bType = mma.getMultiplicandBPtxType();
  bool halves = aType && aType == bType &&
                (*aType == NVVM::MMATypes::f16 ||
                 *aType == NVVM::MMATypes::bf16);
  bool signedBytes = aType && aType == bType && *aType == NVVM::MMATypes::s8;
  auto resultType = dyn_cast<LLVM::LLVMStructType>(mma.getResult().getType());
  auto resultsAre = [&](auto isElement) {
    return resultType && resultType.getBody().size() == 4 &&
           llvm::all_of(resultType.getBody(), isElement);
  };
  bool f32Results = resultsAre([](Type t) { return t.isF32(); });
  bool i32Results = resultsAre([](Type t) { return t.isInteger(32); });
  // m16n8k16 with halves and f32 sums, or m16n8k32 / m16n8k16 with signed
  // bytes and s32 sums (wrapping; the kernels' sums never overflow).
  bool halfMma = shape.getK() == 16 && halves && f32Results;
  bool byteMma = (shape.getK() == 32 || shape.getK() == 16) && signedBytes &&
                 i32Results &&
                 mma.getIntOverflowBehavior() == NVVM::MMAIntOverflow::wrapped;
  // Registers of A and B: 4 and 2, but 2 and 1 for s8 with k = 16.
  size_t aRegisters = byteMma && shape.getK() == 16 ? 2 : 4;
  if (shape.getM() != 16 || shape.getN() != 8 || !(halfMma || byteMma) ||
      mma.getOperandA().size() != aRegisters ||
      mma.getOperandB().size() != aRegisters / 2 ||
      mma.getOperandC().size() != 4 ||
      mma.getLayoutA() != NVVM::MMALayout::row ||
      mma.getLayoutB() != NVVM::MMALayout::col)
    return mma.emitOpError(
        "cannot be emulated on the CPU: the emulator runs only row.col "
        "mma.sync m16n8k16 with f16 or bf16 inputs and f32 accumulators, "
        "and m16n8k32 or m16n8k16 with s8 inputs and wrapping s32 "
        "accumulators");
  OpBuilder b(mma);
  Location loc = mma.getLoc();
  Type element = resultType.getBody().front();
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  if (!thread.mmaResults) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(thread.entry);
    Value four = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 4);
    thread.mmaResults =
        LLVM::AllocaOp::create(b, loc, ptrType, b.getF32Type(), four);
  }
  // The runtime takes 4 A and 2 B registers; k = 16's missing ones are 0.
  SmallVector<Value> args;
  for (Value a : mma.getOperandA())
    args.push_back(asWord(b, loc, a));
  while (args.size() < 4)
    args.push_back(i32Constant(b, loc, 0));
  for (Value operand : mma.getOperandB())
    args.push_back(asWord(b, loc, operand));
  while (args.size() < 6)
    args.push_back(i32Constant(b, loc, 0));
  llvm::append_range(args, mma.getOperandC());
  if (halfMma)
    args.push_back(i32Constant(b, loc, *aType == NVVM::MMATypes::bf16));
  else
    args.push_back(i32Constant(b, loc, shape.getK()));
  args.push_back(thread.linearId);
  args.push_back(thread.mmaResults);
  runtime.call(b, loc, halfMma ? "qblockEmuMmaM16N8K16" : "qblockEmuMmaM16N8S8",
               {}, args);
  Value result = LLVM::PoisonOp::create(b, loc, resultType);
  for (int64_t i = 0; i < 4; ++i) {
    Value slot =
        LLVM::GEPOp::create(b, loc, ptrType, element, thread.mmaResults,
                            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    Value value = LLVM::LoadOp::create(b, loc, element, slot);
    result = LLVM::InsertValueOp::create(b, loc, result, value, i);
  }
  mma.getResult().replaceAllUsesWith(result);
  mma.erase();
  return success();
}

LogicalResult emulateShuffle(gpu::ShuffleOp shuffle, Thread &thread,
                             Runtime &runtime) {
  Type type = shuffle.getValue().getType();
  if (!type.isF32() && !type.isInteger(32))
    return shuffle.emitOpError("cannot be emulated on the CPU: the emulator "
                               "shuffles f32 and i32 values only");
  OpBuilder b(shuffle);
  Location loc = shuffle.getLoc();
  Type i32 = b.getI32Type();
  Value bits = shuffle.getValue();
  if (type.isF32())
    bits = arith::BitcastOp::create(b, loc, i32, bits);
  Value mode = i32Constant(b, loc, static_cast<int64_t>(shuffle.getMode()));
  SmallVector<Value> where = {shuffle.getOffset(), shuffle.getWidth(), mode,
                              thread.linearId};
  SmallVector<Value> args = {bits};
  llvm::append_range(args, where);
  Value result = runtime.call(b, loc, "qblockEmuShuffle", i32, args)[0];
  if (type.isF32())
    result = arith::BitcastOp::create(b, loc, type, result);
  shuffle.getShuffleResult().replaceAllUsesWith(result);
  if (!shuffle.getValid().use_empty()) {
    Value valid =
        runtime.call(b, loc, "qblockEmuShuffleValid", i32, where)[0];
    Value isValid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                          valid, i32Constant(b, loc, 0));
    shuffle.getValid().replaceAllUsesWith(isValid);
  }
  shuffle.erase();
  return success();
}

/// nvvm.prmt in its default mode with two sources (what the kernels
/// emit): a call to the runtime's byte permute.
LogicalResult emulatePermute(NVVM::PermuteOp permute, Runtime &runtime) {
  if (permute.getMode() != NVVM::PermuteMode::DEFAULT || !permute.getHi())
    return permute.emitOpError("cannot be emulated on the CPU: the emulator "
                               "permutes bytes in the default mode of two "
                               "source registers only");
  OpBuilder b(permute);
  Value result = runtime.call(
      b, permute.getLoc(), "qblockEmuPrmt", b.getI32Type(),
      {permute.getLo(), permute.getHi(), permute.getSelector()})[0];
  permute.getResult().replaceAllUsesWith(result);
  permute.erase();
  return success();
}

/// nvvm.dot.accumulate.4way (dp4a): the four bytes of each operand
/// widened by its signedness, multiplied, summed and added to c, wrapping
/// in 32 bits as the instruction does.
LogicalResult emulateDotAccumulate(NVVM::DotAccumulate4WayOp dot) {
  OpBuilder b(dot);
  Location loc = dot.getLoc();
  auto wideType = VectorType::get({4}, b.getI32Type());
  auto widen = [&](Value bytes, NVVM::DotAccumulateType type) -> Value {
    if (type == NVVM::DotAccumulateType::SIGNED)
      return arith::ExtSIOp::create(b, loc, wideType, bytes);
    return arith::ExtUIOp::create(b, loc, wideType, bytes);
  };
  Value a = widen(dot.getA(), dot.getAType());
  Value x = widen(dot.getB(), dot.getBType());
  Value products = arith::MulIOp::create(b, loc, a, x);
  Value sum = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                          products, dot.getC());
  dot.getResult().replaceAllUsesWith(sum);
  dot.erase();
  return success();
}

/// Rewrites one op of a kernel body that needs the GPU; other ops stay.
LogicalResult emulateKernelOp(Operation *op, Thread &thread,
                              Runtime &runtime) {
  auto replace = [&](Value value) {
    op->getResult(0).replaceAllUsesWith(value);
    op->erase();
    return success();
  };
  if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
    return replace(pick(thread.threadIds, id.getDimension()));
  if (auto id = dyn_cast<gpu::BlockIdOp>(op))
    return replace(pick(thread.blockIds, id.getDimension()));
  if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
    return replace(pick(thread.blockSize, dim.getDimension()));
  if (auto dim = dyn_cast<gpu::GridDimOp>(op))
    return replace(pick(thread.gridSize, dim.getDimension()));
  if (isa<gpu::LaneIdOp>(op)) {
    OpBuilder b(op);
    Value warp = arith::ConstantIndexOp::create(b, op->getLoc(), kWarpSize);
    return replace(
        arith::RemUIOp::create(b, op->getLoc(), thread.linearIndex, warp));
  }
  if (isa<gpu::BarrierOp>(op)) {
    OpBuilder b(op);
    runtime.call(b, op->getLoc(), "qblockEmuBarrier", {}, thread.linearId);
    op->erase();
    return success();
  }
  if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op))
    return emulateShuffle(shuffle, thread, runtime);
  if (auto mma = dyn_cast<NVVM::MmaOp>(op))
    return emulateMma(mma, thread, runtime);
  if (auto permute = dyn_cast<NVVM::PermuteOp>(op))
    return emulatePermute(permute, runtime);
  if (auto dot = dyn_cast<NVVM::DotAccumulate4WayOp>(op))
    return emulateDotAccumulate(dot);
  if (isa_and_nonnull<gpu::GPUDialect, NVVM::NVVMDialect>(op->getDialect()))
    return op->emitOpError("cannot be emulated on the CPU: the GPU emulator "
                           "has no rule for it");
  return success();
}

/// The texts of the locations the runtime reports (bank conflicts, a
/// misaligned access), as constant globals of the module: one per distinct
/// text (a kernel's accesses mostly share their op's location).
struct LocationTexts {
  explicit LocationTexts(ModuleOp module) : module(module), symbols(module) {}

  /// The address and length (i64) of the global holding `loc`'s text.
  std::pair<Value, Value> of(OpBuilder &b, Location loc) {
    std::string text;
    llvm::raw_string_ostream(text) << loc;
    auto type =
        MemRefType::get({static_cast<int64_t>(text.size())}, b.getI8Type());
    memref::GlobalOp &global = globals[text];
    if (!global) {
      auto bytes = DenseElementsAttr::get(
          RankedTensorType::get(type.getShape(), b.getI8Type()),
          ArrayRef<char>(text.data(), text.size()));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      global = memref::GlobalOp::create(
          b, loc, "__qblock_emu_access_location", b.getStringAttr("private"),
          type, bytes, /*constant=*/true, /*alignment=*/IntegerAttr());
      // Renamed if the name is taken.
      symbols.insert(global);
    }
    Value view = memref::GetGlobalOp::create(b, loc, type, global.getSymName());
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, view);
    Value address = arith::IndexCastOp::create(b, loc, b.getI64Type(), pointer);
    Value length = arith::ConstantIntOp::create(
        b, loc, b.getI64Type(), static_cast<int64_t>(text.size()));
    return {address, length};
  }

private:
  ModuleOp module;
  SymbolTable symbols;
  llvm::StringMap<memref::GlobalOp> globals;
};

/// Numbers the workgroup accesses and launches of a module for the bank
/// conflict counts (bank-conflicts=true).
struct BankCounting {
  int32_t nextSite = 0;
  int32_t nextLaunch = 0;
};

/// A memref or vector load or store: the buffer, where, and what it moves.
struct Access {
  Value buffer;
  ValueRange indices;
  Type accessed;
  bool store = false;

  /// Bytes the access moves.
  int64_t bytes() const {
    if (auto vector = dyn_cast<VectorType>(accessed))
      return vector.getNumElements() *
             (vector.getElementType().getIntOrFloatBitWidth() / 8);
    return accessed.getIntOrFloatBitWidth() / 8;
  }
};

/// `op` as an Access, if it is one of the loads and stores the emulator
/// instruments.
std::optional<Access> asAccess(Operation *op) {
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return Access{load.getMemRef(), load.getIndices(), load.getType()};
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return Access{store.getMemRef(), store.getIndices(),
                  store.getValueToStore().getType(), /*store=*/true};
  if (auto load = dyn_cast<vector::LoadOp>(op))
    return Access{load.getBase(), load.getIndices(), load.getVectorType()};
  if (auto store = dyn_cast<vector::StoreOp>(op))
    return Access{store.getBase(), store.getIndices(), store.getVectorType(),
                  /*store=*/true};
  return std::nullopt;
}

/// Before each load and store in `team` that declares an alignment above
/// one byte, a check of its address: the runtime reports a misaligned one
/// with the op's location and ends the program, as the GPU would stop the
/// kernel. Buffers whose layout is not strided are not checked (the
/// kernels have none).
void checkAlignment(Region &team, const Thread &thread, Runtime &runtime,
                    LocationTexts &texts) {
  SmallVector<std::tuple<Operation *, Access, int64_t>> accesses;
  team.walk([&](Operation *op) {
    auto aligned = dyn_cast<AlignmentAttrOpInterface>(op);
    llvm::MaybeAlign alignment =
        aligned ? aligned.getMaybeAlign() : llvm::MaybeAlign();
    if (!alignment || alignment->value() <= 1)
      return;
    if (std::optional<Access> access = asAccess(op))
      accesses.push_back({op, *access, alignment->value()});
  });
  for (auto &[op, access, alignment] : accesses) {
    auto type = cast<MemRefType>(access.buffer.getType());
    SmallVector<int64_t> strides;
    int64_t unusedOffset;
    if (failed(type.getStridesAndOffset(strides, unusedOffset)))
      continue;
    OpBuilder b(op);
    Location loc = op->getLoc();
    auto metadata =
        memref::ExtractStridedMetadataOp::create(b, loc, access.buffer);
    Value element = metadata.getOffset();
    for (auto [index, stride] :
         llvm::zip_equal(access.indices, metadata.getStrides())) {
      Value step = arith::MulIOp::create(b, loc, index, stride);
      element = arith::AddIOp::create(b, loc, element, step);
    }
    Value elementBytes = arith::ConstantIndexOp::create(
        b, loc, type.getElementTypeBitWidth() / 8);
    Value offset = arith::MulIOp::create(b, loc, element, elementBytes);
    Value base =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, access.buffer);
    Value address = arith::AddIOp::create(b, loc, base, offset);
    Value align = arith::ConstantIndexOp::create(b, loc, alignment);
    Value past = arith::RemUIOp::create(b, loc, address, align);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value misaligned =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, past, zero);
    scf::IfOp::create(b, loc, misaligned, [&](OpBuilder &nb, Location) {
      auto [where, length] = texts.of(nb, loc);
      Type i64 = nb.getI64Type();
      Value address64 = arith::IndexCastOp::create(nb, loc, i64, address);
      Value bytes = arith::ConstantIntOp::create(nb, loc, i64, access.bytes());
      Value align64 = arith::ConstantIntOp::create(nb, loc, i64, alignment);
      runtime.call(nb, loc, "qblockEmuMisaligned", {},
                   {thread.linearId, address64, bytes, align64, where, length});
      scf::YieldOp::create(nb, loc);
    });
  }
}

/// Before each load and store of a workgroup buffer in `team`, a call that
/// reports the access (site, launch, kind, byte offset, width, thread) to
/// the runtime's bank-conflict count. Other uses of a workgroup buffer are
/// not counted, and say so.
void countWorkgroupAccesses(Region &team, ArrayRef<Value> sharedBuffers,
                            const Thread &thread, Runtime &runtime,
                            BankCounting &banks, LocationTexts &texts) {
  llvm::SmallPtrSet<Value, 4> shared(sharedBuffers.begin(),
                                     sharedBuffers.end());
  int32_t launch = banks.nextLaunch++;
  SmallVector<std::pair<Operation *, Access>> accesses;
  team.walk([&](Operation *op) {
    if (std::optional<Access> access = asAccess(op)) {
      accesses.push_back({op, *access});
      return;
    }
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return shared.contains(v); }))
      op->emitWarning("bank-conflicts: this use of workgroup memory is not "
                      "counted (the emulator counts memref and vector loads "
                      "and stores of a workgroup buffer itself)");
  });
  for (auto &[op, access] : accesses) {
    if (!shared.contains(access.buffer))
      continue;
    auto type = cast<MemRefType>(access.buffer.getType());
    int64_t elementBytes = type.getElementTypeBitWidth() / 8;
    ValueRange indices = access.indices;
    OpBuilder b(op);
    Location loc = op->getLoc();
    // Workgroup buffers have static shapes and identity layouts.
    Value offset = arith::ConstantIndexOp::create(b, loc, 0);
    int64_t stride = elementBytes;
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      Value scaled = arith::MulIOp::create(
          b, loc, indices[d], arith::ConstantIndexOp::create(b, loc, stride));
      offset = arith::AddIOp::create(b, loc, offset, scaled);
      stride *= type.getDimSize(d);
    }
    auto [address, length] = texts.of(b, loc);
    runtime.call(b, loc, "qblockEmuSharedAccess", {},
                 {i32Constant(b, loc, banks.nextSite++),
                  i32Constant(b, loc, launch),
                  i32Constant(b, loc, access.store),
                  arith::IndexCastOp::create(b, loc, b.getI64Type(), offset),
                  i32Constant(b, loc, access.bytes()), thread.linearId, address,
                  length});
  }
}

/// a * b * c for launch sizes (index).
Value product(OpBuilder &b, Location loc, const gpu::KernelDim3 &dims) {
  Value xy = arith::MulIOp::create(b, loc, dims.x, dims.y);
  return arith::MulIOp::create(b, loc, xy, dims.z);
}

/// Whether the OpenMP settings let a team of `threads` (index) start for
/// a block: one thread needs nothing; more need OMP_THREAD_LIMIT at least
/// `threads` and a free active level (OMP_MAX_ACTIVE_LEVELS; past it a
/// team is one thread). Exact for launches outside any parallel region, as
/// the pipelines' are (inside one the outer team's threads count against
/// the limit too). OMP_DYNAMIC is not asked: the launch turns dynamic
/// teams off while it runs (emulateLaunch). What no OpenMP query shows
/// (libomp's KMP_LIBRARY=serial and KMP_DEVICE_THREAD_LIMIT) is left to
/// the runtime's qblockEmuCheckTeam, which sees the team that started but
/// can only end the process there, inside the team; this is a cf.assert
/// before the launch, which mlir-runner reports like any run-time check
/// and the Python package raises as RuntimeCheckError.
Value openMPTeamFits(OpBuilder &b, Location loc, Runtime &runtime,
                     Value threads) {
  Type i32 = b.getI32Type();
  auto query = [&](StringRef name) {
    return runtime.call(b, loc, name, i32, {})[0];
  };
  auto compare = [&](arith::CmpIPredicate predicate, Value lhs, Value rhs) {
    return arith::CmpIOp::create(b, loc, predicate, lhs, rhs).getResult();
  };
  // One query per statement: the order of a call's arguments is the
  // compiler's choice, and the IR's order would follow it.
  Value limit = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                           query("omp_get_thread_limit"));
  Value withinLimit = compare(arith::CmpIPredicate::sge, limit, threads);
  Value level = query("omp_get_active_level");
  Value maxLevels = query("omp_get_max_active_levels");
  Value levelFree = compare(arith::CmpIPredicate::slt, level, maxLevels);
  Value fits = arith::AndIOp::create(b, loc, withinLimit, levelFree);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value single = compare(arith::CmpIPredicate::ule, threads, one);
  return arith::OrIOp::create(b, loc, single, fits);
}

/// `banks`: count bank conflicts (null: do not).
LogicalResult emulateLaunch(gpu::LaunchOp launch, Runtime &runtime,
                            LocationTexts &texts, BankCounting *banks) {
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty())
    return launch.emitOpError("cannot be emulated on the CPU: the emulator "
                              "runs synchronous launches only");
  if (launch.hasClusterSize())
    return launch.emitOpError("cannot be emulated on the CPU: the emulator "
                              "has no thread block clusters");
  Region &body = launch.getBody();
  if (!body.hasOneBlock())
    return launch.emitOpError("cannot be emulated on the CPU: the emulator "
                              "needs a launch body of one block");
  for (BlockArgument shared : launch.getWorkgroupAttributions())
    if (!cast<MemRefType>(shared.getType()).hasStaticShape())
      return launch.emitOpError("cannot be emulated on the CPU: workgroup "
                                "memory of dynamic size");
  for (BlockArgument own : launch.getPrivateAttributions())
    if (!cast<MemRefType>(own.getType()).hasStaticShape())
      return launch.emitOpError("cannot be emulated on the CPU: private "
                                "memory of dynamic size");

  OpBuilder b(launch);
  Location loc = launch.getLoc();
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  Value blockThreads = product(b, loc, block);
  // A launch no GPU takes fails as such first, whatever OpenMP allows (a
  // block of 2048 threads under OMP_THREAD_LIMIT=1500 reported the
  // OpenMP settings). The runtime ends the process here, so the
  // emulator's state is not involved.
  SmallVector<Value> sizes;
  for (Value size : {grid.x, grid.y, grid.z, block.x, block.y, block.z})
    sizes.push_back(arith::IndexCastOp::create(b, loc, b.getI64Type(), size));
  runtime.call(b, loc, "qblockEmuCheckGrid", {}, sizes);
  // Before anything is allocated or the launch takes the emulator's state,
  // which a failed check returning to Python would leave held.
  cf::AssertOp::create(
      b, loc, openMPTeamFits(b, loc, runtime, blockThreads),
      qblock::runtimeCheckMessage(
          launch, "the OpenMP runtime would start fewer CPU threads than "
                  "this launch's thread block has, and the GPU emulator "
                  "runs one per GPU thread: raise OMP_THREAD_LIMIT to "
                  "the block's size or unset it, and do not launch from "
                  "inside an OpenMP parallel region (or raise "
                  "OMP_MAX_ACTIVE_LEVELS)"));
  Value threads =
      arith::IndexCastOp::create(b, loc, b.getI32Type(), blockThreads);
  // Under OMP_DYNAMIC the runtime may start fewer threads than asked for
  // (it did on this project's 2-core machines). Dynamic teams are a
  // per-task setting, so they are off for the launch and restored after.
  Type i32 = b.getI32Type();
  Value dynamic = runtime.call(b, loc, "omp_get_dynamic", i32, {})[0];
  Value staticTeams = arith::ConstantIntOp::create(b, loc, i32, 0);
  runtime.call(b, loc, "omp_set_dynamic", {}, staticTeams);
  SmallVector<Value> sharedBuffers;
  for (BlockArgument shared : launch.getWorkgroupAttributions())
    sharedBuffers.push_back(memref::AllocOp::create(
        b, loc, cast<MemRefType>(shared.getType())));

  // Blocks in order, x fastest, while this launch holds the emulator's
  // warp state (other host threads wait: GPUEmulator.cpp).
  runtime.call(b, loc, "qblockEmuBeginLaunch", {}, {});
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Operation *outermost = nullptr;
  SmallVector<Value> blockIds;
  for (Value count : {grid.z, grid.y, grid.x}) {
    auto loop = scf::ForOp::create(b, loc, zero, count, one);
    if (!outermost)
      outermost = loop;
    blockIds.push_back(loop.getInductionVar());
    b.setInsertionPointToStart(loop.getBody());
  }
  runtime.call(b, loc, "qblockEmuBeginBlock", {}, threads);
  omp::ParallelOperands clauses;
  clauses.numThreads = threads;
  auto team = omp::ParallelOp::create(b, loc, clauses);
  Block *entry = b.createBlock(&team.getRegion());

  // This thread's ids; the team must be as large as the block.
  Value linearId = runtime.call(b, loc, "omp_get_thread_num", i32, {})[0];
  Value teamSize = runtime.call(b, loc, "omp_get_num_threads", i32, {})[0];
  // In the runtime, not a cf.assert: its message names the team size and
  // the OpenMP settings that limit it, which a cf.assert's constant text
  // cannot, and one thread of the short team reports for all.
  runtime.call(b, loc, "qblockEmuCheckTeam", {}, {teamSize, threads});
  Value linearIndex =
      arith::IndexCastOp::create(b, loc, b.getIndexType(), linearId);
  Value x = arith::RemUIOp::create(b, loc, linearIndex, block.x);
  Value rows = arith::DivUIOp::create(b, loc, linearIndex, block.x);
  Value y = arith::RemUIOp::create(b, loc, rows, block.y);
  Value z = arith::DivUIOp::create(b, loc, rows, block.y);
  Thread thread{{x, y, z},
                {blockIds[2], blockIds[1], blockIds[0]},
                grid,
                block,
                linearId,
                linearIndex,
                Value(),
                entry};

  IRMapping mapping;
  auto mapDims = [&](gpu::KernelDim3 from, gpu::KernelDim3 to) {
    mapping.map(from.x, to.x);
    mapping.map(from.y, to.y);
    mapping.map(from.z, to.z);
  };
  mapDims(launch.getThreadIds(), thread.threadIds);
  mapDims(launch.getBlockIds(), thread.blockIds);
  mapDims(launch.getGridSize(), grid);
  mapDims(launch.getBlockSize(), block);
  for (auto [shared, buffer] :
       llvm::zip_equal(launch.getWorkgroupAttributions(), sharedBuffers))
    mapping.map(shared, buffer);
  for (BlockArgument own : launch.getPrivateAttributions())
    mapping.map(own, memref::AllocaOp::create(
                         b, loc, cast<MemRefType>(own.getType())));
  for (Operation &op : body.front()) {
    if (isa<gpu::TerminatorOp>(op)) {
      omp::TerminatorOp::create(b, op.getLoc());
      continue;
    }
    b.clone(op, mapping);
  }

  SmallVector<Operation *> kernelOps;
  team.getRegion().walk([&](Operation *op) {
    if (isa_and_nonnull<gpu::GPUDialect, NVVM::NVVMDialect>(op->getDialect()))
      kernelOps.push_back(op);
  });
  for (Operation *op : kernelOps)
    if (failed(emulateKernelOp(op, thread, runtime)))
      return failure();
  if (banks) {
    countWorkgroupAccesses(team.getRegion(), sharedBuffers, thread, runtime,
                           *banks, texts);
    // The block's accesses are complete when its team has ended.
    OpBuilder after(team->getBlock(), std::next(team->getIterator()));
    runtime.call(after, loc, "qblockEmuTallyBankConflicts", {}, threads);
  }
  // After the count, which warns on any other use of a workgroup buffer
  // (these checks read its address).
  checkAlignment(team.getRegion(), thread, runtime, texts);

  b.setInsertionPointAfter(outermost);
  runtime.call(b, loc, "qblockEmuEndLaunch", {}, {});
  runtime.call(b, loc, "omp_set_dynamic", {}, dynamic);
  for (Value buffer : sharedBuffers)
    memref::DeallocOp::create(b, loc, buffer);
  launch.erase();
  return success();
}

/// Calls of the CUDA runtime's cached upload become calls of the
/// emulator's (GPUEmulator.cpp says why it has its own name); the
/// declaration staging added goes when nothing else uses it.
void renameCachedUploads(ModuleOp module, Runtime &runtime) {
  SmallVector<func::CallOp> calls;
  module.walk([&](func::CallOp call) {
    if (call.getCallee() == qblock::kCachedUploadName)
      calls.push_back(call);
  });
  for (func::CallOp call : calls) {
    OpBuilder b(call);
    call.replaceAllUsesWith(
        runtime.call(b, call.getLoc(), "qblockEmuCachedUpload",
                     call.getResultTypes(), call.getOperands()));
    call.erase();
  }
  auto declaration =
      module.lookupSymbol<func::FuncOp>(qblock::kCachedUploadName);
  if (declaration && declaration.isDeclaration() &&
      SymbolTable::symbolKnownUseEmpty(declaration, module))
    declaration.erase();
}

/// The host side of staging (StageBuffersForGPU.cpp) on host memory:
/// device buffers are plain allocations, copies are memref.copy, and the
/// async tokens that ordered them go away with the ops that made them.
LogicalResult emulateHostOps(ModuleOp module) {
  SmallVector<Operation *> hostOps;
  bool ok = true;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    // Kernels outlined already are not run here (the pipeline emulates
    // before outlining); their ops are no host ops.
    if (isa<gpu::GPUModuleOp>(op))
      return WalkResult::skip();
    if (isa<gpu::AllocOp, gpu::MemcpyOp, gpu::DeallocOp, gpu::WaitOp>(op)) {
      hostOps.push_back(op);
      return WalkResult::advance();
    }
    if (isa_and_nonnull<gpu::GPUDialect>(op->getDialect())) {
      op->emitOpError("cannot be emulated on the CPU: the GPU emulator has "
                      "no rule for it");
      ok = false;
    }
    return WalkResult::advance();
  });
  if (!ok)
    return failure();
  for (Operation *op : hostOps) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    if (auto alloc = dyn_cast<gpu::AllocOp>(op)) {
      Value buffer = memref::AllocOp::create(
          b, loc, alloc.getType(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), IntegerAttr());
      alloc.getMemref().replaceAllUsesWith(buffer);
    } else if (auto copy = dyn_cast<gpu::MemcpyOp>(op)) {
      memref::CopyOp::create(b, loc, copy.getSrc(), copy.getDst());
    } else if (auto dealloc = dyn_cast<gpu::DeallocOp>(op)) {
      memref::DeallocOp::create(b, loc, dealloc.getMemref());
    }
  }
  // Tokens are used only by the ops being erased.
  for (Operation *op : hostOps)
    op->dropAllUses();
  for (Operation *op : llvm::reverse(hostOps))
    op->erase();
  return success();
}

struct EmulateGPUOnCPUPass
    : PassWrapper<EmulateGPUOnCPUPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(EmulateGPUOnCPUPass)
  EmulateGPUOnCPUPass() = default;
  EmulateGPUOnCPUPass(const EmulateGPUOnCPUPass &other) : PassWrapper(other) {}
  Option<bool> bankConflicts{
      *this, "bank-conflicts",
      llvm::cl::desc("Count the shared-memory wavefronts of every warp's "
                     "workgroup-memory loads and stores (32 banks of 4 "
                     "bytes) and print them on stderr when the program "
                     "ends"),
      llvm::cl::init(false)};
  StringRef getArgument() const override {
    return "qblock-emulate-gpu-on-cpu";
  }
  StringRef getDescription() const override {
    return "Run gpu.launch bodies as OpenMP teams of CPU threads, one per "
           "GPU thread, through libqblock_gpu_emulator.so (testing GPU "
           "kernels without a GPU)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry
        .insert<arith::ArithDialect, cf::ControlFlowDialect, func::FuncDialect,
                LLVM::LLVMDialect, memref::MemRefDialect, omp::OpenMPDialect,
                scf::SCFDialect, vector::VectorDialect>();
  }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Launches first: one that cannot be emulated (an async one) is
    // reported while the tokens it waits for still exist.
    Runtime runtime(module);
    LocationTexts texts(module);
    std::optional<BankCounting> banks;
    if (bankConflicts)
      banks.emplace();
    SmallVector<gpu::LaunchOp> launches;
    module.walk([&](gpu::LaunchOp launch) { launches.push_back(launch); });
    for (gpu::LaunchOp launch : launches)
      if (failed(emulateLaunch(launch, runtime, texts,
                               banks ? &*banks : nullptr)) ||
          runtime.failed())
        return signalPassFailure();
    if (failed(emulateHostOps(module)))
      return signalPassFailure();
    renameCachedUploads(module, runtime);
    if (runtime.failed())
      return signalPassFailure();
    // Workgroup and private memory are plain memory on the CPU.
    AttrTypeReplacer replacer;
    replacer.addReplacement([](MemRefType type) -> std::optional<Type> {
      if (!isa_and_nonnull<gpu::AddressSpaceAttr>(type.getMemorySpace()))
        return std::nullopt;
      return MemRefType::get(type.getShape(), type.getElementType(),
                             type.getLayout());
    });
    replacer.recursivelyReplaceElementsIn(module, /*replaceAttrs=*/true,
                                          /*replaceLocs=*/false,
                                          /*replaceTypes=*/true);
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createEmulateGPUOnCPUPass(bool bankConflicts) {
  auto pass = std::make_unique<EmulateGPUOnCPUPass>();
  pass->bankConflicts = bankConflicts;
  return pass;
}
