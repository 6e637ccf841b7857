"""qblock.compile and Module.run: linalg matmuls through the CPU pipeline,
run on NumPy arrays and compared with NumPy, and the packed weights the
compiler embeds compared byte for byte with qblock.quantize."""

import os
import re

import numpy as np
import pytest

import qblock


def dense(w):
    rows = ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]"
                     for row in w)
    return f"dense<[{rows}]> : tensor<{w.shape[0]}x{w.shape[1]}xf32>"


def matmul_module(w, m="?"):
    k, n = w.shape
    return f"""
func.func @matmul(%a: tensor<{m}x{k}xf32>, %init: tensor<{m}x{n}xf32>)
    -> tensor<{m}x{n}xf32> {{
  %w = arith.constant {dense(w)}
  %r = linalg.matmul ins(%a, %w : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>)
         outs(%init : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %r : tensor<{m}x{n}xf32>
}}
"""


def weights(k, n, seed):
    return np.random.default_rng(seed).standard_normal((k, n)).astype(
        np.float32)


@pytest.mark.parametrize("scheme", ["blockdialect", "mxfp4", "nvfp4", "int4"])
def test_matmul_runs_and_matches_numpy(scheme):
    k, n, m = 128, 24, 5
    w = weights(k, n, seed=len(scheme))
    pipeline = (f"builtin.module(qblock-quantize-linalg{{scheme={scheme}}},"
                "qblock-select-formats,qblock-cpu-pipeline)")
    module = qblock.compile(matmul_module(w), pipeline)
    assert "llvm.func @_mlir_ciface_matmul" in str(module)
    assert module.functions == ["matmul"]

    rng = np.random.default_rng(1)
    a = rng.standard_normal((m, k)).astype(np.float32)
    init = rng.standard_normal((m, n)).astype(np.float32)
    init_before = init.copy()
    c = module.run("matmul", a, init)
    assert c.shape == (m, n) and c.dtype == np.float32
    np.testing.assert_array_equal(init, init_before)  # tensors are values

    # The compiler multiplies by exactly the weights qblock decodes.
    wq = qblock.dequantize(qblock.quantize(w, scheme, axis=0), w.shape,
                           scheme, axis=0).astype(np.float64)
    expected = init.astype(np.float64) + a.astype(np.float64) @ wq
    np.testing.assert_allclose(c, expected, rtol=1e-5, atol=1e-5)
    # And quantization did happen: the float product is measurably different.
    exact = init + a.astype(np.float64) @ w.astype(np.float64)
    assert np.abs(c - exact).max() > 1e-3

    # Dynamic M: other batch sizes through the same compiled module.
    c1 = module.run("matmul", a[:1], init[:1])
    np.testing.assert_allclose(c1, expected[:1], rtol=1e-5, atol=1e-5)


def test_nvfp4_tensor_scale_keeps_small_weights():
    # Small weights (std 0.002): NVFP4's E4M3 block scales would be
    # subnormals with at most two significant bits, or zero. qblock-quantize-linalg's tensor scale 2^e (the smallest
    # power of two with max |w| / 2^e <= 448 * 6) packs w / 2^e and scales
    # the result back.
    k, n, m = 128, 16, 3
    w = (weights(k, n, seed=5) * 0.002).astype(np.float32)
    rng = np.random.default_rng(2)
    a = rng.standard_normal((m, k)).astype(np.float32)
    init = rng.standard_normal((m, n)).astype(np.float32)
    exact = init + a.astype(np.float64) @ w.astype(np.float64)

    def run(options):
        module = qblock.compile(
            matmul_module(w),
            f"builtin.module(qblock-quantize-linalg{{scheme=nvfp4 {options}}},"
            "qblock-select-formats,qblock-cpu-pipeline)")
        return module.run("matmul", a, init).astype(np.float64)

    e = int(np.ceil(np.log2(np.abs(w).max() / 2688.0)))
    scale = 2.0 ** e
    wq = qblock.dequantize(qblock.quantize((w / scale).astype(np.float32),
                                           "nvfp4", axis=0),
                           w.shape, "nvfp4", axis=0).astype(np.float64)
    scaled = run("")
    np.testing.assert_allclose(scaled, init + a.astype(np.float64) @ (wq * scale),
                               rtol=1e-5, atol=1e-6)
    unscaled = run("tensor-scale=false")
    product = exact - init
    error = lambda c: np.linalg.norm(c - exact) / np.linalg.norm(product)
    # About 0.1 with the tensor scale (4-bit weights); most of the product
    # lost without it.
    assert error(scaled) < 0.15
    assert error(unscaled) > 0.5


@pytest.mark.parametrize("scheme", ["blockdialect", "nvfp4", "int4", "bcq"])
def test_packed_constant_is_bit_exact_with_quantize(scheme):
    w = weights(128, 12, seed=7)
    module = qblock.compile(
        matmul_module(w, m=2),
        f"qblock-quantize-linalg{{scheme={scheme}}},qblock-select-formats")
    text = str(module)
    assert "qblock.constant dense_resource<matmul.w0>" in text
    blob = re.search(r'matmul\.w0: "0x([0-9A-F]+)"', text).group(1)
    data = bytes.fromhex(blob)[4:]  # a 4-byte alignment header comes first
    if scheme == "nvfp4":
        # The pass packs w / 2^e, NVFP4's per-tensor scale: the smallest
        # power of two with max |w| / 2^e <= 448 * 6 (docs/formats.md).
        e = int(np.ceil(np.log2(np.abs(w).max() / 2688.0)))
        assert np.abs(w).max() / 2.0 ** e <= 2688.0 < np.abs(w).max() / 2.0 ** (e - 1)
        assert e != 0
        w = w / np.float32(2.0 ** e)
        # ... and multiplies the result by 2^e.
        assert "linalg.generic" in text and "arith.mulf" in text
    packed = qblock.quantize(w, scheme, axis=0)
    assert data == packed.tobytes()


def test_pipeline_forms_and_remarks():
    w = weights(64, 4, seed=2)
    explicit = qblock.compile(
        matmul_module(w, m=1),
        "builtin.module(func.func(qblock-quantize-linalg),qblock-select-formats)")
    implicit = qblock.compile(matmul_module(w, m=1),
                              "qblock-quantize-linalg,qblock-select-formats")
    assert str(explicit) == str(implicit)
    parsed = qblock.compile(matmul_module(w, m=1), "", c_wrappers=False)
    assert "linalg.matmul" in str(parsed)
    assert "llvm.emit_c_interface" not in str(parsed)
    # A matmul without a constant weight stays, with a remark saying why.
    text = """
func.func @f(%a: tensor<2x64xf32>, %b: tensor<64x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<2x64xf32>, tensor<64x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}"""
    module = qblock.compile(text, "qblock-quantize-linalg")
    assert "linalg.matmul" in str(module)
    assert "not a constant" in module.remarks
    # A NUL cut the error message off before its reason.
    with pytest.raises(qblock.CompileError, match="holds a NUL character "
                       "\\(offset 12\\)"):
        qblock.compile(text, "canonicalize\0cse")


