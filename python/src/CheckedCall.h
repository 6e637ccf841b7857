//===- CheckedCall.h - JIT calls that return on a failed run-time check ---===//
//
// The pipelines turn failed run-time checks (a qblock.matmul called with
// activations whose K differs from its weight's, ...) into a message on
// stderr and abort(): right for mlir-runner and programs built ahead of
// time, but from Python it killed the interpreter (a Jupyter kernel with
// it, and the message went to the server's log, not the notebook).
//
// For JIT-compiled modules the package resolves the module's own `abort`
// and `write` to the functions here instead of the C library's. While a
// call is in progress on a thread, a write to fd 2 is held back, and an
// abort returns to the caller (longjmp out of the compiled code, whose
// frames have no destructors) with the held-back message; a later write or
// the call's normal end writes it out as before. Everything else (another
// thread, no call in progress, an abort inside an OpenMP parallel region,
// whose team would wait for the thread forever) aborts as before.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_PYTHON_CHECKEDCALL_H
#define QBLOCK_PYTHON_CHECKEDCALL_H

#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <optional>
#include <string>

namespace qblock::python {

/// Symbols that redirect a JIT-compiled module's calls of `abort` and
/// `write` here, each only where asked: for the names the module declares
/// and does not define.
llvm::orc::SymbolMap checkedCallSymbols(llvm::orc::MangleAndInterner interner,
                                        bool redirectAbort, bool redirectWrite);

/// Calls `function(args)` (an ExecutionEngine packed function). Returns
/// nothing when it returns, or the message of the failed check (possibly
/// empty, when the module did not write one) when it called abort.
std::optional<std::string> callCatchingAbort(void (*function)(void **),
                                             void **args);

} // namespace qblock::python

#endif // QBLOCK_PYTHON_CHECKEDCALL_H
