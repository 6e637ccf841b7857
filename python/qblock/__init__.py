"""qblock: block-wise 4-bit quantization formats and their MLIR compiler.

Numerics (no MLIR needed; the same C++ core as the compiler, so packed bytes
and decoded values agree with compiled modules bit for bit):

    >>> import numpy as np, qblock
    >>> w = np.random.default_rng(0).standard_normal((64, 16), dtype=np.float32)
    >>> packed = qblock.quantize(w, "blockdialect", axis=0)   # uint8, docs/formats.md
    >>> w_hat = qblock.dequantize(packed, w.shape, "blockdialect", axis=0)
    >>> ids = qblock.dialect_ids(w, "blockdialect", axis=0)   # shape (2, 16)
    >>> qblock.report(w, "blockdialect", axis=0)["bits_per_element"]
    4.375

Compiler (parses MLIR text, runs a pass pipeline, JIT-runs the result):

    >>> m = qblock.compile(text, qblock.CPU_PIPELINE)
    >>> print(m)                      # the lowered module
    >>> c = m.run("matmul", a)        # NumPy in, NumPy out

Schemes are given as ``Scheme`` / ``BCQScheme`` objects or by name:
``"blockdialect"``, ``"mxfp4"``, ``"nvfp4"``, ``"int4"``, ``"int8"`` (preset
defaults; ``int8`` is the activation format of the W4A8 path) or
``"bcq"`` (3 bits, group 128). ``axis`` is the blocked (reduction) axis; the
other dimensions may be anything. See python/README.md.
"""

from __future__ import annotations

from collections import namedtuple
import math
import operator
import os

import numpy as np

from ._qblock import BCQScheme, Scheme
from . import _qblock

__version__ = "0.1.0"

__all__ = [
    "BCQScheme",
    "Blocks",
    "CompileError",
    "CPU_PIPELINE",
    "Module",
    "PRESETS",
    "RuntimeCheckError",
    "Scheme",
    "bits_per_element",
    "compile",
    "dequantize",
    "dialect_ids",
    "integer_matmul",
    "layout",
    "quantize",
    "rel_mse",
    "report",
    "storage_bytes",
    "unpack",
]

PRESETS = ("blockdialect", "mxfp4", "nvfp4", "int4", "int8")

#: Quantize the constant weights of linalg matmuls (BlockDialect by default),
#: pack them, and lower everything to the LLVM dialect for this CPU.
CPU_PIPELINE = ("builtin.module(qblock-quantize-linalg,qblock-select-formats,"
                "qblock-cpu-pipeline)")

#: Per-block contents of a packed block-scheme tensor; see ``unpack``.
Blocks = namedtuple("Blocks", ["codes", "dialects", "scales"])


def _scheme(scheme):
    if isinstance(scheme, (Scheme, BCQScheme)):
        return scheme
    if isinstance(scheme, str):
        if scheme == "bcq":
            return BCQScheme()
        return Scheme(scheme)
    raise TypeError("scheme must be a qblock.Scheme, a qblock.BCQScheme or "
                    f"one of {PRESETS + ('bcq',)}, got {scheme!r}")


def _shape(shape):
    """A shape as a list of ints; floats (64.9 used to become 64), strings
    ("64" used to be the shape (6, 4)) and other non-integers are errors."""
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(f"shape must be a sequence of integers, got "
                        f"{shape!r}")
    dims = []
    for d in shape:
        if isinstance(d, (bool, np.bool_)):
            raise TypeError(f"shape {shape!r} holds {d!r}, not an integer")
        try:
            dims.append(operator.index(d))
        except TypeError:
            raise TypeError(f"shape {shape!r} holds {d!r}, not an "
                            f"integer") from None
        # Beyond int64, pybind11 answered with its signature dump.
        if not 0 <= dims[-1] < 1 << 63:
            raise ValueError(f"shape {shape!r} holds {d!r}; sizes are "
                             f"0..2^63-1")
    return dims


def _floats(x, what):
    """`x` as float32, refusing what the conversion would change silently:
    non-numbers (complex parts, strings, objects) and finite values beyond
    float32's range, which would become infinities and decode whole blocks
    to NaN."""
    source = np.asarray(x)
    if source.dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold real numbers, got dtype "
                        f"{source.dtype}")
    largest = _beyond_range(source, np.float32)
    if largest is not None:
        # !s: format() (and float()) would print a long double beyond
        # float64 as inf.
        raise OverflowError(f"{what} holds {largest!s}, beyond "
                            f"float32's range "
                            f"(+-{float(np.finfo(np.float32).max):.6g}); "
                            f"scale it first")
    return source.astype(np.float32, copy=False)


