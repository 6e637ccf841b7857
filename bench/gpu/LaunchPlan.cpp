//===- LaunchPlan.cpp - A qblock kernel as a list of direct launches ------===//

#include "LaunchPlan.h"

#include "qblock/IR/QBlockDialect.h"
#include "qblock/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/TargetSelect.h"

using namespace mlir;
using namespace qblock::bench;

void qblock::bench::registerGPUBenchDependencies(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<qblock::QBlockDialect>();
  qblock::registerQBlockPipelines();
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
}

int qblock::bench::countPTXParams(llvm::StringRef ptx, llvm::StringRef kernel) {
  // `.entry name(` possibly followed by a newline; the list ends at `)`.
  size_t pos = 0;
  while ((pos = ptx.find(".entry", pos)) != llvm::StringRef::npos) {
    llvm::StringRef rest = ptx.drop_front(pos + 6).ltrim();
    pos += 6;
    if (!rest.consume_front(kernel))
      continue;
    rest = rest.ltrim();
    if (!rest.consume_front("("))
      continue;
    llvm::StringRef list = rest.take_until([](char c) { return c == ')'; });
    int count = 0;
    for (size_t at = list.find(".param"); at != llvm::StringRef::npos;
         at = list.find(".param", at + 6))
      ++count;
    return count;
  }
  return -1;
}

namespace {

/// What a host buffer holds at a point of the host function.
struct HostContent {
  enum Kind { Fresh, Arg, Zeros, FromDevice, Computed } kind = Fresh;
  int arg = -1;
  int64_t byteOffset = 0; // into the argument, for Arg
  int device = -1;        // for FromDevice
};

/// Walks the host function of the module after gpu-kernel-outlining.
class PlanBuilder {
public:
  PlanBuilder(func::FuncOp func, KernelPlan &plan) : func(func), plan(plan) {}

  LogicalResult build();

private:
  /// The buffer `value` views and the view's byte offset (-1: unknown).
  std::pair<Value, int64_t> base(Value value);
  HostContent contentOf(Value hostValue);
  void setContent(Value hostValue, HostContent content);
  void recordHostWrites(Operation *op);
  LogicalResult addLaunch(gpu::LaunchFuncOp launch);
  FailureOr<int> constantGlobalBuffer(Value memref);
  LogicalResult fail(Operation *op, const llvm::Twine &why) {
    std::string where;
    llvm::raw_string_ostream(where) << op->getLoc();
    plan.notLaunchable = (why + " (" + op->getName().getStringRef() + " at " +
                          where + ")")
                             .str();
    return failure();
  }

  func::FuncOp func;
  KernelPlan &plan;
  llvm::DenseMap<Value, HostContent> host; // keyed by base buffers
  llvm::DenseMap<Value, int> device;       // gpu.alloc results
  llvm::DenseMap<Value, int> hostFromDevice;
};

std::optional<int64_t> constantInt(Value value) {
  APInt bits;
  if (value && matchPattern(value, m_ConstantInt(&bits)))
    return bits.getSExtValue();
  return std::nullopt;
}

bool isZeroConstant(Value value) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return false;
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValue().isZero();
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return i.getValue().isZero();
  if (auto dense = dyn_cast<SplatElementsAttr>(attr)) {
    if (isa<FloatType>(dense.getElementType()))
      return dense.getSplatValue<APFloat>().isZero();
    if (isa<IntegerType>(dense.getElementType()))
      return dense.getSplatValue<APInt>().isZero();
  }
  return false;
}

int64_t byteSize(MemRefType type) {
  return type.getNumElements() * (type.getElementTypeBitWidth() / 8);
}

std::pair<Value, int64_t> PlanBuilder::base(Value value) {
  int64_t offset = 0;
  while (Operation *def = value.getDefiningOp()) {
    if (auto view = dyn_cast<memref::ViewOp>(def)) {
      std::optional<int64_t> shift = constantInt(view.getByteShift());
      if (!shift || offset < 0)
        offset = -1;
      else
        offset += *shift;
      value = view.getSource();
    } else if (isa<memref::CastOp, memref::CollapseShapeOp,
                   memref::ExpandShapeOp>(def)) {
      value = def->getOperand(0);
    } else if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      offset = -1;
      value = view.getViewSource();
    } else {
      break;
    }
  }
  return {value, offset};
}

