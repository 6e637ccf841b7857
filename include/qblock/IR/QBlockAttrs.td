//===- QBlockAttrs.td - qblock attributes ------------------*- tablegen -*-===//

#ifndef QBLOCK_IR_QBLOCKATTRS_TD
#define QBLOCK_IR_QBLOCKATTRS_TD

include "qblock/IR/QBlockDialect.td"
include "mlir/IR/AttrTypeBase.td"

class QBlock_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<QBlock_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def QBlock_FormatBookAttr : QBlock_Attr<"FormatBook", "book"> {
  let summary = "A list of 4-bit dialects (8 magnitudes each, in half units)";
  let description = [{
    Each dialect lists 8 magnitudes as scaled integers in half units
    (value = k / 2 before the block scale). An element code is 1 sign bit and
    a 3-bit index into its block's dialect.

    Built-in books are spelled by name; any other book is a table:

    ```mlir
    #qblock.book<dialectfp4>   // the 16 DialectFP4 dialects
    #qblock.book<e2m1>         // OCP E2M1: 0 .5 1 1.5 2 3 4 6
    #qblock.book<int4>         // 0 1 2 ... 7
    #qblock.book<int8>         // 8-bit codes: -127 ... 127 (no tables)
    #qblock.book<[[0, 1, 2, 3, 4, 6, 8, 12], [0, 1, 2, 3, 4, 5, 6, 8]]>
    ```

    A table needs 1 to 16 dialects of exactly 8 strictly increasing
    magnitudes in [0, 127] starting at 0. `int8` is not a table: its codes
    are 8-bit integers (every even half-unit magnitude up to 254).
  }];
  let parameters = (ins ArrayRefParameter<"int64_t", "magnitudes, 8 per dialect">:$magnitudes);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The table as the numerics core sees it.
    ::qblock::numerics::FormatBook toNumerics() const;
    static FormatBookAttr get(::mlir::MLIRContext *context,
                              const ::qblock::numerics::FormatBook &book);
    int64_t getNumDialects() const { return getMagnitudes().size() / 8; }
  }];
}

def QBlock_SchemeAttr : QBlock_Attr<"Scheme", "scheme"> {
  let summary = "A block-wise quantization scheme";
  let description = [{
    A formatbook, a scale kind (`e8m0`, `e4m3`, `f16`), a block size along
    the reduction axis, and the rule that picks each block's dialect
    (`mse` or `two_stage`). Five presets name the common combinations:

    | preset         | book         | scale | default block |
    |----------------|--------------|-------|---------------|
    | `blockdialect` | `dialectfp4` | e8m0  | 32            |
    | `mxfp4`        | `e2m1`       | e8m0  | 32            |
    | `nvfp4`        | `e2m1`       | e4m3  | 16            |
    | `int4`         | `int4`       | f16   | 32            |
    | `int8`         | `int8`       | f16   | 32            |

    `int8` is an activation format (the W4A8 integer path): 8-bit
    two's-complement codes, symmetric levels -127..127, scale amax / 127.
    Weights use the 4-bit schemes.

    ```mlir
    #qblock.scheme<blockdialect>
    #qblock.scheme<blockdialect, block = 64, select = two_stage>
    #qblock.scheme<nvfp4>
    #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 5, 6, 8]]>, scale = e8m0, block = 32>
    ```
  }];
  let parameters = (ins
    "FormatBookAttr":$book,
    "::qblock::numerics::ScaleKind":$scale,
    "int64_t":$blockSize,
    "::qblock::numerics::SelectRule":$select);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    ::qblock::numerics::Scheme toNumerics() const;
    static SchemeAttr get(::mlir::MLIRContext *context,
                          const ::qblock::numerics::Scheme &scheme);
    /// "blockdialect", "mxfp4", "nvfp4", "int4", or "custom".
    ::llvm::StringRef getPresetName() const;
  }];
}

def QBlock_BCQSchemeAttr : QBlock_Attr<"BCQScheme", "bcq"> {
  let summary = "A binary-coding quantization scheme (LUT-GEMM weights)";
  let description = [{
    `q` bit planes per group of `group` elements along the reduction axis:
    `w = sum_{i<q} alpha_i * b_i + z`, `b_i` in {-1, +1}, one set of alphas
    (and offset `z` unless `offset = false`) per group.

    ```mlir
    #qblock.bcq<bits = 3, group = 128>
    #qblock.bcq<bits = 2, group = 64, offset = false>
    #qblock.bcq<bits = 3, group = 128, fit = uniform>
    ```

    `fit` says how weights are fitted when a constant is packed:
    `alternating` (default; greedy start, then alternating refinement of
    alphas and bits) or `uniform` (round-to-nearest uniform INT-q per group,
    converted exactly to BCQ: alpha_i = s * 2^(i-1), z = sum(alpha) - s * z0;
    needs the offset).
  }];
  let parameters = (ins "int64_t":$bits, "int64_t":$group, "bool":$offset,
                        "bool":$fromUniform);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    ::qblock::numerics::BCQScheme toNumerics() const;
  }];
}

#endif // QBLOCK_IR_QBLOCKATTRS_TD