def _beyond_range(source, target):
    """The largest finite magnitude of numeric array `source` if it lies
    beyond float dtype `target`'s range (a conversion would make it an
    infinity), else None. A float no wider than `target` always fits."""
    target = np.dtype(target)
    if source.dtype.kind == "f" and source.dtype.itemsize <= target.itemsize:
        return None
    finite = np.abs(source[np.isfinite(source)]) if \
        source.dtype.kind == "f" else np.abs(source.astype(np.float64))
    if finite.size and float(finite.max()) > float(np.finfo(target).max):
        return finite.max()
    return None


def _packed(packed):
    """Packed bytes as uint8. int8 is the same bits; wider integers must
    hold byte values (0..255), not values that would wrap."""
    source = np.asarray(packed)
    if source.dtype == np.uint8:
        return source
    if source.dtype == np.int8:
        return source.view(np.uint8)
    if source.dtype.kind not in "iu":
        raise TypeError(f"packed bytes must be a uint8 (or int8) array, as "
                        f"quantize returns, got dtype {source.dtype}")
    if source.size and (int(source.min()) < 0 or int(source.max()) > 255):
        raise ValueError(f"packed bytes must lie in 0..255, got values in "
                         f"{int(source.min())}..{int(source.max())}")
    return source.astype(np.uint8)


def _axis(axis):
    """An axis as an int; True (axis 1) and 1.0 are errors."""
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"axis must be an integer, got {axis!r}") from None
    # The core checks it against the rank; beyond int64, pybind11 answered
    # with its signature dump.
    if not -(1 << 63) <= axis < 1 << 63:
        raise ValueError(f"axis {axis} is out of range")
    return axis


def _blocks_to_logical(rows_view, shape, axis):
    """(rows, n) in the rows view -> logical shape with `axis` of size n."""
    rank = len(shape)
    axis = axis % rank
    other = [d for i, d in enumerate(shape) if i != axis]
    return np.moveaxis(rows_view.reshape(other + [rows_view.shape[1]]), -1,
                       axis)


def quantize(x, scheme="blockdialect", axis=-1, *, iterations=8):
    """Quantizes `x` (converted to float32) along `axis` into packed bytes.

    A conversion that would change values is an error instead: finite
    values beyond float32's range (OverflowError), complex or non-numeric
    data (TypeError). Packed bytes passed back to ``dequantize``/``unpack``
    must be uint8 or int8, or integers in 0..255.

    Returns a 1-D uint8 array laid out as docs/formats.md section 7 (block
    schemes) or 8 (BCQ), exactly what ``--qblock-select-formats`` stores for
    a weight of this shape, scheme and axis. ``iterations`` is the number of
    alternating refinement rounds of the BCQ fit (the compiler uses 8).
    NaN/Inf are allowed: their block decodes to NaN (docs/formats.md 3).
    """
    scheme = _scheme(scheme)
    x = _floats(x, "x")
    axis = _axis(axis)
    if isinstance(scheme, BCQScheme):
        if isinstance(iterations, (bool, np.bool_)) or \
                not isinstance(iterations, (int, np.integer)):
            raise TypeError(f"iterations must be an integer, got "
                            f"{iterations!r}")
        if not 0 <= iterations < 1 << 31:
            raise ValueError(f"iterations={iterations}: use 0..2^31-1 "
                             f"refinement rounds (the compiler uses 8)")
        return _qblock.quantize(x, scheme, axis, int(iterations))
    return _qblock.quantize(x, scheme, axis)


def dequantize(packed, shape, scheme="blockdialect", axis=-1):
    """Decodes packed bytes back to a float32 array of `shape`."""
    return _qblock.dequantize(_packed(packed), _shape(shape), _scheme(scheme),
                              _axis(axis))