def test_calling_conventions():
    text = """
func.func @scale(%x: memref<4xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %x[%i] : memref<4xf32>
    %p = arith.mulf %v, %s : f32
    memref.store %p, %x[%i] : memref<4xf32>
  }
  return
}
func.func @sum(%a: tensor<?xf32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %init = tensor.from_elements %zero : tensor<f32>
  %r = linalg.reduce ins(%a : tensor<?xf32>) outs(%init : tensor<f32>) dimensions = [0]
    (%x: f32, %acc: f32) {
      %s = arith.addf %x, %acc : f32
      linalg.yield %s : f32
    }
  %v = tensor.extract %r[] : tensor<f32>
  return %v : f32
}
func.func @two(%a: tensor<2x3xf32>, %n: i64) -> (tensor<2x3xf32>, tensor<3x2xf32>, i64) {
  %e = tensor.empty() : tensor<3x2xf32>
  %t = linalg.transpose ins(%a : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>) permutation = [1, 0]
  %one = arith.constant 1 : i64
  %m = arith.addi %n, %one : i64
  return %a, %t, %m : tensor<2x3xf32>, tensor<3x2xf32>, i64
}
"""
    module = qblock.compile(text, "qblock-cpu-pipeline")
    x = np.arange(4, dtype=np.float32)
    assert module.run("scale", x, 2.5) is None
    np.testing.assert_array_equal(x, [0, 2.5, 5, 7.5])  # memrefs: in place
    with pytest.raises(TypeError, match="by reference"):
        module.run("scale", np.arange(4, dtype=np.float64), 1.0)
    with pytest.raises(TypeError, match="float32 in non-native byte order"):
        module.run("scale", np.arange(4, dtype=np.float32).astype(
            np.dtype(np.float32).newbyteorder()), 1.0)

    assert module.run("sum", np.arange(10, dtype=np.float32)) == 45.0
    assert module.run("sum", [1.0, 2.0]) == 3.0  # converted to float32

    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    same, transposed, m = module.run("two", a, 41)
    np.testing.assert_array_equal(same, a)
    np.testing.assert_array_equal(transposed, a.T)
    assert m == 42
    for _ in range(200):  # results are freed, inputs are not
        module.run("two", a, 1)


def test_results_that_share_a_buffer_are_all_copied_before_it_is_freed():
    # A buffer and a view of it, or one buffer twice: freeing it after the
    # first result was copied left the second reading freed memory (found
    # by an adversarial run). The fill value is not what malloc's freed
    # chunks hold.
    module = qblock.compile("""
func.func @view() -> (memref<64xf32>, memref<16xf32, strided<[1], offset: 40>>) {
  %m = memref.alloc() : memref<64xf32>
  %f = arith.constant 1.25 : f32
  linalg.fill ins(%f : f32) outs(%m : memref<64xf32>)
  %s = memref.subview %m[40][16][1] : memref<64xf32> to memref<16xf32, strided<[1], offset: 40>>
  return %m, %s : memref<64xf32>, memref<16xf32, strided<[1], offset: 40>>
}
func.func @twice() -> (memref<64xf32>, memref<64xf32>) {
  %m = memref.alloc() : memref<64xf32>
  %f = arith.constant 1.25 : f32
  linalg.fill ins(%f : f32) outs(%m : memref<64xf32>)
  return %m, %m : memref<64xf32>, memref<64xf32>
}
""", "qblock-cpu-pipeline")
    for _ in range(50):
        whole, view = module.run("view")
        np.testing.assert_array_equal(whole, np.full(64, 1.25, np.float32))
        np.testing.assert_array_equal(view, np.full(16, 1.25, np.float32))
        first, second = module.run("twice")
        np.testing.assert_array_equal(first, np.full(64, 1.25, np.float32))
        np.testing.assert_array_equal(second, np.full(64, 1.25, np.float32))


def test_errors():
    with pytest.raises(qblock.CompileError, match="cannot parse the module"):
        qblock.compile("func.func @f( {", "")
    with pytest.raises(qblock.CompileError,
                       match="does not refer to a registered pass"):
        qblock.compile("module {}", "no-such-pass")
    # A module pipeline nested in a function is refused, not an abort of
    # the interpreter.
    with pytest.raises(qblock.CompileError,
                       match="runs on builtin.module, not nested in "
                             "'func.func'"):
        qblock.compile("module {}", "func.func(qblock-cpu-pipeline)")
    # A qblock message, not pybind's "incompatible function arguments".
    with pytest.raises(TypeError, match="pipeline must be a pass pipeline"):
        qblock.compile("module {}", None)
    with pytest.raises(TypeError, match="entry must be a function name"):
        qblock.compile("module {}", "").run(None)
    # The option parser's own message, which LLVM prints to stderr, is in
    # the exception.
    with pytest.raises(qblock.CompileError,
                       match="Cannot find option named 'fp3'"):
        qblock.compile(matmul_module(weights(64, 2, 0), m=1),
                       "qblock-quantize-linalg{scheme=fp3}")
    # Scalars of the wrong kind and read-only by-reference arrays are
    # TypeErrors that name the argument.
    scalars = qblock.compile(
        "func.func @f(%a: f32, %b: index, %c: memref<4xf32>) -> f32 {"
        " return %a : f32 }", qblock.CPU_PIPELINE)
    buffer = np.zeros(4, np.float32)
    assert scalars.run("f", 2, np.int32(3), buffer) == 2.0
    with pytest.raises(TypeError, match=r"argument 0 \(f32\) must be a real"):
        scalars.run("f", "x", 1, buffer)
    with pytest.raises(TypeError, match=r"argument 1 \(index\) must be an"):
        scalars.run("f", 1.0, 7.5, buffer)
    with pytest.raises(OverflowError, match="does not fit in 64 bits"):
        scalars.run("f", 1.0, 2**70, buffer)
    read_only = np.zeros(4, np.float32)
    read_only.setflags(write=False)
    with pytest.raises(TypeError, match="read-only"):
        scalars.run("f", 1.0, 1, read_only)
    with pytest.raises(TypeError, match="got None"):
        qblock.compile(None)
    assert "f" in qblock.compile(b"func.func @f() { return }", "").functions
    # The GPU pipeline's options are checked when it is parsed.
    with pytest.raises(qblock.CompileError,
                       match="chip=sm_70 is not a supported NVIDIA GPU"):
        qblock.compile("module {}", "qblock-gpu-pipeline{chip=sm_70}")

    w = weights(64, 4, seed=3)
    not_lowered = qblock.compile(matmul_module(w, m=2), "qblock-quantize-linalg")
    with pytest.raises(qblock.CompileError, match="not lowered"):
        not_lowered.run("matmul", np.zeros((2, 64), np.float32),
                        np.zeros((2, 4), np.float32))

    module = qblock.compile(matmul_module(w, m=2), qblock.CPU_PIPELINE)
    with pytest.raises(ValueError, match="no function 'nope'"):
        module.run("nope")
    with pytest.raises(TypeError, match="takes 2 arguments"):
        module.run("matmul", np.zeros((2, 64), np.float32))
    with pytest.raises(ValueError, match="needs size 64 in dimension 1"):
        module.run("matmul", np.zeros((2, 32), np.float32),
                   np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="rank"):
        module.run("matmul", np.zeros((2, 64, 1), np.float32),
                   np.zeros((2, 4), np.float32))



