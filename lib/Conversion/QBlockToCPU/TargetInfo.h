//===- TargetInfo.h - What a CPU target name lets us use -----*- C++ -*-===//
//
// The `target` option of --convert-qblock-to-cpu and --qblock-lower-lookups
// (generic, avx2, avx512, host) resolved once per pass run into everything
// the lowerings choose by: the vector ISA, the optional instruction groups
// and the prefetch level. `host` asks LLVM about the running machine here
// and nowhere else.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_TARGETINFO_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_TARGETINFO_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace qblock::cpu {

enum class Target { Generic, AVX2, AVX512 };

/// "generic", "avx2" or "avx512": the option value naming `isa`.
llvm::StringRef targetName(Target isa);

struct TargetInfo {
  Target isa = Target::Generic;
  /// AVX-512 byte permutes and dot products (VBMI's vpermb, VNNI's
  /// vpdpbusd). `avx512` assumes them.
  bool byteOps = false;
  /// AVX512-BF16's vdpbf16ps and BW's vpermw. `avx512` assumes them (the
  /// x86-64-v4 CPUs with BF16: Zen 4 and later, Sapphire Rapids and later).
  bool bf16Ops = false;
  /// The `memref.prefetch` locality of the prefetches that run a tile or
  /// more ahead (prefetchShare): 3, into every cache level, except where
  /// filling L2 only (2) was measured faster. That is a property of the
  /// core, so only `host` on a Zen 4 (`znver4`) gets 2: there, N = K = 8192
  /// on 2 threads, prefetching into L1 took the LUT-GEMM GEMV 1.78 ms
  /// against 1.03-1.06 into L2, the blockdialect GEMV 1.60-1.62 against
  /// 1.43-1.45 and the W4A4 GEMV 1.65-1.69 against 1.26-1.49 (2026-12-05,
  /// alternating); on Zen 5 an earlier session found the LUT-GEMM GEMV
  /// faster into L1 (docs/cpu-lowering.md). An explicit `avx512` names no
  /// core and keeps 3.
  int64_t farPrefetchLocality = 3;

  /// "generic", "avx2", "avx512", or "host" (the running machine's best of
  /// those, with its own instruction groups and core). Failure for anything
  /// else.
  static mlir::FailureOr<TargetInfo> resolve(llvm::StringRef name);
};

} // namespace qblock::cpu

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_TARGETINFO_H