def unpack(packed, shape, scheme="blockdialect", axis=-1):
    """The codes, dialect ids and scale codes of a packed block-scheme tensor.

    Returns ``Blocks(codes, dialects, scales)``: ``codes`` (uint8, 4-bit:
    sign bit 3, magnitude index bits 0-2; for ``int8`` the two's-complement
    byte) has `shape`; ``dialects`` (uint8)
    and ``scales`` (uint16 scale codes: E8M0, E4M3 or F16 bits) have `shape`
    with the blocked axis replaced by the number of blocks along it.
    """
    scheme = _scheme(scheme)
    if not isinstance(scheme, Scheme):
        raise TypeError("unpack needs a block scheme, not BCQ")
    shape = _shape(shape)
    axis = _axis(axis)
    codes, dialects, scales = _qblock.unpack(_packed(packed), shape, scheme,
                                             axis)
    return Blocks(_blocks_to_logical(codes, shape, axis),
                  _blocks_to_logical(dialects, shape, axis),
                  _blocks_to_logical(scales, shape, axis))


def dialect_ids(x, scheme="blockdialect", axis=-1):
    """The dialect each block of `x` picks (all 0 for one-dialect books)."""
    scheme = _scheme(scheme)
    x = _floats(x, "x")
    return unpack(quantize(x, scheme, axis), x.shape, scheme, axis).dialects


def integer_matmul(a, w, weights="blockdialect", acts="blockdialect",
                   init=None):
    """What the integer path computes for ``a @ w`` (W4A4, W4A8).

    ``a`` (M x K) is quantized along K as ``--qblock-quantize-linalg
    acts=...`` quantizes activations at run time, ``w`` (K x N) along K as
    the weights; each block pair's exact integer dot product is scaled once
    and summed in f32 in block order (numerics ``referenceIntegerGemm``),
    bit for bit what the compiled kernels return. ``acts`` is ``"blockdialect"``
    (two-stage selection), ``"mxfp4"``, ``"nvfp4"`` or ``"int8"`` with the weights' block
    size, or a ``Scheme``. ``weights`` may be ``"int8"`` too: the right-hand
    operand of an activation-by-activation product (``full-path=true``).
    This is the ``qblock.matmul`` alone: NVFP4's per-tensor scales, which
    ``--qblock-quantize-linalg`` puts around it (for NVFP4 weights at
    compile time, for NVFP4 activations at run time), are not applied.
    """
    wscheme = _scheme(weights)
    if isinstance(wscheme, BCQScheme):
        raise TypeError("integer_matmul needs block-quantized weights; BCQ "
                        "weights take float activations (qblock.lut_gemm)")
    if isinstance(acts, str):
        block = wscheme.block
        if acts == "blockdialect":
            acts = Scheme("blockdialect", block=block, select="two-stage")
        elif acts in ("mxfp4", "nvfp4", "int8"):
            acts = Scheme(acts, block=block)
        else:
            raise ValueError(f"acts={acts!r}: expected blockdialect, mxfp4, "
                             "nvfp4, int8 or a qblock.Scheme")
    elif isinstance(acts, BCQScheme):
        raise TypeError("integer_matmul quantizes activations by blocks; "
                        "acts must not be a qblock.BCQScheme")
    elif not isinstance(acts, Scheme):
        # None or a number gave pybind11's signature dump.
        raise TypeError(f"acts must be a scheme name or a qblock.Scheme, got "
                        f"{acts!r}")
    a = _floats(a, "a")
    w = _floats(w, "w")
    if init is not None:
        init = _floats(init, "init")
    return _qblock.integer_matmul(a, w, wscheme, acts, init)


def rel_mse(reference, approximation):
    """sum((a - b)^2) / sum(a^2), accumulated in double."""
    return _qblock.rel_mse(_floats(reference, "reference"),
                           _floats(approximation, "approximation"))


def bits_per_element(scheme="blockdialect"):
    """Storage bits per element (docs/formats.md section 9)."""
    return _scheme(scheme).bits_per_element


def storage_bytes(shape, scheme="blockdialect", axis=-1):
    """Bytes of the packed buffer for a tensor of `shape`."""
    return _qblock.storage_bytes(_shape(shape), _scheme(scheme), _axis(axis))


def layout(shape, scheme="blockdialect", axis=-1):
    """Offsets and sizes of the arrays inside the packed buffer (a dict)."""
    return _qblock.layout(_shape(shape), _scheme(scheme), _axis(axis))