def cpu_flags():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def test_code_for_another_cpu_is_an_error_not_a_crash():
    """A function compiled for features this machine lacks (here AMX, named
    as qblock-cpu-pipeline names the machine it compiles for) raises
    CompileError naming them, instead of dying on an illegal instruction
    or an instruction LLVM cannot select."""
    flags = cpu_flags()
    if flags is None or "amx_tile" in flags:
        pytest.skip("needs an x86 Linux machine without AMX")
    source = ("func.func @f(%a: f32) -> f32 attributes {target_features = "
              '#llvm.target_features<["+amx-tile"]>} { return %a : f32 }')
    module = qblock.compile(source, qblock.CPU_PIPELINE)
    with pytest.raises(qblock.CompileError,
                       match=r"'f' was compiled for features '\+amx-tile', "
                             r"which needs amx-tile that this machine"):
        module.run("f", 2.0)
    # The pipeline's own targets run where the machine has them.
    if {"avx512f", "avx512bw", "avx512vbmi", "avx512_vnni",
            "avx512_bf16"} <= flags:
        w = weights(64, 4, seed=5)
        avx512 = qblock.compile(matmul_module(w, m=1),
                                "qblock-quantize-linalg,"
                                "qblock-cpu-pipeline{target=avx512}")
        assert "x86-64-v4" in avx512.text
        a = np.ones((1, 64), np.float32)
        out = avx512.run("matmul", a, np.zeros((1, 4), np.float32))
        host = qblock.compile(matmul_module(w, m=1),
                              "qblock-quantize-linalg,qblock-cpu-pipeline")
        np.testing.assert_allclose(
            out, host.run("matmul", a, np.zeros((1, 4), np.float32)),
            rtol=1e-5)


def test_values_that_would_change_in_transit_are_errors():
    module = qblock.compile("""
      func.func @addi(%a: tensor<?xi32>, %b: tensor<?xi32>) -> tensor<?xi32> {
        %r = arith.addi %a, %b : tensor<?xi32>
        return %r : tensor<?xi32>
      }
      func.func @bytes(%a: tensor<?xi8>) -> tensor<?xi8> {
        return %a : tensor<?xi8>
      }
      func.func @addf(%a: tensor<2xf32>) -> tensor<2xf32> {
        %r = arith.addf %a, %a : tensor<2xf32>
        return %r : tensor<2xf32>
      }
      func.func @half(%a: tensor<1xf16>) -> tensor<1xf16> {
        return %a : tensor<1xf16>
      }
      func.func @f32id(%x: f32) -> f32 { return %x : f32 }
      func.func @f64id(%x: f64) -> f64 { return %x : f64 }
      func.func @neg8(%x: i8) -> i8 {
        %z = arith.constant 0 : i8
        %r = arith.subi %z, %x : i8
        return %r : i8
      }
      func.func @neg16x2(%x: i16) -> (i16, i16) {
        %z = arith.constant 0 : i16
        %r = arith.subi %z, %x : i16
        return %r, %x : i16, i16
      }
      func.func @strided(%m: memref<2x2xf32, strided<[4, 1]>>) -> f32 {
        %c0 = arith.constant 0 : index
        %v = memref.load %m[%c0, %c0] : memref<2x2xf32, strided<[4, 1]>>
        return %v : f32
      }
      func.func @any_strides(%m: memref<?x?xf32, strided<[?, ?], offset: ?>>)
          -> f32 {
        %c1 = arith.constant 1 : index
        %v = memref.load %m[%c1, %c1]
            : memref<?x?xf32, strided<[?, ?], offset: ?>>
        return %v : f32
      }""", qblock.CPU_PIPELINE)
    # Lists, wider integers in range, doubles and empty lists convert.
    np.testing.assert_array_equal(
        module.run("addi", [1, 2], np.array([3, 4], np.int64)), [4, 6])
    assert module.run("addi", [], []).shape == (0,)
    np.testing.assert_array_equal(module.run("addf", [0.5, 1e30]),
                                  np.float32([1.0, 2e30]))
    # Packed bytes from qblock.quantize (uint8) are i8 bits: they pass as
    # they are (200 is -56), not as an overflow.
    packed = qblock.quantize(weights(64, 2, seed=4), "blockdialect", axis=0)
    assert packed.dtype == np.uint8 and packed.max() >= 128
    np.testing.assert_array_equal(module.run("bytes", packed),
                                  packed.view(np.int8))
    # Floats into integers used to truncate (1.9 + 0.9 gave 1), integers
    # out of range to wrap, strings to be parsed, big values to become inf.
    with pytest.raises(TypeError, match=r"argument 0 \(tensor<\?xi32>\) "
                       "has dtype float64, which does not convert to int32"):
        module.run("addi", np.array([1.9]), np.array([0]))
    with pytest.raises(OverflowError, match="does not fit in 32 bits"):
        module.run("addi", np.array([2**40 + 1]), np.array([0]))
    with pytest.raises(OverflowError, match="does not fit in 8 bits"):
        module.run("bytes", [256])
    with pytest.raises(TypeError, match="must be an array of numbers"):
        module.run("addi", ["1"], ["2"])
    with pytest.raises(OverflowError, match="beyond the range of float32"):
        module.run("addf", [1.0, 1e300])
    with pytest.raises(OverflowError, match="beyond the range of float16"):
        module.run("half", [70000])
    with pytest.raises(OverflowError, match="beyond the range of float32"):
        module.run("f32id", 1e300)
    assert module.run("f32id", float("inf")) == float("inf")
    # A long double beyond f64 became inf without a word (an adversarial
    # run over the package, 2026-12-07); in a tensor it was refused, but
    # the message printed it as inf.
    if np.finfo(np.longdouble).max > np.finfo(np.float64).max:
        huge = np.longdouble("1e4000")
        with pytest.raises(OverflowError, match=r"= 1e\+4000 is beyond the "
                           "range of float64"):
            module.run("f64id", huge)
        with pytest.raises(OverflowError, match=r"holds 1e\+4000, beyond"):
            module.run("addf", np.array([huge, 1.0]))
    assert module.run("f64id", 1e300) == 1e300
    # Small integer results are read at their width and sign (an i8 -1
    # used to come back as 255; two i16 results ran into each other).
    assert module.run("neg8", 1) == -1
    assert module.run("neg16x2", -3) == (3, -3)
    with pytest.raises(OverflowError, match="does not fit in 8 bits"):
        module.run("neg8", 128)
    # A static layout that is not the dense array's used to be read past
    # the array's end; dynamic strides get the array's own.
    with pytest.raises(ValueError, match=r"is read with stride 4 in "
                       r"dimension 0 \(the array's is 2\)"):
        module.run("strided", np.zeros((2, 2), np.float32))
    grid = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert module.run("any_strides", grid) == 4.0


