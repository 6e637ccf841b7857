//===- ToolExit.h - how the small bench tools end on failures -------------===//
//
// Two ends the tools' first versions did not handle (an adversarial run over
// the tools, 2026-12-07):
//
// - Running out of memory within the documented option ranges (a machine
//   smaller than the option allows, or a `ulimit -v`) aborted with an
//   uncaught std::bad_alloc or LLVM's "out of memory" report and exit status
//   134. exitOnOutOfMemory installs a new-handler (which nothrow allocation,
//   LLVM's buffers included, calls too) that names the option to lower and
//   exits with status 1.
// - Output that could not be written (stdout a full disk or /dev/full)
//   ended with exit status 0: printf's errors are sticky in the stream, so
//   finishOutput checks them once, at the end.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_COMMON_TOOLEXIT_H
#define QBLOCK_BENCH_COMMON_TOOLEXIT_H

#include <cstdio>
#include <cstdlib>
#include <new>

namespace qblock::bench {

namespace detail {
inline const char *outOfMemoryMessage = "";
inline void reportOutOfMemory() {
  std::fputs(outOfMemoryMessage, stderr);
  std::_Exit(1);
}
} // namespace detail

/// From here on, an allocation that fails prints `message` (a whole line)
/// and exits with status 1.
inline void exitOnOutOfMemory(const char *message) {
  detail::outOfMemoryMessage = message;
  std::set_new_handler(detail::reportOutOfMemory);
}

/// `status`, or 1 after a message when stdout could not be written.
inline int finishOutput(const char *program, int status) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "%s: error: cannot write the output\n", program);
    return 1;
  }
  return status;
}

} // namespace qblock::bench

#endif // QBLOCK_BENCH_COMMON_TOOLEXIT_H