def report(x, scheme="blockdialect", axis=-1, name=""):
    """What ``--qblock-select-formats="report=FILE.json"`` writes for `x`.

    A dict with ``name, shape, scheme, block, select, rel_mse,
    bits_per_element, histogram`` (dialect counts over all blocks; BCQ:
    ``bits`` instead, an empty histogram and select ``alternating``).
    """
    scheme = _scheme(scheme)
    x = _floats(x, "x")
    packed = quantize(x, scheme, axis)
    decoded = dequantize(packed, x.shape, scheme, axis)
    entry = {"name": name, "shape": list(x.shape)}
    if isinstance(scheme, BCQScheme):
        entry.update(scheme="bcq", block=scheme.group, select="alternating",
                     bits=scheme.bits)
        histogram = []
    else:
        entry.update(scheme=scheme.preset, block=scheme.block,
                     select=scheme.select)
        ids = unpack(packed, x.shape, scheme, axis).dialects
        histogram = np.bincount(ids.ravel(),
                                minlength=scheme.num_dialects).tolist()
    entry.update(rel_mse=rel_mse(x, decoded),
                 bits_per_element=scheme.bits_per_element,
                 histogram=histogram)
    return entry


#
# Compiler
#


class CompileError(RuntimeError):
    """A module that does not parse, a bad pipeline, or a failing pass; the
    message holds MLIR's diagnostics."""


class RuntimeCheckError(ValueError):
    """A called function stopped on a failed run-time check of the compiled
    code, e.g. a matmul given activations whose K differs from its weight's
    (sizes its types leave dynamic). The message is the check's: the op's
    location and what differs. Outside Python the same program aborts with
    that message on stderr."""


def _utf8(text, what):
    """`text` (a str), checked to have a UTF-8 form: a lone surrogate
    (from os.fsdecode of a non-UTF-8 name, or written as '\\ud800') gave
    pybind11's signature dump."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"{what} is not valid Unicode text: it holds "
                         f"{text[error.start]!r} at offset {error.start}, "
                         f"which has no UTF-8 form") from None
    return text


def _compiler():
    # Loaded on first use: it brings in libMLIR.so and libLLVM.so, which the
    # numerics functions above do not need.
    from . import _qblock_compiler
    return _qblock_compiler


def _scalar_argument(index, value, dtype, type_text):
    """A Python number checked against a scalar parameter's type, so that a
    wrong one is a TypeError naming the argument (not pybind's "Unable to
    cast")."""
    if np.dtype(dtype).kind == "f":
        if isinstance(value, (bool, np.bool_)) or not isinstance(
                value, (int, float, np.integer, np.floating)):
            raise TypeError(f"argument {index} ({type_text}) must be a real "
                            f"number, got {type(value).__name__}")
        # A finite number beyond the parameter's range would become inf
        # silently: beyond f32's, or a long double beyond f64's (float()
        # made 1e4000 inf before any check). !s prints such a long double.
        largest = _beyond_range(np.asarray(value), dtype)
        if largest is not None:
            raise OverflowError(f"argument {index} ({type_text}) = "
                                f"{largest!s} is beyond the range of "
                                f"{np.dtype(dtype)}")
        return float(value)
    try:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"argument {index} ({type_text}) must be an integer, "
                        f"got {type(value).__name__}") from None
    info = np.iinfo(dtype)
    if not info.min <= number <= info.max:
        raise OverflowError(f"argument {index} ({type_text}) = {number} does "
                            f"not fit in {info.bits} bits")
    return number


def _tensor_argument(index, value, dtype, type_text):
    """A copy of array-like `value` as a tensor parameter's dtype. Casts
    that would change values silently are errors: floats (or strings) into
    integers, integers out of the parameter's range, finite numbers beyond a
    float type's range. Integers go into an integer tensor of the same
    width from either signedness as long as they fit its bits: MLIR's i8 is
    signless, so qblock.quantize's uint8 bytes pass as they are."""
    source = np.asarray(value)
    target = np.dtype(dtype)
    if source.size == 0:
        return np.zeros(source.shape, dtype=target)
    if source.dtype.kind not in "biuf":
        raise TypeError(f"argument {index} ({type_text}) must be an array of "
                        f"numbers, got dtype {source.dtype}")
    if target.kind == "b":
        if source.dtype.kind not in "biu" or not np.isin(source, (0, 1)).all():
            raise TypeError(f"argument {index} ({type_text}) must hold "
                            f"booleans (or 0 and 1), got dtype "
                            f"{source.dtype}")
        return np.array(source, dtype=target, order="C", copy=True)
    if target.kind in "iu":
        if source.dtype.kind not in "biu":
            raise TypeError(f"argument {index} ({type_text}) has dtype "
                            f"{source.dtype}, which does not convert to "
                            f"{target} without changing values; convert it "
                            f"explicitly")
        bits = 8 * target.itemsize
        low = 0 if target.kind == "u" else -(1 << (bits - 1))
        high = (1 << bits) - 1
        smallest, largest = int(source.min()), int(source.max())
        if smallest < low or largest > high:
            raise OverflowError(f"argument {index} ({type_text}) holds "
                                f"{smallest if smallest < low else largest}, "
                                f"which does not fit in {bits} bits")
        # Wraps where the bits are the same (uint8 200 is i8 -56).
        return np.array(source.astype(target, casting="unsafe"), order="C",
                        copy=True)
    if target.kind == "f" and source.dtype.kind in "iuf":
        largest = _beyond_range(source, target)
        if largest is not None:
            raise OverflowError(f"argument {index} ({type_text}) holds "
                                f"{largest!s}, beyond the range of {target}")
    return np.array(source, dtype=target, order="C", copy=True)


