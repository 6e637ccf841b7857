//===- CheckedCall.cpp - JIT calls that return on a failed run-time check -===//

#include "CheckedCall.h"

#include <csetjmp>
#include <cstdlib>

#include <dlfcn.h>
#include <unistd.h>

using namespace qblock::python;

namespace {

/// The call in progress on this thread.
struct ActiveCall {
  std::jmp_buf resume;
  /// What the compiled code wrote to fd 2 and was not written out yet.
  std::string pending;
};

thread_local ActiveCall *active = nullptr;

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

void flushPending(ActiveCall &call) {
  writeToStderr(call.pending);
  call.pending.clear();
}

/// Whether this thread is inside an OpenMP parallel region: leaving one by
/// longjmp would leave the rest of its team waiting at the region's end.
/// libomp is loaded with the module's libraries (dlopen RTLD_GLOBAL), or
/// not at all, in which case no region can be active.
bool insideOpenMPRegion() {
  using LevelFn = int (*)();
  static LevelFn level =
      reinterpret_cast<LevelFn>(::dlsym(RTLD_DEFAULT, "omp_get_level"));
  return level && level() > 0;
}

ssize_t qblockCheckedWrite(int fd, const void *data, size_t size) {
  ActiveCall *call = active;
  if (!call || fd != STDERR_FILENO)
    return ::write(fd, data, size);
  // A failed check writes its message once and aborts; anything before it
  // goes out now, in order.
  flushPending(*call);
  call->pending.assign(static_cast<const char *>(data), size);
  return static_cast<ssize_t>(size);
}

[[noreturn]] void qblockCheckedAbort() {
  ActiveCall *call = active;
  if (call && !insideOpenMPRegion())
    std::longjmp(call->resume, 1);
  if (call)
    flushPending(*call);
  std::abort();
}

} // namespace

llvm::orc::SymbolMap
qblock::python::checkedCallSymbols(llvm::orc::MangleAndInterner interner,
                                   bool redirectAbort, bool redirectWrite) {
  llvm::orc::SymbolMap symbols;
  auto define = [&](llvm::StringRef name, auto *function) {
    symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(function),
                               llvm::JITSymbolFlags::Exported};
  };
  if (redirectAbort)
    define("abort", &qblockCheckedAbort);
  if (redirectWrite)
    define("write", &qblockCheckedWrite);
  return symbols;
}

std::optional<std::string>
qblock::python::callCatchingAbort(void (*function)(void **), void **args) {
  ActiveCall call;
  ActiveCall *outer = active;
  active = &call;
  // Nothing between setjmp and longjmp lives in this frame's registers
  // only: `call` is addressed through `active`, the rest is not changed.
  if (setjmp(call.resume) == 0) {
    function(args);
    active = outer;
    flushPending(call);
    return std::nullopt;
  }
  active = outer;
  std::string message = std::move(call.pending);
  while (!message.empty() && message.back() == '\n')
    message.pop_back();
  return message;
}