HostContent PlanBuilder::contentOf(Value hostValue) {
  auto [buffer, offset] = base(hostValue);
  if (auto arg = dyn_cast<BlockArgument>(buffer))
    if (arg.getOwner()->getParentOp() == func.getOperation()) {
      HostContent content;
      content.kind = HostContent::Arg;
      content.arg = arg.getArgNumber();
      content.byteOffset = offset;
      return content;
    }
  auto it = host.find(buffer);
  HostContent content =
      it == host.end() ? HostContent{HostContent::Computed} : it->second;
  if (offset != 0 && content.kind != HostContent::Fresh)
    content.kind = HostContent::Computed; // a part of something: give up
  return content;
}

void PlanBuilder::setContent(Value hostValue, HostContent content) {
  auto [buffer, offset] = base(hostValue);
  if (offset != 0)
    content.kind = HostContent::Computed;
  host[buffer] = content;
}

/// Host code that writes a host buffer: stores of zero (scalars, or zero
/// vectors: the run-time quantizer clears its output 64 bytes at a time)
/// keep a fresh or zero buffer zero (the init of C); anything else makes it
/// computed.
void PlanBuilder::recordHostWrites(Operation *op) {
  op->walk([&](Operation *inner) {
    auto zeroStore = [&](Value value, Value memref) {
      HostContent now = contentOf(memref);
      bool zero = isZeroConstant(value) && (now.kind == HostContent::Fresh ||
                                            now.kind == HostContent::Zeros);
      setContent(memref,
                 HostContent{zero ? HostContent::Zeros : HostContent::Computed});
    };
    if (auto store = dyn_cast<memref::StoreOp>(inner)) {
      zeroStore(store.getValueToStore(), store.getMemRef());
      return;
    }
    if (auto store = dyn_cast<vector::StoreOp>(inner)) {
      zeroStore(store.getValueToStore(), store.getBase());
      return;
    }
    if (auto fill = dyn_cast<linalg::FillOp>(inner)) {
      for (Value out : fill.getDpsInits())
        if (isa<MemRefType>(out.getType()))
          setContent(out, HostContent{isZeroConstant(fill.getInputs()[0])
                                          ? HostContent::Zeros
                                          : HostContent::Computed});
      return;
    }
    auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
    if (!effects) {
      // Unknown effects (e.g. a call): every memref operand may be written.
      if (!inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        for (Value operand : inner->getOperands())
          if (isa<MemRefType>(operand.getType()))
            setContent(operand, HostContent{HostContent::Computed});
      return;
    }
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (auto &instance : instances)
      if (isa<MemoryEffects::Write>(instance.getEffect()) &&
          instance.getValue() && isa<MemRefType>(instance.getValue().getType()))
        setContent(instance.getValue(), HostContent{HostContent::Computed});
  });
}

/// A memref assembled from qblockCudaCachedUpload (a constant global's
/// device copy, StageBuffersForGPU.cpp): a Constant buffer with the
/// global's bytes.
FailureOr<int> PlanBuilder::constantGlobalBuffer(Value memref) {
  auto cast = memref.getDefiningOp<UnrealizedConversionCastOp>();
  if (!cast || cast.getInputs().size() != 1)
    return failure();
  Value descriptor = cast.getInputs()[0];
  Value aligned;
  while (auto insert = descriptor.getDefiningOp<LLVM::InsertValueOp>()) {
    if (insert.getPosition().size() == 1 && insert.getPosition()[0] == 1)
      aligned = insert.getValue();
    descriptor = insert.getContainer();
  }
  auto call = aligned ? aligned.getDefiningOp<func::CallOp>() : nullptr;
  if (!call || call.getCallee() != "qblockCudaCachedUpload")
    return failure();
  std::optional<int64_t> bytes = constantInt(call.getOperand(1));
  auto toPtr = call.getOperand(0).getDefiningOp<LLVM::IntToPtrOp>();
  auto indexCast =
      toPtr ? toPtr.getArg().getDefiningOp<arith::IndexCastOp>() : nullptr;
  auto extract =
      indexCast
          ? indexCast.getIn()
                .getDefiningOp<memref::ExtractAlignedPointerAsIndexOp>()
          : nullptr;
  auto get = extract ? extract.getSource().getDefiningOp<memref::GetGlobalOp>()
                     : nullptr;
  if (!bytes || !get)
    return failure();
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  auto value = global ? dyn_cast_or_null<DenseElementsAttr>(
                            global.getInitialValue().value_or(Attribute()))
                      : nullptr;
  if (!value)
    return failure();
  PlanBuffer buffer;
  buffer.source = PlanBuffer::Source::Constant;
  buffer.bytes = *bytes;
  buffer.description = "constant global @" + global.getSymName().str();
  ArrayRef<char> raw = value.getRawData();
  int64_t elementBytes = byteSize(global.getType()) /
                         std::max<int64_t>(1, global.getType().getNumElements());
  for (int64_t i = 0; i < *bytes; ++i)
    buffer.data.push_back(uint8_t(
        value.isSplat() ? raw[i % elementBytes] : raw[std::min<int64_t>(
                                                      i, raw.size() - 1)]));
  plan.buffers.push_back(std::move(buffer));
  return int(plan.buffers.size() - 1);
}

LogicalResult PlanBuilder::addLaunch(gpu::LaunchFuncOp launch) {
  PlanLaunch out;
  out.module = launch.getKernelModuleName().str();
  out.kernel = launch.getKernelName().str();
  Value grid[3] = {launch.getGridSizeX(), launch.getGridSizeY(),
                   launch.getGridSizeZ()};
  Value block[3] = {launch.getBlockSizeX(), launch.getBlockSizeY(),
                    launch.getBlockSizeZ()};
  for (int i = 0; i < 3; ++i) {
    std::optional<int64_t> g = constantInt(grid[i]), b = constantInt(block[i]);
    if (!g || !b)
      return fail(launch, "grid or block size not a constant");
    out.grid[i] = *g;
    out.block[i] = *b;
  }
  if (Value shared = launch.getDynamicSharedMemorySize()) {
    std::optional<int64_t> bytes = constantInt(shared);
    if (!bytes)
      return fail(launch, "dynamic shared memory size not a constant");
    out.dynamicSharedBytes = *bytes;
  }
  if (launch.getClusterSizeX())
    return fail(launch, "cluster launches are not supported");
  for (Value operand : launch.getKernelOperands()) {
    PlanArgument argument;
    if (auto type = dyn_cast<MemRefType>(operand.getType())) {
      int64_t offset;
      SmallVector<int64_t> strides;
      if (!type.hasStaticShape() ||
          failed(type.getStridesAndOffset(strides, offset)) ||
          ShapedType::isDynamic(offset) ||
          llvm::any_of(strides, ShapedType::isDynamic))
        return fail(launch, "kernel operand with a dynamic shape or layout");
      if (offset != 0)
        return fail(launch, "kernel operand with a non-zero offset");
      argument.sizes.assign(type.getShape().begin(), type.getShape().end());
      argument.strides.assign(strides.begin(), strides.end());
      argument.elementBytes = type.getElementTypeBitWidth() / 8;
      auto it = device.find(operand);
      if (it != device.end()) {
        argument.buffer = it->second;
      } else {
        FailureOr<int> constant = constantGlobalBuffer(operand);
        if (failed(constant))
          return fail(launch, "kernel operand that is neither a gpu.alloc "
                              "nor a cached constant upload");
        argument.buffer = *constant;
      }
    } else {
      argument.isMemRef = false;
      Attribute attr;
      if (!matchPattern(operand, m_Constant(&attr)))
        return fail(launch, "scalar kernel operand that is not a constant");
      if (auto i = dyn_cast<IntegerAttr>(attr)) {
        argument.scalarBits = i.getValue().getZExtValue();
        argument.scalarBytes =
            operand.getType().isIndex()
                ? 8
                : std::max(1u, operand.getType().getIntOrFloatBitWidth() / 8);
      } else if (auto f = dyn_cast<FloatAttr>(attr)) {
        argument.scalarBits = f.getValue().bitcastToAPInt().getZExtValue();
        argument.scalarBytes = operand.getType().getIntOrFloatBitWidth() / 8;
      } else {
        return fail(launch, "scalar kernel operand of an unsupported type");
      }
    }
    out.arguments.push_back(std::move(argument));
  }
  plan.launches.push_back(std::move(out));
  return success();
}

LogicalResult PlanBuilder::build() {
  bool nested = false;
  func.walk([&](gpu::LaunchFuncOp launch) {
    if (launch->getParentOp() != func.getOperation())
      nested = true;
  });
  if (nested) {
    plan.notLaunchable = "a gpu.launch_func inside host control flow";
    return failure();
  }
  // Content each device buffer receives from the host, and which buffers
  // flow back into C.
  std::vector<HostContent> deviceContent;
  for (Operation &op : func.getBody().front()) {
    if (auto alloc = dyn_cast<gpu::AllocOp>(op)) {
      auto type = cast<MemRefType>(alloc.getMemref().getType());
      if (!type.hasStaticShape())
        return fail(&op, "gpu.alloc of a dynamic shape");
      PlanBuffer buffer;
      buffer.bytes = byteSize(type);
      llvm::raw_string_ostream(buffer.description) << "gpu.alloc " << type;
      plan.buffers.push_back(std::move(buffer));
      device[alloc.getMemref()] = int(plan.buffers.size() - 1);
      continue;
    }
    if (auto copy = dyn_cast<gpu::MemcpyOp>(op)) {
      auto dst = device.find(copy.getDst());
      auto src = device.find(copy.getSrc());
      if (dst != device.end() && src == device.end()) {
        HostContent content = contentOf(copy.getSrc());
        PlanBuffer &buffer = plan.buffers[dst->second];
        switch (content.kind) {
        case HostContent::Fresh:
          buffer.source = PlanBuffer::Source::Nothing;
          break;
        case HostContent::Zeros:
          buffer.source = PlanBuffer::Source::Zeros;
          break;
        case HostContent::FromDevice:
          if (plan.buffers[content.device].bytes != buffer.bytes)
            return fail(&op, "a copy in of part of a kernel's result");
          buffer.source = PlanBuffer::Source::Result;
          buffer.resultOf = content.device;
          break;
        case HostContent::Arg:
          if (content.arg == 0 && content.byteOffset == 0) {
            buffer.source = PlanBuffer::Source::Activations;
          } else if (content.arg == 1 && content.byteOffset >= 0) {
            buffer.source = PlanBuffer::Source::Weights;
            buffer.weightOffset = content.byteOffset;
          } else {
            return fail(&op, "a copy in of an unexpected argument view");
          }
          break;
        default:
          // Only an error if a kernel reads it: checked below.
          buffer.source = PlanBuffer::Source::Nothing;
          buffer.description += " [computed on the host]";
          break;
        }
      } else if (src != device.end() && dst == device.end()) {
        // Copied back: a kernel wrote it. A buffer standing for an earlier
        // result must not be written, or the two would differ.
        if (plan.buffers[src->second].source == PlanBuffer::Source::Result)
          return fail(&op, "a kernel writes its copy of an earlier kernel's "
                           "result");
        HostContent content;
        content.kind = HostContent::FromDevice;
        content.device = src->second;
        setContent(copy.getDst(), content);
      } else {
        return fail(&op, "a device-to-device or host-to-host gpu.memcpy");
      }
      continue;
    }
    if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      HostContent content = contentOf(copy.getSource());
      auto [target, offset] = base(copy.getTarget());
      auto arg = dyn_cast<BlockArgument>(target);
      if (arg && arg.getOwner()->getParentOp() == func.getOperation()) {
        if (arg.getArgNumber() == 2 && offset == 0 &&
            content.kind == HostContent::FromDevice)
          plan.buffers[content.device].isOutput = true;
        else
          return fail(&op, "a write into an argument that is not the "
                           "kernel's output");
        continue;
      }
      setContent(copy.getTarget(), content);
      continue;
    }
    if (isa<memref::AllocOp, memref::AllocaOp>(op)) {
      host[op.getResult(0)] = HostContent{HostContent::Fresh};
      continue;
    }
    if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
      if (failed(addLaunch(launch)))
        return failure();
      for (const PlanArgument &argument : plan.launches.back().arguments)
        if (argument.isMemRef &&
            llvm::StringRef(plan.buffers[argument.buffer].description)
                .ends_with("[computed on the host]"))
          return fail(&op, "a kernel reads a buffer computed on the host (" +
                               plan.buffers[argument.buffer].description +
                               ")");
      continue;
    }
    if (isa<gpu::WaitOp, gpu::DeallocOp, memref::DeallocOp, func::ReturnOp,
            memref::GetGlobalOp, ViewLikeOpInterface>(op) ||
        isMemoryEffectFree(&op))
      continue;
    recordHostWrites(&op);
  }
  if (plan.launches.empty()) {
    plan.notLaunchable = "no gpu.launch_func in the host function";
    return failure();
  }
  int outputs = llvm::count_if(plan.buffers,
                               [](const PlanBuffer &b) { return b.isOutput; });
  if (outputs != 1) {
    plan.notLaunchable =
        llvm::formatv("{0} device buffers flow into C, expected 1", outputs)
            .str();
    return failure();
  }
  return success();
}