class Module:
    """A module compiled by ``qblock.compile``.

    ``str(module)`` is its MLIR text; ``run(entry, *args)`` JIT-compiles it
    (once) and calls a function.
    """

    def __init__(self, impl):
        self._impl = impl

    def __str__(self):
        return self._impl.text()

    @property
    def text(self):
        """The module as MLIR text."""
        return self._impl.text()

    @property
    def remarks(self):
        """Diagnostics the passes emitted without failing (e.g. why
        --qblock-quantize-linalg left an op alone), and the optimization
        remarks ``compile(..., remarks=...)`` asked for."""
        return self._impl.remarks

    @property
    def functions(self):
        """Names of the functions that can be passed to ``run``."""
        return self._impl.functions()

    def run(self, entry, *args):
        """Calls function `entry` of a module lowered to the LLVM dialect.

        Arguments are NumPy arrays for ranked tensors and memrefs and Python
        numbers for f32, f64, integer (8 to 64 bits) and index scalars.
        Tensor arguments are copied (the function cannot modify them) and
        converted to the tensor's dtype: floats round to its precision;
        floats into integers, integers that do not fit its bits and finite
        values beyond a float type's range are errors. Memref arguments are
        passed by reference and must already be C-contiguous arrays of the
        right dtype (a static layout must be the dense array's), so
        functions that write into them update the array. Results
        come back as new NumPy arrays (or numbers): one value, a tuple of
        several, or None. A failed run-time check of the compiled code (sizes
        its types leave dynamic that contradict a weight) raises
        ``RuntimeCheckError`` instead of aborting the process. Functions
        of the top-level module can be called, as MLIR's default calling
        convention lowers them (memref descriptors with 64-bit sizes): one
        that a pipeline lowered otherwise (``index-bitwidth=32``, bare
        pointers, results as out-parameters) raises ``ValueError``.
        Modules compiled with ``qblock-gpu-emulation-pipeline`` may be
        called from several threads; their launches take turns.
        """
        if not isinstance(entry, str):
            raise TypeError(f"entry must be a function name, got {entry!r}")
        _utf8(entry, "entry")
        try:
            arg_specs, _ = self._impl.signature(entry)
        except ValueError as error:
            raise ValueError(str(error)) from None
        if len(args) != len(arg_specs):
            count = len(arg_specs)
            raise TypeError(f"'{entry}' takes {count} "
                            f"argument{'' if count == 1 else 's'}, "
                            f"got {len(args)}")
        converted = []
        for i, (arg, (dtype, shape, from_tensor, type_text)) in enumerate(
                zip(args, arg_specs)):
            if shape is None:
                converted.append(_scalar_argument(i, arg, dtype, type_text))
            elif from_tensor:
                converted.append(_tensor_argument(i, arg, dtype, type_text))
            else:
                if not (isinstance(arg, np.ndarray) and arg.dtype == dtype
                        and arg.flags.c_contiguous):
                    # A float32 array in the other byte order is not float32
                    # to NumPy's ==, which the message would not explain.
                    swapped = isinstance(arg, np.ndarray) and \
                        arg.dtype.newbyteorder("=") == np.dtype(dtype) and \
                        not arg.dtype.isnative
                    hint = (f"; this one is {dtype} in non-native byte order "
                            f"(convert it with .astype(np.{dtype}) and read "
                            f"the function's writes from that copy)"
                            if swapped else "")
                    raise TypeError(
                        f"argument {i} ({type_text}) is passed by reference: "
                        f"give a C-contiguous {dtype} NumPy array in native "
                        f"byte order{hint}")
                if not arg.flags.writeable:
                    raise TypeError(
                        f"argument {i} ({type_text}) is passed by reference "
                        f"and the function may write it, but the array is "
                        f"read-only; pass a writeable copy (arg.copy())")
                converted.append(arg)
        try:
            return self._impl.run(entry, converted)
        except _compiler().CompileError as error:
            raise CompileError(str(error)) from None
        except _compiler().RuntimeCheckError as error:
            raise RuntimeCheckError(str(error)) from None