def test_shared_libs_and_unresolved_functions():
    # A function the module calls but nothing defines: the error names it
    # (ORC's own says only "Failed to materialize symbols", naming every
    # function of the module).
    module = qblock.compile("""
      func.func private @qblock_test_nowhere(f32) -> f32
      func.func @calls(%x: f32) -> f32 {
        %r = func.call @qblock_test_nowhere(%x) : (f32) -> f32
        return %r : f32
      }""")
    with pytest.raises(qblock.CompileError, match="functions that neither "
                       "it nor the libraries the JIT loads define: "
                       "qblock_test_nowhere; .*shared_libs"):
        module.run("calls", 1.0)
    with pytest.raises(qblock.CompileError, match="shared library "
                       "'/nonexistent/libx.so' \\(shared_libs\\) does not exist"):
        qblock.compile("module {}", "", shared_libs=["/nonexistent/libx.so"])
    # A file that is not a library: the JIT only printed that it could not
    # load it and went on.
    with pytest.raises(qblock.CompileError, match="shared library "
                       "'.*' \\(shared_libs\\) cannot be loaded: "):
        qblock.compile("module {}", "", shared_libs=[__file__])
    # The GPU emulation pipeline's kernels call libqblock_gpu_emulator.so.
    from qblock import _build_info
    emulator = os.path.join(_build_info.QBLOCK_BINARY_DIR, "lib",
                            "libqblock_gpu_emulator.so")
    if not os.path.exists(emulator):
        pytest.skip("no GPU emulator library in this build")
    w = weights(64, 8, seed=5)
    source = matmul_module(w, m=2)
    gpu = qblock.compile(
        source, "qblock-quantize-linalg,qblock-gpu-emulation-pipeline",
        shared_libs=[emulator])
    cpu = qblock.compile(source, qblock.CPU_PIPELINE)
    a = np.random.default_rng(6).standard_normal((2, 64)).astype(np.float32)
    init = np.zeros((2, 8), np.float32)
    np.testing.assert_allclose(gpu.run("matmul", a, init),
                               cpu.run("matmul", a, init), rtol=1e-5,
                               atol=1e-5)


def test_kernel_remarks_on_request():
    # Which kernel each matmul got is an optimization remark, silent unless
    # compile(..., remarks=...) asks for its category.
    w = weights(64, 32, seed=9)
    source = matmul_module(w, m=1)
    pipeline = "qblock-quantize-linalg{scheme=bcq group=32},qblock-cpu-pipeline"
    for remarks in [None, False]:
        quiet = qblock.compile(source, pipeline, remarks=remarks)
        assert "[Missed]" not in quiet.remarks
        assert "[Passed]" not in quiet.remarks
    for remarks in [True, "qblock.*", "qblock-cpu"]:
        told = qblock.compile(source, pipeline, remarks=remarks)
        assert "[Missed] lut-gemm-chunked | Category:qblock-cpu" in told.remarks
        assert "K = 64 with groups of 32" in told.remarks
    # Passed remarks too: the W4A16 kernel.
    told = qblock.compile(source, "qblock-quantize-linalg{scheme=mxfp4},"
                          "qblock-cpu-pipeline", remarks="qblock-cpu")
    assert "[Passed] w4a16-kernel | Category:qblock-cpu" in told.remarks
    # The filter matches whole category names.
    for remarks in ["qblock", "qblock-gpu"]:
        assert "[Missed]" not in qblock.compile(source, pipeline,
                                                remarks=remarks).remarks
    with pytest.raises(qblock.CompileError, match="not a regular expression"):
        qblock.compile(source, pipeline, remarks="qblock(")
    with pytest.raises(TypeError, match="remarks must be a regular expression"):
        qblock.compile(source, pipeline, remarks=1)


def test_failed_run_time_check_raises_and_the_module_stays_usable(capfd):
    # Activations whose K the types leave dynamic: a call with another K
    # than the weight's stops on the matmul's run-time check. That aborted
    # the interpreter (the message on stderr only); it is an exception now.
    w = weights(64, 8, seed=7)
    source = f"""
func.func @mm(%a: tensor<?x?xf32>) -> tensor<?x8xf32> {{
  %w = arith.constant {dense(w)}
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%m) : tensor<?x8xf32>
  %z = arith.constant 0.0 : f32
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %r = linalg.matmul ins(%a, %w : tensor<?x?xf32>, tensor<64x8xf32>)
         outs(%i : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}}
"""
    for scheme in ["mxfp4", "bcq group=32"]:
        module = qblock.compile(source, "qblock-quantize-linalg{scheme="
                                f"{scheme}}},qblock-cpu-pipeline")
        rng = np.random.default_rng(8)
        for k in [32, 128]:
            with pytest.raises(qblock.RuntimeCheckError,
                               match=f"'mm' stopped on a failed run-time "
                               f"check: linalg.matmul at <qblock.compile>:9:"
                               f"8: the activations' reduction size .* "
                               f"differs from the weight's K = 64"):
                module.run("mm", np.ones((2, k), np.float32))
            # The message is in the exception, not also on stderr.
            assert "differs" not in capfd.readouterr().err
        # The same module still runs (the check left nothing behind).
        a = rng.standard_normal((3, 64)).astype(np.float32)
        expected = module.run("mm", a)
        assert expected.shape == (3, 8) and np.isfinite(expected).all()
        np.testing.assert_array_equal(module.run("mm", a), expected)
    assert issubclass(qblock.RuntimeCheckError, ValueError)

    # The module's own writes to stderr still go out as they come: only a
    # check's message is held back for the exception.
    text = "hello from the module\n"
    own = qblock.compile(f"""
      llvm.mlir.global private constant @msg("{text[:-1]}\\0A")
          : !llvm.array<{len(text)} x i8>
      llvm.func @write(i32, !llvm.ptr, i64) -> i64
      func.func @say() {{
        %p = llvm.mlir.addressof @msg : !llvm.ptr
        %fd = llvm.mlir.constant(2 : i32) : i32
        %n = llvm.mlir.constant({len(text)} : i64) : i64
        %r = llvm.call @write(%fd, %p, %n) : (i32, !llvm.ptr, i64) -> i64
        return
      }}""")
    assert own.run("say") is None
    assert capfd.readouterr().err == text

    # A check's message as the module wrote it: an empty one says so, and
    # bytes that are not UTF-8 are escaped (Python would drop the text).
    for message, expected in [("", "with an empty message"),
                              ("bad \\FF byte", "bad \\\\xFF byte")]:
        checked = qblock.compile(f"""
          func.func @f(%flag: i32) {{
            %zero = arith.constant 0 : i32
            %ok = arith.cmpi ne, %flag, %zero : i32
            cf.assert %ok, "{message}"
            return
          }}""")
        checked.run("f", 1)
        with pytest.raises(qblock.RuntimeCheckError, match=expected):
            checked.run("f", 0)
    with pytest.raises(TypeError, match="takes 1 argument, got 2"):
        checked.run("f", 1, 2)


def test_float_linalg_sizes_are_checked_at_run_time():
    # A matmul left in float (K = 100 is no multiple of a block) with
    # activations of dynamic K: another K read past the weight (garbage;
    # SIGBUS for K = 1e8) without a word (an adversarial run over the
    # package, 2026-12-07).
    w = weights(100, 8, seed=9)
    module = qblock.compile(f"""
func.func @mm(%a: tensor<?x?xf32>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {{
  %w = arith.constant {dense(w)}
  %r = linalg.matmul ins(%a, %w : tensor<?x?xf32>, tensor<100x8xf32>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}}""", "qblock-quantize-linalg,qblock-cpu-pipeline")
    a = np.random.default_rng(9).standard_normal((2, 100)).astype(np.float32)
    init = np.zeros((2, 8), np.float32)
    np.testing.assert_allclose(module.run("mm", a, init), a @ w, rtol=1e-5,
                               atol=1e-5)
    for k in (50, 200):
        with pytest.raises(qblock.RuntimeCheckError, match=r"linalg.matmul "
                           r"at <qblock.compile>:4:8: dimension #0 of "
                           r"input/output operand #1 is incompatible"):
            module.run("mm", np.ones((2, k), np.float32), init)
    # Still usable after the failed checks.
    np.testing.assert_allclose(module.run("mm", a, init), a @ w, rtol=1e-5,
                               atol=1e-5)