const char *sourceName(PlanBuffer::Source source) {
  switch (source) {
  case PlanBuffer::Source::Activations:
    return "A";
  case PlanBuffer::Source::Weights:
    return "W";
  case PlanBuffer::Source::Zeros:
    return "zeros";
  case PlanBuffer::Source::Constant:
    return "constant";
  case PlanBuffer::Source::Nothing:
    return "none";
  case PlanBuffer::Source::Result:
    return "the result in buffer";
  }
  return "?";
}

} // namespace

void KernelPlan::print(llvm::raw_ostream &os) const {
  if (!notLaunchable.empty()) {
    os << "plan: not launchable directly: " << notLaunchable << "\n";
    return;
  }
  for (auto [index, buffer] : llvm::enumerate(buffers)) {
    os << llvm::formatv("buffer {0}: {1} bytes, from {2}", index, buffer.bytes,
                        sourceName(buffer.source));
    if (buffer.source == PlanBuffer::Source::Weights)
      os << " at byte " << buffer.weightOffset;
    if (buffer.source == PlanBuffer::Source::Result)
      os << " " << buffer.resultOf;
    if (buffer.isOutput)
      os << ", output";
    os << " (" << buffer.description << ")\n";
  }
  for (const PlanLaunch &launch : launches) {
    os << llvm::formatv("launch {0}::{1} grid ({2}, {3}, {4}) block ({5}, {6}, "
                        "{7}) shared {8} params {9}\n",
                        launch.module, launch.kernel, launch.grid[0],
                        launch.grid[1], launch.grid[2], launch.block[0],
                        launch.block[1], launch.block[2],
                        launch.dynamicSharedBytes, launch.paramCount());
    for (auto [index, argument] : llvm::enumerate(launch.arguments)) {
      if (!argument.isMemRef) {
        os << llvm::formatv("  arg {0}: scalar {1} bytes = {2}\n", index,
                            argument.scalarBytes, argument.scalarBits);
        continue;
      }
      os << llvm::formatv("  arg {0}: memref buffer {1}, sizes [", index,
                          argument.buffer);
      llvm::interleaveComma(argument.sizes, os);
      os << "], strides [";
      llvm::interleaveComma(argument.strides, os);
      os << "], " << argument.elementBytes << "-byte elements\n";
    }
  }
}

