//===- ScratchAllocator.h - reuse of large buffers across calls -*- C++ -*-===//
//
// Internal to the CPU pipeline (registered for tests, not a public pass).
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_PIPELINES_SCRATCHALLOCATOR_H
#define QBLOCK_LIB_PIPELINES_SCRATCHALLOCATOR_H

#include "mlir/Pass/Pass.h"

#include "llvm/ADT/StringRef.h"

#include <memory>

namespace qblock {
/// The memref allocation functions finalize-memref-to-llvm calls with
/// use-generic-functions, which the pass below defines.
constexpr llvm::StringLiteral kScratchAllocName = "_mlir_memref_to_llvm_alloc";
constexpr llvm::StringLiteral kScratchFreeName = "_mlir_memref_to_llvm_free";

/// Defines the memref allocation functions that finalize-memref-to-llvm
/// calls with use-generic-functions (_mlir_memref_to_llvm_alloc / _free) in
/// the module: malloc and free, except that freed blocks of 64 KiB and more
/// are kept (up to 16) and handed out again (see the .cpp).
std::unique_ptr<mlir::Pass> createDefineScratchAllocatorPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_SCRATCHALLOCATOR_H