def test_quantize_dequantize_and_storage_sizes_are_checked_at_run_time():
    # A dynamic size where the quantized (or result) type is static: a
    # wrong one wrote past the packed buffer (heap corruption), read past
    # the input, or left rows of garbage, without a word.
    module = qblock.compile("""
func.func @q(%x: tensor<?x32xf32>) -> tensor<4x32xf32> {
  %q = qblock.quantize %x : tensor<?x32xf32> -> !qblock.qtensor<4x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %d = qblock.dequantize %q : !qblock.qtensor<4x32xf32, #qblock.scheme<mxfp4>, axis = 1> -> tensor<4x32xf32>
  return %d : tensor<4x32xf32>
}
func.func @d(%x: tensor<?x32xf32>) -> tensor<4x32xf32> {
  %q = qblock.quantize %x : tensor<?x32xf32> -> !qblock.qtensor<?x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %d = qblock.dequantize %q : !qblock.qtensor<?x32xf32, #qblock.scheme<mxfp4>, axis = 1> -> tensor<4x32xf32>
  return %d : tensor<4x32xf32>
}
func.func @s(%s: tensor<?xi8>) -> tensor<32x2xf32> {
  %w = qblock.from_storage %s : tensor<?xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %d = qblock.dequantize %w : !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0> -> tensor<32x2xf32>
  return %d : tensor<32x2xf32>
}
""", "qblock-cpu-pipeline")
    rng = np.random.default_rng(11)
    x = rng.standard_normal((4, 32)).astype(np.float32)
    expected = qblock.dequantize(qblock.quantize(x, "mxfp4", axis=1),
                                 x.shape, "mxfp4", axis=1)
    w = rng.standard_normal((32, 2)).astype(np.float32)
    packed = qblock.quantize(w, "mxfp4", axis=0)
    # The right sizes give the reference's values.
    np.testing.assert_array_equal(module.run("q", x), expected)
    np.testing.assert_array_equal(module.run("d", x), expected)
    np.testing.assert_array_equal(
        module.run("s", packed), qblock.dequantize(packed, w.shape, "mxfp4",
                                                   axis=0))
    for rows in [3, 256]:
        with pytest.raises(qblock.RuntimeCheckError,
                           match="qblock.quantize at <qblock.compile>:3:8: "
                           "the input's dimension 0 differs from the "
                           "quantized type's size 4"):
            module.run("q", np.ones((rows, 32), np.float32))
        with pytest.raises(qblock.RuntimeCheckError,
                           match="qblock.dequantize at <qblock.compile>:9:8: "
                           "the quantized input's dimension 0 differs from "
                           "the result's size 4"):
            module.run("d", np.ones((rows, 32), np.float32))
    for size in [4, packed.size + 64]:
        with pytest.raises(qblock.RuntimeCheckError,
                           match="qblock.from_storage at <qblock.compile>:13:"
                           f"8: the storage's size differs from the "
                           f"{packed.size} bytes that"):
            module.run("s", np.zeros(size, np.int8))
    np.testing.assert_array_equal(module.run("q", x), expected)

    # A weight with a dynamic batch takes the activations' batch: its
    # packed bytes must hold that many weights.
    batched = qblock.compile("""
func.func @mm(%a: tensor<3x2x32xf32>, %s: tensor<?xi8>, %i: tensor<3x2x4xf32>) -> tensor<3x2x4xf32> {
  %w = qblock.from_storage %s : tensor<?xi8> -> !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1>
  %r = qblock.matmul ins(%a, %w : tensor<3x2x32xf32>, !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%i : tensor<3x2x4xf32>) -> tensor<3x2x4xf32>
  return %r : tensor<3x2x4xf32>
}
""", "qblock-cpu-pipeline")
    wb = rng.standard_normal((3, 32, 4)).astype(np.float32)
    pb = qblock.quantize(wb, "mxfp4", axis=1)
    ab = rng.standard_normal((3, 2, 32)).astype(np.float32)
    zeros = np.zeros((3, 2, 4), np.float32)
    np.testing.assert_allclose(
        batched.run("mm", ab, pb, zeros),
        ab @ qblock.dequantize(pb, wb.shape, "mxfp4", axis=1), rtol=1e-5,
        atol=1e-5)
    with pytest.raises(qblock.RuntimeCheckError,
                       match="the weight's packed bytes differ in size"):
        batched.run("mm", ab, pb[:pb.size // 3], zeros)


def test_gpu_code_without_a_gpu_is_an_exception_not_an_exit():
    # qblock's CUDA runtime ends the process when no GPU can run the code
    # (its mgpu* functions cannot return an error); from Python that took
    # the interpreter down while the module loaded its kernels. The package
    # asks the runtime first.
    import subprocess
    from qblock import _build_info
    runtime = os.path.join(_build_info.QBLOCK_BINARY_DIR, "lib",
                           "libqblock_cuda_runtime.so")
    probe = os.path.join(_build_info.QBLOCK_BINARY_DIR, "bin",
                         "qblock-cuda-probe")
    if not os.path.exists(runtime) or not os.path.exists(probe):
        pytest.skip("no CUDA runtime library in this build")
    found = subprocess.run([probe], capture_output=True, text=True)
    if found.returncode == 0:
        pytest.skip("a GPU answers here: the GPU execution tests run instead")
    w = weights(64, 8, seed=3)
    module = qblock.compile(matmul_module(w, m=2),
                            "qblock-quantize-linalg{scheme=mxfp4},"
                            "qblock-gpu-pipeline",
                            shared_libs=[runtime])
    a = np.ones((2, 64), np.float32)
    init = np.zeros((2, 8), np.float32)
    # The same reason the probe gives ("no usable CUDA device: <why>").
    why = found.stdout.strip().split("no usable CUDA device: ", 1)[-1]
    assert why
    for _ in range(2):  # and again: the module is still there to ask
        with pytest.raises(RuntimeError) as raised:
            module.run("matmul", a, init)
        assert str(raised.value) == (
            "cannot run this module's GPU code on this machine: " + why +
            " (compile with qblock-gpu-emulation-pipeline to run the kernels "
            "on the CPU)")


def _built_library(name):
    """The path of one of the build's runtime libraries; skips the test
    where this build has none."""
    from qblock import _build_info
    path = os.path.join(_build_info.QBLOCK_BINARY_DIR, "lib", name)
    if not os.path.exists(path):
        pytest.skip(f"no {name} in this build")
    return path


def _fresh_interpreter(script, *args, **env):
    """Runs `script` with `args` in a new Python process (for what ends or
    hangs a process when it fails) and returns what it printed."""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", script, *args],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **env))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


# Run in a fresh interpreter by the test below: the CUDA runtime's library
# is loaded first, as when a session follows the RuntimeError's advice.
_GPU_THEN_EMULATOR = r"""
import sys
import numpy as np
import qblock
runtime, emulator, source = sys.argv[1:4]
a = np.random.default_rng(7).standard_normal((2, 64)).astype(np.float32)
init = np.zeros((2, 8), np.float32)
gpu = qblock.compile(source, "qblock-quantize-linalg{scheme=mxfp4},"
                     "qblock-gpu-pipeline", shared_libs=[runtime])
try:
    gpu.run("matmul", a, init)
except RuntimeError:
    pass  # no GPU here: the documented answer
emulated = qblock.compile(source, "qblock-quantize-linalg{scheme=mxfp4},"
                          "qblock-gpu-emulation-pipeline",
                          shared_libs=[emulator])
cpu = qblock.compile(source, "qblock-quantize-linalg{scheme=mxfp4},"
                     "qblock-cpu-pipeline")
np.testing.assert_allclose(emulated.run("matmul", a, init),
                           cpu.run("matmul", a, init), rtol=1e-5, atol=1e-5)
print("same")
"""


def test_gpu_runtime_and_emulator_in_one_process():
    # Both libraries defined qblockCudaCachedUpload, so once the CUDA
    # runtime was loaded, an emulated module's constant weights went to
    # the CUDA runtime (which ended the process: no driver) instead of
    # the emulator.
    runtime = _built_library("libqblock_cuda_runtime.so")
    emulator = _built_library("libqblock_gpu_emulator.so")
    assert _fresh_interpreter(
        _GPU_THEN_EMULATOR, runtime, emulator,
        matmul_module(weights(64, 8, seed=4), m=2)) == "same"


# Run in a fresh interpreter by the test below: an earlier module loads the
# CUDA runtime, and a GPU module that lists no libraries runs after it.
_RUNTIME_LOADED_EARLIER = r"""
import sys
import numpy as np
import qblock
runtime, source = sys.argv[1:3]
a = np.ones((2, 64), np.float32)
init = np.zeros((2, 8), np.float32)
qblock.compile(source, qblock.CPU_PIPELINE,
               shared_libs=[runtime]).run("matmul", a, init)
gpu = qblock.compile(source, "qblock-quantize-linalg{scheme=mxfp4},"
                     "qblock-gpu-pipeline")
try:
    gpu.run("matmul", a, init)
except RuntimeError as error:
    print(str(error).split(":")[0])
"""


def test_gpu_runtime_loaded_by_an_earlier_module():
    # The JIT resolves a module's mgpu* calls in the runtime that an
    # earlier module loaded into the process, but the package asked only
    # the module's own libraries whether it can run: the interpreter ended
    # on "no CUDA driver" (an adversarial run over the package, 2026-12-07).
    runtime = _built_library("libqblock_cuda_runtime.so")
    probe = os.path.join(os.path.dirname(os.path.dirname(runtime)), "bin",
                         "qblock-cuda-probe")
    import subprocess
    if os.path.exists(probe) and subprocess.run(
            [probe], capture_output=True).returncode == 0:
        pytest.skip("a GPU answers here: the module would run")
    assert _fresh_interpreter(
        _RUNTIME_LOADED_EARLIER, runtime,
        matmul_module(weights(64, 8, seed=5), m=2)) == (
            "cannot run this module's GPU code on this machine")



# Run in a fresh interpreter by the test below, under OpenMP settings that
# shorten teams (argv[3]: "dynamic" or "levels").
_EMULATED_UNDER_OPENMP_SETTINGS = r"""
import ctypes
import sys
import numpy as np
import qblock
emulator, source, mode = sys.argv[1:4]
a = np.random.default_rng(3).standard_normal((2, 64)).astype(np.float32)
init = np.zeros((2, 8), np.float32)
emulated = qblock.compile(source, "qblock-quantize-linalg{scheme=mxfp4},"
                          "qblock-gpu-emulation-pipeline",
                          shared_libs=[emulator])
cpu = qblock.compile(source, "qblock-quantize-linalg{scheme=mxfp4},"
                     "qblock-cpu-pipeline")
if mode == "levels":
    try:
        emulated.run("matmul", a, init)
        print("ran")
    except qblock.RuntimeCheckError as error:
        print("OMP_MAX_ACTIVE_LEVELS" in str(error), end=" ")
    # The JIT loaded libomp globally; with a level allowed, the same module
    # runs (the failed check left no launch half begun).
    ctypes.CDLL(None).omp_set_max_active_levels(1)
np.testing.assert_allclose(emulated.run("matmul", a, init),
                           cpu.run("matmul", a, init), rtol=1e-5, atol=1e-5)
print("same")
"""


def test_emulated_kernels_under_openmp_settings_that_shorten_teams():
    # Under OMP_DYNAMIC the OpenMP runtime started fewer threads than a
    # thread block has, and the emulator's check inside the team ended the
    # interpreter: dynamic teams are now off while a launch runs. Settings
    # a launch cannot change (OMP_MAX_ACTIVE_LEVELS=0, a small
    # OMP_THREAD_LIMIT) fail a check before it: a RuntimeCheckError.
    emulator = _built_library("libqblock_gpu_emulator.so")
    source = matmul_module(weights(64, 8, seed=6), m=2)
    assert _fresh_interpreter(_EMULATED_UNDER_OPENMP_SETTINGS, emulator,
                              source, "dynamic",
                              OMP_DYNAMIC="true") == "same"
    assert _fresh_interpreter(_EMULATED_UNDER_OPENMP_SETTINGS, emulator,
                              source, "levels",
                              OMP_MAX_ACTIVE_LEVELS="0") == "True same"


def test_text_without_utf8_and_bad_library_lists():
    # Lone surrogates (os.fsdecode of a name that is not UTF-8, or written
    # out) gave pybind11's signature dump; a library whose name is not
    # UTF-8 could not be passed at all (the same adversarial run).
    source = "func.func @f(%x: f32) -> f32 { return %x : f32 }"
    lowering = "convert-func-to-llvm,reconcile-unrealized-casts"
    for call, what in [
            (lambda: qblock.compile(source + "\ud800", lowering),
             "the module text"),
            (lambda: qblock.compile(source, lowering + "\ud800"),
             "the pipeline"),
            (lambda: qblock.compile(source, lowering, remarks="q\ud800"),
             "remarks")]:
        with pytest.raises(ValueError, match=f"{what} is not valid Unicode "
                           "text: it holds '\\\\ud800' at offset"):
            call()
    module = qblock.compile(source, lowering)
    with pytest.raises(ValueError, match="entry is not valid Unicode text"):
        module.run("f\ud800", 1.0)
    with pytest.raises(TypeError, match="shared_libs must be a path or a "
                       "sequence of paths"):
        qblock.compile(source, lowering, shared_libs=None)
    with pytest.raises(ValueError, match="shared_libs holds an empty path"):
        qblock.compile(source, lowering, shared_libs=[""])
    with pytest.raises(TypeError, match="shared_libs must hold paths, got 3"):
        qblock.compile(source, lowering, shared_libs=[3])
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as directory:
        name = os.path.join(os.fsencode(directory), b"lib\xff.so")
        shutil.copy(_built_library("libqblock_gpu_emulator.so"), name)
        for libs in ([name], [os.fsdecode(name)]):
            assert qblock.compile(source, lowering,
                                  shared_libs=libs).run("f", 2.5) == 2.5


# The start of the scripts below: matmul_module(weights(K, N), m=M) through
# the GPU emulation pipeline (arguments: the emulator, the source, M, K, N),
# and its result for random activations, called alone.
_EMULATED_MATMUL = r"""
import os, signal, sys, threading, time
import numpy as np
import qblock
emulator, source = sys.argv[1:3]
m, k, n = map(int, sys.argv[3:6])
module = qblock.compile(source, "qblock-quantize-linalg,"
                        "qblock-gpu-emulation-pipeline", shared_libs=[emulator])
a = np.random.default_rng(8).standard_normal((m, k)).astype(np.float32)
init = np.zeros((m, n), np.float32)
alone = module.run("matmul", a, init)
"""


def _emulated_matmul_script(body, m, k, n):
    """_EMULATED_MATMUL, then `body`, with the arguments it takes."""
    return [_EMULATED_MATMUL + body,
            _built_library("libqblock_gpu_emulator.so"),
            matmul_module(weights(k, n, seed=8), m=m), str(m), str(k), str(n)]


# Run in a fresh interpreter by the test below (a mixed-up launch ends the
# process): one emulated module called from several Python threads at once.
_EMULATED_FROM_THREADS = r"""
results = []
def calls():
    for _ in range(3):
        results.append(module.run("matmul", a, init))
threads = [threading.Thread(target=calls) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert len(results) == 6
assert all(np.array_equal(r, alone) for r in results)
print("same")
"""


def test_emulated_module_from_threads():
    # The emulator's warp state is one per process, and Module.run releases
    # the GIL: two threads' launches mixed their warps, and a shuffle waited
    # for lanes of the other launch until the timeout ended the process.
    # Launches now take turns.
    assert _fresh_interpreter(
        *_emulated_matmul_script(_EMULATED_FROM_THREADS, 5, 128, 16),
        QBLOCK_GPU_EMULATOR_TIMEOUT="10", OMP_WAIT_POLICY="passive") == "same"


# Run in a fresh interpreter by the test below: fork() while another thread
# runs emulated launches, then a launch in the child.
_EMULATED_FORK = r"""
stop = False
def calls():
    while not stop:
        module.run("matmul", a, init)
busy = threading.Thread(target=calls)
busy.start()
time.sleep(0.3)
statuses = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        signal.alarm(30)
        same = np.array_equal(module.run("matmul", a, init), alone)
        os._exit(0 if same else 3)
    statuses.append(os.waitpid(pid, 0)[1])
stop = True
busy.join()
print(statuses)
"""


def test_emulated_launch_after_fork():
    # A child forked while another thread of the parent was inside a launch
    # inherited the launch lock held, and its first launch waited forever
    # (Python's multiprocessing forks).
    assert _fresh_interpreter(
        *_emulated_matmul_script(_EMULATED_FORK, 8, 128, 32),
        OMP_WAIT_POLICY="passive") == "[0, 0, 0]"


_SCALE_BY_TWO = """
func.func @scale(%a: memref<?xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %out[%i] : memref<?xf32>
  }
  return
}
"""


def _lowering(index_bits=64, extra=""):
    return (extra + "convert-scf-to-cf,"
            f"convert-arith-to-llvm{{index-bitwidth={index_bits}}},"
            f"finalize-memref-to-llvm{{index-bitwidth={index_bits}}},"
            f"convert-cf-to-llvm{{index-bitwidth={index_bits}}},"
            f"convert-func-to-llvm{{index-bitwidth={index_bits}}},"
            "reconcile-unrealized-casts")


def test_run_refuses_another_calling_convention():
    # Module.run passes what the function took before the pipeline, as MLIR's
    # default calling convention lowers it. A pipeline that lowers to
    # another convention got the wrong arguments: 32-bit indices left the
    # output all zeros, results turned into out-parameters crashed.
    a = np.arange(4, dtype=np.float32)
    out = np.zeros(4, np.float32)
    qblock.compile(_SCALE_BY_TWO, _lowering()).run("scale", a, out)
    np.testing.assert_array_equal(out, 2 * a)
    narrow = qblock.compile(_SCALE_BY_TWO, _lowering(index_bits=32))
    with pytest.raises(ValueError, match="cannot call 'scale' from Python: "
                       "the pipeline lowered it to .*i32.*, not to .*, which "
                       "Module.run passes \\(MLIR's default calling "
                       "convention"):
        narrow.run("scale", a, out)
    returns = _SCALE_BY_TWO.replace(
        "(%a: memref<?xf32>, %out: memref<?xf32>) {",
        "(%a: memref<?xf32>) -> memref<?xf32> {"
        "\n  %z = arith.constant 0 : index"
        "\n  %m = memref.dim %a, %z : memref<?xf32>"
        "\n  %out = memref.alloc(%m) : memref<?xf32>").replace(
        "  return\n", "  return %out : memref<?xf32>\n")
    np.testing.assert_array_equal(
        qblock.compile(returns, _lowering()).run("scale", a), 2 * a)
    outparams = qblock.compile(returns, _lowering(
        extra="buffer-results-to-out-params{modify-public-functions=true},"))
    with pytest.raises(ValueError, match="cannot call 'scale' from Python: "
                       "the pipeline lowered it to"):
        outparams.run("scale", a)


def test_run_calls_top_level_functions_only():
    # A nested module's @f lent its signature to the top-level @f (the walk
    # met it later): run passed two doubles to a function of a memref.
    source = """
    module {
      func.func @f(%a: memref<4xf32>) -> f32 {
        %c1 = arith.constant 1 : index
        %x = memref.load %a[%c1] : memref<4xf32>
        return %x : f32
      }
      module @inner {
        func.func @f(%a: f64, %b: f64) -> f64 {
          %s = arith.addf %a, %b : f64
          return %s : f64
        }
      }
    }
    """
    module = qblock.compile(source, _lowering())
    assert module.functions == ["f"]
    a = np.arange(4, dtype=np.float32)
    assert module.run("f", a) == 1.0
    with pytest.raises(TypeError, match="'f' takes 1 argument, got 2"):
        module.run("f", 1.0, 2.0)


def test_sparse_tensor_arguments_are_refused():
    # The sparsifier passes a sparse tensor as several buffers; run passed
    # one array's descriptor (a segfault).
    source = """
    #csr = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j : compressed)}>
    func.func @total(%a: tensor<4x4xf32, #csr>) -> f32 {
      %zero = arith.constant 0.0 : f32
      %init = tensor.empty() : tensor<f32>
      %filled = linalg.fill ins(%zero : f32) outs(%init : tensor<f32>) -> tensor<f32>
      %sum = linalg.reduce ins(%a : tensor<4x4xf32, #csr>) outs(%filled : tensor<f32>) dimensions = [0, 1]
        (%x: f32, %acc: f32) {
          %s = arith.addf %x, %acc : f32
          linalg.yield %s : f32
        }
      %r = tensor.extract %sum[] : tensor<f32>
      return %r : f32
    }
    """
    module = qblock.compile(source, "")
    with pytest.raises(ValueError, match="cannot call 'total' from Python: "
                       "tensors with an encoding \\(sparse ones\\) cannot "
                       "be passed"):
        module.run("total", np.ones((4, 4), np.float32))


def test_unloading_a_module_frees_its_kept_scratch():
    # The CPU pipeline's allocator keeps freed blocks of 64 KiB and more
    # for the next call; they used to stay allocated after the Module was
    # gone, so a session compiling module after module grew without bound
    # (here 4 MiB per module: the intermediate `t`, which the argument,
    # not writable, cannot hold).
    ctypes = pytest.importorskip("ctypes")
    import platform
    if platform.machine().lower() in ("aarch64", "arm64"):
        pytest.skip("MLIR's ExecutionEngine runs no global destructors on "
                    "AArch64 (LLVM issue 71963)")

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks "
            "fordblks keepcost").split()]

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = MallInfo2
    except (OSError, AttributeError):
        pytest.skip("needs glibc's mallinfo2")

    def in_use():
        info = libc.mallinfo2()
        return info.uordblks + info.hblkhd

    source = """
      func.func @f(%a: tensor<?xf32> {bufferization.writable = false})
          -> tensor<1xf32> {
        %t = arith.addf %a, %a : tensor<?xf32>
        %zero = arith.constant 0.0 : f32
        %e = tensor.empty() : tensor<1xf32>
        %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1xf32>)
            -> tensor<1xf32>
        %s = linalg.generic {
            indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (0)>],
            iterator_types = ["reduction"]}
            ins(%t : tensor<?xf32>) outs(%init : tensor<1xf32>) {
        ^bb0(%x: f32, %acc: f32):
          %y = arith.addf %x, %acc : f32
          linalg.yield %y : f32
        } -> tensor<1xf32>
        return %s : tensor<1xf32>
      }"""
    a = np.full(1 << 20, 0.5, np.float32)

    def cycle():
        module = qblock.compile(source, qblock.CPU_PIPELINE)
        np.testing.assert_array_equal(module.run("f", a), [float(1 << 20)])
        del module

    cycle()
    before = in_use()
    for _ in range(4):
        cycle()
    assert in_use() - before < 2 << 20