llvm::Expected<KernelPlan>
qblock::bench::compileKernel(MLIRContext &context, const KernelConfig &config) {
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    llvm::raw_string_ostream os(diagnostics);
    os << diag.getLocation() << ": " << diag << "\n";
    return success();
  });
  auto fail = [&](const llvm::Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   what + "\n" + diagnostics);
  };
  KernelSource spec{config.m, config.weightType};
  spec.actElement = config.actElement;
  spec.actScheme = config.actScheme;
  std::string source = buildKernelSource(spec);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  if (!module)
    return fail("cannot parse the kernel:\n" + source);

  // A copy of the module right after outlining: launches with memref
  // operands, before gpu-to-llvm expands them.
  struct Snapshot : PassInstrumentation {
    OwningOpRef<ModuleOp> &into;
    explicit Snapshot(OwningOpRef<ModuleOp> &into) : into(into) {}
    void runAfterPass(Pass *pass, Operation *op) override {
      if (pass->getArgument() == "gpu-kernel-outlining")
        if (auto module = dyn_cast<ModuleOp>(op))
          into = cast<ModuleOp>(module->clone());
    }
  };
  OwningOpRef<ModuleOp> outlined;
  PassManager pm(&context, ModuleOp::getOperationName());
  pm.addInstrumentation(std::make_unique<Snapshot>(outlined));
  std::string pipeline = "qblock-gpu-pipeline{chip=" + config.chip +
                         " format=" + config.format +
                         (config.tensorCores ? " tensor-cores=true" : "") +
                         " weight-decode=" + config.weightDecode + "}";
  if (failed(parsePassPipeline(pipeline, pm)))
    return fail("cannot build pass pipeline '" + pipeline + "'");
  if (failed(pm.run(*module)))
    return fail("qblock-gpu-pipeline failed on the kernel");
  if (!outlined)
    return fail("the pipeline ran no gpu-kernel-outlining pass");

  KernelPlan plan;
  plan.objectsArePTX = config.format == "isa";
  module->walk([&](gpu::BinaryOp binary) {
    ArrayAttr objects = binary.getObjects();
    if (!objects.empty())
      if (auto object = dyn_cast<gpu::ObjectAttr>(objects[0]))
        plan.objects[binary.getSymName().str()] =
            object.getObject().getValue().str();
  });
  auto func = outlined->lookupSymbol<func::FuncOp>("qblock_kernel");
  if (!func)
    return fail("no @qblock_kernel after outlining");
  (void)PlanBuilder(func, plan).build();
  for (const PlanLaunch &launch : plan.launches)
    if (!plan.objects.count(launch.module) && plan.notLaunchable.empty())
      plan.notLaunchable = "no gpu.binary @" + launch.module;
  plan.lowered = std::move(module);
  return plan;
}
