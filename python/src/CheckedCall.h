//===- CheckedCall.h - JIT calls that return on a failed run-time check ---===//
//
// The pipelines turn failed run-time checks (a qblock.matmul called with
// activations whose K differs from its weight's, ...) into a message on
// stderr and abort() (qblock-report-asserts-on-stderr): right for
// mlir-runner and programs built ahead of time, but from Python it killed
// the interpreter (a Jupyter kernel with it, and the message went to the
// server's log, not the notebook).
//
// For JIT-compiled modules the package resolves the module's own `abort`
// and `write` to the functions here instead of the C library's. While a
// call is in progress on a thread, a write to fd 2 of exactly one of the
// checks' messages (which the compiled code follows with abort at once) is
// held back, and an abort returns to the caller (longjmp out of the
// compiled code, whose frames have no destructors) with that message.
// Every other write goes straight through, and a held message is written
// out if anything but an abort follows. Other threads, calls not in
// progress and aborts inside an OpenMP parallel region (whose team would
// wait for the thread forever) abort as before.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_PYTHON_CHECKEDCALL_H
#define QBLOCK_PYTHON_CHECKEDCALL_H

#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <optional>
#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace qblock::python {

/// Symbols that redirect a JIT-compiled module's calls of `abort` and
/// `write` here, each only for a name the module declares and does not
/// define. Records the module's check messages (the
/// `__qblock_assert_message` globals) as the writes to hold back.
llvm::orc::SymbolMap checkedCallSymbols(mlir::ModuleOp module,
                                        llvm::orc::MangleAndInterner interner);

/// The OpenMP runtime the JIT loads (a path), whose nesting level tells
/// whether an abort happens inside a parallel region.
void setOpenMPRuntime(const std::string &path);

/// Calls `function(args)` (an ExecutionEngine packed function). Returns
/// nothing when it returns, or the message of the failed check as written
/// (with its newline; empty when it was not captured) when it called abort.
std::optional<std::string> callCatchingAbort(void (*function)(void **),
                                             void **args);

} // namespace qblock::python

#endif // QBLOCK_PYTHON_CHECKEDCALL_H