@pytest.mark.parametrize("weights,acts", [
    ("blockdialect", "blockdialect"), ("blockdialect", "int8"),
    ("mxfp4", "mxfp4"), ("int4", "int8"), ("nvfp4", "blockdialect"),
    ("nvfp4", "int8"), ("nvfp4", "nvfp4"), ("blockdialect", "nvfp4")])
@pytest.mark.parametrize("m", [1, 3, 9])
def test_integer_path_is_bit_exact_with_the_reference(weights, acts, m):
    # The W4A4/W4A8 kernels (per-element for small M, tiled and, on
    # AVX-512, VNNI for M >= 4) against numerics' integer reference: every
    # output bit, a NaN activation row included.
    k, n = 256, 37
    w = weights_with_outliers(k, n, seed=m + len(weights))
    rng = np.random.default_rng(m + len(acts))
    a = (rng.standard_normal((m, k)) * 2).astype(np.float32)
    a[:, 7] *= 30.0                      # an outlier channel
    if m > 2:
        a[1, 40] = np.nan
    init = rng.standard_normal((m, n)).astype(np.float32)
    pipeline = (f"builtin.module(qblock-quantize-linalg{{scheme={weights} "
                f"acts={acts}}},qblock-fuse-activation-quant,"
                "qblock-select-formats,qblock-cpu-pipeline)")
    c = qblock.compile(matmul_module(w), pipeline).run("matmul", a, init)
    expected = qblock.integer_matmul(a, w, weights, acts, init)
    np.testing.assert_array_equal(c, expected)
    if m > 2:
        assert np.isnan(c[1]).all() and not np.isnan(np.delete(c, 1, 0)).any()
    # Not vacuous: quantizing the activations changed the result.
    plain = init + a @ qblock.dequantize(
        qblock.quantize(w, weights, axis=0), w.shape, weights, axis=0)
    rows = [i for i in range(m) if i != 1 or m <= 2]
    assert np.abs(c[rows] - plain[rows]).max() > 1e-4