def compile(module, pipeline=CPU_PIPELINE, *, c_wrappers=True,
            verify_each=True, shared_libs=(), remarks=None):
    """Parses `module` (MLIR text) and runs `pipeline` on it.

    `pipeline` is a textual pass pipeline as ``mlir-opt --pass-pipeline``
    takes it, with or without the ``builtin.module(...)`` anchor; passes of
    nested ops are nested implicitly, e.g. ``"qblock-quantize-linalg{scheme=
    mxfp4},qblock-select-formats"`` or ``""`` (parse only). Every upstream
    dialect and pass is available besides qblock's. With `c_wrappers` every
    function gets ``llvm.emit_c_interface`` first (as
    ``--llvm-request-c-wrappers`` does), which ``Module.run`` needs.
    `shared_libs` are paths of libraries the JIT loads besides OpenMP and
    MLIR's runner utilities, for functions the module calls but does not
    define (e.g. ``libqblock_gpu_emulator.so`` for a module compiled with
    ``qblock-gpu-emulation-pipeline``).
    `remarks` turns on MLIR's optimization remarks whose category matches
    it (a regular expression over the whole name): ``"qblock.*"`` (or
    ``True``) reports which CPU or GPU kernel each matmul got and why a
    faster one did not apply, ``"qblock-cpu"`` or ``"qblock-gpu"`` one
    lowering's; they are added to ``Module.remarks``.

    Returns a ``Module``; raises ``CompileError`` with MLIR's diagnostics.
    """
    compiler = _compiler()
    try:
        # Bytes are text too; None (a forgotten return value) is an error,
        # not the parse error of the text "None". Anything else is printed
        # (an MLIR Python binding's Module prints as its IR).
        if isinstance(module, (bytes, bytearray)):
            module = module.decode()
        elif module is None:
            raise TypeError("module must be MLIR text, got None")
        if not isinstance(pipeline, str):
            raise TypeError(f"pipeline must be a pass pipeline string (\"\" "
                            f"for none), got {pipeline!r}")
        # The C++ side would keep it, but its message would end there.
        if "\0" in pipeline:
            raise CompileError(f"cannot parse pass pipeline {pipeline!r}: it "
                               f"holds a NUL character (offset "
                               f"{pipeline.index(chr(0))})")
        if isinstance(shared_libs, (str, bytes, os.PathLike)):
            shared_libs = [shared_libs]
        elif shared_libs is None:
            raise TypeError("shared_libs must be a path or a sequence of "
                            "paths (() for none), got None")
        libs = []
        for lib in shared_libs:
            if not isinstance(lib, (str, bytes, os.PathLike)):
                raise TypeError(f"shared_libs must hold paths, got {lib!r}")
            if not os.fspath(lib):
                # abspath("") is the working directory ("Is a directory").
                raise ValueError("shared_libs holds an empty path")
            # Absolute now: the JIT loads them at the first run, maybe after
            # a change of directory. As bytes: a name that is not UTF-8
            # decodes to surrogates, which have no UTF-8 to pass on.
            libs.append(os.fsencode(os.path.abspath(os.fsdecode(lib))))
        if remarks is True:
            remarks = "qblock.*"
        elif remarks is None or remarks is False:
            remarks = ""
        elif not isinstance(remarks, str) or not remarks:
            raise TypeError(f"remarks must be a regular expression over "
                            f"remark categories such as 'qblock.*', True, "
                            f"False or None, got {remarks!r}")
        impl = compiler.compile(_utf8(str(module), "the module text"),
                                _utf8(pipeline, "the pipeline"),
                                bool(c_wrappers), bool(verify_each), libs,
                                _utf8(remarks, "remarks"))
    except compiler.CompileError as error:
        raise CompileError(str(error)) from None
    return Module(impl)
