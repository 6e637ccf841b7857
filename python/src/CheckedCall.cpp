//===- CheckedCall.cpp - JIT calls that return on a failed run-time check -===//

#include "CheckedCall.h"
#include "LoadedLibrary.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include <csetjmp>
#include <cstdlib>
#include <mutex>
#include <set>

#include <unistd.h>

using namespace qblock::python;

namespace {

/// The call in progress on this thread.
struct ActiveCall {
  std::jmp_buf resume;
  /// A check's message the compiled code wrote to fd 2 and that is not
  /// written out yet.
  std::string held;
};

thread_local ActiveCall *active = nullptr;

/// Every check message of every module compiled in this process, and the
/// OpenMP runtime's omp_get_level.
struct Registry {
  std::mutex mutex;
  std::set<std::string, std::less<>> messages;
  std::string openMPPath;
  int (*openMPLevel)() = nullptr;
};

Registry &registry() {
  static Registry *instance = new Registry();
  return *instance;
}

bool isCheckMessage(std::string_view text) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.messages.count(text) != 0;
}

/// Writes `text` to fd 2 in full (a pipe may take it in parts).
void writeToStderr(const std::string &text) {
  const char *data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written <= 0)
      return;
    data += written;
    left -= static_cast<size_t>(written);
  }
}

void flushHeld(ActiveCall &call) {
  writeToStderr(call.held);
  call.held.clear();
}

/// Whether this thread is inside an OpenMP parallel region: leaving one by
/// longjmp would leave the rest of its team waiting at the region's end.
/// Asked of the runtime the JIT loaded (another library's omp_get_level,
/// e.g. libgomp's, would not know that runtime's regions); looked up on
/// each abort, as the runtime may be loaded after the first call.
bool insideOpenMPRegion() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (!r.openMPLevel && !r.openMPPath.empty())
    r.openMPLevel = reinterpret_cast<int (*)()>(
        symbolOfLoadedLibrary(r.openMPPath, "omp_get_level"));
  // Not loaded: no region of it can be active.
  return r.openMPLevel && r.openMPLevel() > 0;
}

ssize_t checkedWrite(int fd, const void *data, size_t size) {
  ActiveCall *call = active;
  if (!call || fd != STDERR_FILENO)
    return ::write(fd, data, size);
  flushHeld(*call);
  std::string_view text(static_cast<const char *>(data), size);
  if (!isCheckMessage(text))
    return ::write(fd, data, size);
  call->held.assign(text);
  return static_cast<ssize_t>(size);
}

[[noreturn]] void checkedAbort() {
  ActiveCall *call = active;
  if (call && !insideOpenMPRegion())
    std::longjmp(call->resume, 1);
  if (call)
    flushHeld(*call);
  std::abort();
}

} // namespace

llvm::orc::SymbolMap
qblock::python::checkedCallSymbols(mlir::ModuleOp module,
                                   llvm::orc::MangleAndInterner interner) {
  using namespace mlir;
  {
    Registry &r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    for (auto global : module.getOps<LLVM::GlobalOp>())
      if (global.getSymName().starts_with("__qblock_assert_message"))
        if (auto text = dyn_cast_or_null<StringAttr>(global.getValueOrNull()))
          r.messages.insert(text.getValue().str());
  }
  llvm::orc::SymbolMap symbols;
  auto redirect = [&](StringRef name, auto *function) {
    auto declared = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
    if (declared && declared.isExternal())
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(function),
                                 llvm::JITSymbolFlags::Exported};
  };
  redirect("abort", &checkedAbort);
  redirect("write", &checkedWrite);
  return symbols;
}

void qblock::python::setOpenMPRuntime(const std::string &path) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.openMPPath.empty())
    r.openMPPath = path;
}

std::optional<std::string>
qblock::python::callCatchingAbort(void (*function)(void **), void **args) {
  ActiveCall call;
  ActiveCall *outer = active;
  active = &call;
  // Restores `active` however this frame is left (an exception from a
  // runtime library included).
  struct Restore {
    ActiveCall *outer;
    ~Restore() { active = outer; }
  } restore{outer};
  // `call` is reached through `active` after a longjmp and `outer` is not
  // changed after setjmp, so neither is left indeterminate.
  if (setjmp(call.resume) == 0) {
    function(args);
    flushHeld(call);
    return std::nullopt;
  }
  return std::move(call.held);
}