@pytest.mark.parametrize("acts", ["int8", "blockdialect"])
@pytest.mark.parametrize("m", [1, 5])
def test_full_path_is_bit_exact_with_the_reference(acts, m):
    # full-path=true: a matmul of two run-time activations, both quantized
    # online with the acts scheme (INT8 x INT8 takes 8x8-bit block dots),
    # against numerics' integer reference, every output bit.
    k, n = 128, 19
    rng = np.random.default_rng(m + len(acts))
    a = (rng.standard_normal((m, k)) * 3).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    b[5, :] *= 40.0                      # an outlier row of the right operand
    init = rng.standard_normal((m, n)).astype(np.float32)
    module = f"""
func.func @mm(%a: tensor<{m}x{k}xf32>, %b: tensor<{k}x{n}xf32>,
              %init: tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32> {{
  %r = linalg.matmul ins(%a, %b : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>)
         outs(%init : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %r : tensor<{m}x{n}xf32>
}}
"""
    pipeline = (f"builtin.module(qblock-quantize-linalg{{acts={acts} "
                "full-path=true},qblock-cpu-pipeline)")
    c = qblock.compile(module, pipeline).run("mm", a, b, init)
    rhs = (qblock.Scheme("blockdialect", select="two-stage")
           if acts == "blockdialect" else acts)
    np.testing.assert_array_equal(c, qblock.integer_matmul(a, b, rhs, acts,
                                                           init))
    assert np.abs(c - (init + a @ b)).max() > 1e-3


