//===- PermuteDecode.h - 4-bit codes to f32 by byte permutes ----*- C++ -*-===//
//
// Internal to lib/Conversion/QBlockToGPU: the W4A16 CUDA-core kernel's
// weight decode without a table lookup per weight (docs/gpu-lowering.md,
// "Decoding by byte permutes").
//
// A dialect's 8 magnitudes are integers in [0, 127] half units
// (FormatBook), so each is exact in bf16, and its f32 is its bf16 bits
// followed by 16 zero bits. A dialect fits four 32-bit words: the high
// bytes of the 8 bf16 values, then the low bytes. PTX's `prmt` picks 4
// bytes out of two words by 4 selector nibbles, so one `prmt` looks up the
// high bytes of 4 codes at once and one the low bytes; a third (sign
// replication of the code bytes) makes the per-code sign mask, which one
// `lop3` puts into bit 7 of the high bytes. Per two codes, one more `prmt`
// interleaves low and high bytes into their two bf16 values, and a shift
// and an and make the two f32: the signed magnitude in half units, the
// very value the table holds, -0 for code 8 included.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_PERMUTEDECODE_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_PERMUTEDECODE_H

#include "qblock/Numerics/FormatBook.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/SmallVector.h"

#include <array>
#include <cstdint>
#include <vector>

namespace qblock::gpukernel {

/// Words per dialect: the bf16 high bytes of magnitudes 0-3 and 4-7, then
/// their low bytes.
constexpr int64_t kPermuteWordsPerDialect = 4;

/// The four words of dialect `d` of `book`. Ids past the book (padding
/// rows, only a corrupt buffer names them) get words of zeros; the kernel
/// makes such blocks NaN through their half scale.
std::array<uint32_t, kPermuteWordsPerDialect>
permuteDecodeWords(const numerics::FormatBook &book, int64_t d);

/// The words of every id a block can name (FormatBook::dialectIdCount), in
/// id order.
std::vector<int32_t> permuteDecodeTable(const numerics::FormatBook &book);

/// For the tensor-core kernel, whose B registers hold pairs of f16 or bf16
/// values: the dialect's 8 magnitudes as plain bytes, two words (padding
/// ids past the book: zeros).
constexpr int64_t kMagnitudeWordsPerDialect = 2;
std::array<uint32_t, kMagnitudeWordsPerDialect>
magnitudeWords(const numerics::FormatBook &book, int64_t d);
/// The magnitude words of every id a block can name, in id order.
std::vector<int32_t> magnitudeTable(const numerics::FormatBook &book);

/// The signed magnitudes of the first `codes` (4 or 8) 4-bit codes of the
/// i32 `word` as pairs of f16 (`bf16` false) or bf16 values, appended to
/// `pairs` as vector<2xf16> / vector<2xbf16>: pair k holds code 2k in
/// element 0 and code 2k + 1 in element 1 (a code byte's low and high
/// nibble), the tensor-core kernel's B register. Each half is built as
/// +-(E + m) from a magnitude byte m and a sign-and-exponent byte (E = 1024
/// for f16, 128 for bf16: m <= 127 makes both exact), then +-E comes off
/// with one packed subtraction.
void decodeWordToHalfPairs(mlir::ImplicitLocOpBuilder &b, mlir::Value word,
                           int64_t codes,
                           llvm::ArrayRef<mlir::Value> magnitudes, bool bf16,
                           llvm::SmallVectorImpl<mlir::Value> &pairs);

/// The eight signed magnitudes (half units, f32) of the eight 4-bit codes
/// of the i32 `word` (element j in bits 4j..4j+3, bit 3 of a code its
/// sign), in the dialect whose four words are `dialectWords`; appended to
/// `values` in element order.
void decodeWordByPermute(mlir::ImplicitLocOpBuilder &b, mlir::Value word,
                         llvm::ArrayRef<mlir::Value> dialectWords,
                         llvm::SmallVectorImpl<mlir::Value> &values);

} // namespace qblock::gpukernel

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_PERMUTEDECODE_H
