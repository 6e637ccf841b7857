//===- PermuteDecode.h - 4-bit codes decoded by byte permutes ---*- C++ -*-===//
//
// Internal to lib/Conversion/QBlockToGPU: the kernels' decode of 4-bit
// codes without a table lookup per weight or code byte (docs/gpu-lowering.md,
// "Decode in registers", "Tensor cores" and "The W4A4 kernel").
//
// A dialect's 8 magnitudes are integers in [0, 127] half units
// (FormatBook), so each is exact in bf16 (and f16), and its f32 is its
// bf16 bits followed by 16 zero bits. A dialect fits four 32-bit words: the
// high bytes of the 8 16-bit values, then the low bytes. PTX's `prmt` picks 4
// bytes out of two words by 4 selector nibbles, so one `prmt` looks up the
// high bytes of 4 codes at once and one the low bytes; a third (sign
// replication of the code bytes) makes the per-code sign mask, which one
// `lop3` puts into bit 7 of the high bytes. Per two codes, one more `prmt`
// interleaves low and high bytes into their two 16-bit values: the
// tensor-core kernel's B register as it is; for the CUDA-core kernel a
// shift and an and make the two f32. Either way the signed magnitude in
// half units, the very value the tables hold, -0 for code 8 included.
//
// The W4A4 kernel's integer dot products (`dp4a`) want the same values as
// signed bytes instead: a dialect's words are then its 8 magnitudes and
// their 8 negations, one byte each. Two `prmt`s look up 4 codes' magnitudes
// and negations, and a third picks, per code, the one its sign bit names.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_PERMUTEDECODE_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_PERMUTEDECODE_H

#include "qblock/Numerics/FormatBook.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SmallVector.h"

#include <array>
#include <cstdint>
#include <vector>

namespace qblock::gpukernel {

/// Words per dialect: the high bytes of its magnitudes 0-3 and 4-7 as bf16
/// (or f16), then their low bytes; or, as signed bytes, magnitudes 0-3 and
/// 4-7, then their negations.
constexpr int64_t kPermuteWordsPerDialect = 4;

/// What the decoded values are: 16-bit floats (bf16 for the CUDA-core
/// kernel's f32 and the bf16 tensor-core operands, f16 for f16 ones) or
/// signed bytes (the W4A4 kernel's `dp4a` operands).
enum class PermuteValues { BF16, F16, SignedBytes };

/// The four words of dialect `d` of `book` for `values`. Ids past the book
/// (padding rows, only a corrupt buffer names them) get words of zeros;
/// the kernels make such blocks NaN (the CUDA-core kernels through the
/// half scale or unit, the tensor-core kernel through its B registers).
std::array<uint32_t, kPermuteWordsPerDialect>
permuteDecodeWords(const numerics::FormatBook &book, int64_t d,
                   PermuteValues values = PermuteValues::BF16);

/// The words of every id a block can name (FormatBook::dialectIdCount), in
/// id order.
std::vector<int32_t>
permuteDecodeTable(const numerics::FormatBook &book,
                   PermuteValues values = PermuteValues::BF16);

/// The module's constant global of permuteDecodeTable(book, values): one
/// per table, which every kernel reading it shares (the CUDA-core kernel's
/// and the bf16 tensor-core kernel's are the same).
llvm::StringRef getOrCreatePermuteTable(mlir::ImplicitLocOpBuilder &b,
                                        mlir::ModuleOp module,
                                        mlir::SymbolTable &symbols,
                                        const numerics::FormatBook &book,
                                        PermuteValues values);
/// That global, read inside a kernel.
mlir::Value getPermuteTable(mlir::ImplicitLocOpBuilder &b,
                            const numerics::FormatBook &book,
                            llvm::StringRef name);

/// The four words of the dialect whose id (index) is `id`, from `table`
/// (getPermuteTable) in one 16-byte load, which L1 serves; for a book
/// whose blocks store no id (`id` null), its one dialect's words as
/// constants.
llvm::SmallVector<mlir::Value, 4>
permuteWordsOf(mlir::ImplicitLocOpBuilder &b, const numerics::FormatBook &book,
               PermuteValues values, mlir::Value table, mlir::Value id);

/// The signed magnitudes of the first `codes` (4 or 8) 4-bit codes of the
/// i32 `word` (code j in bits 4j..4j+3, bit 3 of a code its sign), in the
/// dialect whose four words are `dialectWords`, as the 16-bit values those
/// words hold (bf16 or f16): appended to `pairs` as i32 registers, pair k
/// holding code 2k in its low 16 bits and code 2k + 1 in its high 16 bits
/// (a code byte's low and high nibble). That is the tensor-core kernel's B
/// register as it is.
void decodeWordToHalfPairs(mlir::ImplicitLocOpBuilder &b, mlir::Value word,
                           int64_t codes,
                           llvm::ArrayRef<mlir::Value> dialectWords,
                           llvm::SmallVectorImpl<mlir::Value> &pairs);

/// The eight signed magnitudes (half units, f32) of the eight codes of
/// `word`, in element order, from bf16 words: the pairs above, each value's
/// f32 its bf16 bits followed by 16 zero bits.
void decodeWordByPermute(mlir::ImplicitLocOpBuilder &b, mlir::Value word,
                         llvm::ArrayRef<mlir::Value> dialectWords,
                         llvm::SmallVectorImpl<mlir::Value> &values);

/// The signed magnitudes (half units) of the eight codes of the i32 `word`
/// as signed bytes, from PermuteValues::SignedBytes words: two i32, codes
/// 0-3 and codes 4-7, code j in byte j % 4 (element order, as `dp4a`
/// pairs it with four activation bytes). Code 8 (-0) is 0.
std::array<mlir::Value, 2>
decodeWordToSignedBytes(mlir::ImplicitLocOpBuilder &b, mlir::Value word,
                        llvm::ArrayRef<mlir::Value> dialectWords);

} // namespace qblock::gpukernel

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOGPU_PERMUTEDECODE_H