def test_integer_gemv_decodes_every_e8m0_scale_code_like_the_tiles():
    # The VNNI GEMV kernel decodes E8M0 weight scales arithmetically, the
    # tiled kernel through the numerics core's table: on packed weights
    # with the extreme codes (0 and 1: subnormal half scales, 254, 255: NaN)
    # both give the same bits. Column 0 has only codes 0, 1, 2 and a zero
    # init, so a wrong subnormal scale changes its (tiny, exact) result.
    k, n, m = 128, 19, 1
    size = qblock.storage_bytes((n, k), "blockdialect", axis=1)
    blocks = n * k // 32
    scales = size - 128             # the scale bytes, after codes and ids
    rng = np.random.default_rng(11)
    w = rng.integers(0, 256, size, dtype=np.uint8)
    w[scales:scales + blocks] = rng.integers(118, 134, blocks)
    for block, code in {0: 0, 1: 1, 2: 2, 3: 1, 14: 254, 22: 255,
                        40: 1, 75: 0}.items():
        w[scales + block] = code
    a = (rng.standard_normal((m, k)) * 3).astype(np.float32)
    init = rng.standard_normal((m, n)).astype(np.float32)
    init[0, 0] = 0.0
    module = f"""
func.func @mm(%a: tensor<{m}x{k}xf32>, %w: tensor<{size}xi8>,
              %init: tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32> {{
  %q = qblock.from_storage %w : tensor<{size}xi8> -> !qblock.qtensor<{k}x{n}xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<{m}x{k}xf32>, !qblock.qtensor<{k}x{n}xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<{m}x{n}xf32>) {{act_scheme = #qblock.scheme<blockdialect, select = two_stage>}} -> tensor<{m}x{n}xf32>
  return %r : tensor<{m}x{n}xf32>
}}
"""
    def run(pipeline):
        return qblock.compile(module, pipeline).run("mm", a, w.view(np.int8),
                                                    init)
    gemv = run("builtin.module(qblock-cpu-pipeline)")
    tiled = run("builtin.module(convert-qblock-to-cpu{w4a4-tile-rows=1},"
                "qblock-cpu-pipeline)")
    np.testing.assert_array_equal(gemv.view(np.uint32), tiled.view(np.uint32))
    assert gemv[0, 0] != 0.0 and abs(gemv[0, 0]) < 1e-30
    assert np.isnan(gemv[0, 5]) and abs(gemv[0, 3]) > 1e30


def weights_with_outliers(k, n, seed):
    w = weights(k, n, seed)
    w[::17, ::5] *= 8.0
    return w
