# -*- Python -*-
# lit configuration for qblock's FileCheck tests.

import os
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "QBLOCK"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qblock_obj_root, "test")
# test/Unit is a suite of its own (gtest binaries); inputs in "Inputs" folders
# are not tests.
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
config.substitutions.append(("%qblock_lib_dir", config.qblock_lib_dir))
config.substitutions.append(("%qblock_src_root", config.qblock_src_root))
config.substitutions.append(("%qblock_obj_root", config.qblock_obj_root))
# What mlir-runner needs to run the CPU pipelines' output: its support
# libraries (memrefCopy, printMemrefF32) and LLVM's OpenMP runtime.
config.mlir_runner_libs = [
    os.path.join(config.mlir_lib_dir, "libmlir_c_runner_utils.so"),
    os.path.join(config.mlir_lib_dir, "libmlir_runner_utils.so"),
    os.path.join(config.mlir_lib_dir, "libomp.so"),
]
config.substitutions.append(
    ("%mlir_runner_libs", ",".join(config.mlir_runner_libs)))
if all(os.path.exists(lib) for lib in config.mlir_runner_libs):
    config.available_features.add("mlir-runner-libs")

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.qblock_tools_dir, config.llvm_tools_dir]
tools = ["quant-opt", "mlir-opt", "mlir-runner", "mlir-translate"]
# qblock-bench is built only where OpenBLAS is installed; the sanitizer
# build (scripts/test-sanitized.sh) builds none of the bench tools.
for _bench_tool in ("qblock-bench", "qblock-accuracy", "qblock-quantize-bench"):
    if os.path.exists(os.path.join(config.qblock_tools_dir, _bench_tool)):
        tools.append(_bench_tool)
        config.available_features.add(_bench_tool)
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.qblock_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Kernels compiled for target=avx512 run only on CPUs with AVX-512; they are
# compiled (and FileChecked) everywhere.
try:
    with open("/proc/cpuinfo") as _cpuinfo:
        _flags = set()
        for _line in _cpuinfo:
            if _line.startswith("flags"):
                _flags.update(_line.split(":", 1)[1].split())
    if {"avx512f", "avx512bw", "avx512vl"} <= _flags:
        config.available_features.add("cpu-avx512")
    # Byte permutes and dot products (LUT-GEMM's int8 tables on avx512).
    if {"avx512f", "avx512bw", "avx512vl", "avx512vbmi", "avx512_vnni"} <= _flags:
        config.available_features.add("cpu-avx512-bytes")
    # bf16 dot products and word permutes (W4A16 with bf16 activations).
    if {"avx512f", "avx512bw", "avx512_bf16"} <= _flags:
        config.available_features.add("cpu-avx512-bf16")
    # The CPU feature check's failure path runs where a feature is missing.
    if "avx512_fp16" in _flags:
        config.available_features.add("cpu-avx512fp16")
    if "sse2" in _flags:
        config.available_features.add("cpu-x86")
    # target=host takes the vector paths (avx2 or avx512), not generic.
    if {"avx2", "fma"} <= _flags:
        config.available_features.add("cpu-avx2")
except OSError:
    pass

# The host CPU as LLVM names it (llc --version), for the lowerings that tune
# by it with target=host (e.g. host-cpu-znver4).
try:
    _llc = subprocess.run([os.path.join(config.llvm_tools_dir, "llc"),
                           "--version"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
    for _line in _llc.stdout.splitlines():
        if "Host CPU:" in _line:
            config.available_features.add(
                "host-cpu-" + _line.split(":", 1)[1].strip())
except OSError:
    pass

# The ahead-of-time example needs clang and libomp from LLVM 22.
if os.path.exists(os.path.join(config.llvm_tools_dir, "clang")) and \
        os.path.exists(os.path.join(config.mlir_lib_dir, "libomp.so")):
    config.available_features.add("aot-toolchain")

# Ecosystem: the mlir-opt plugin, the Python package, the install tree.
config.substitutions.append(
    ("%qblock_plugin", os.path.join(config.qblock_lib_dir,
                                    "libQBlockPlugin.so")))
config.substitutions.append(
    ("%stock_mlir_opt", os.path.join(config.llvm_tools_dir, "mlir-opt")))
config.substitutions.append(
    ("%clang", os.path.join(config.llvm_tools_dir, "clang")))
# python/CMakeLists.txt writes _build_info.py when it builds the package; a
# package that is configured but fails to build then fails its tests.
_qblock_build_info = os.path.join(config.qblock_obj_root, "python_packages",
                                  "qblock", "_build_info.py")
if os.path.exists(_qblock_build_info):
    _info = {}
    with open(_qblock_build_info) as f:
        exec(f.read(), _info)
    config.available_features.add("python-bindings")
    config.substitutions.append(
        ("%qblock_pkgdir", os.path.join(config.qblock_obj_root,
                                        "python_packages")))
    config.substitutions.append(("%qblock_python", _info["PYTHON_EXECUTABLE"]))
import shutil
if shutil.which("cmake") and shutil.which("ninja"):
    config.available_features.add("cmake-ninja")

# ASan + UBSan builds (QBLOCK_SANITIZE): hosts that are not instrumented
# (Python, Debian's mlir-opt loading our plugin, plain C programs linking our
# libraries) cannot load the instrumented code; such tests are UNSUPPORTED.
if getattr(config, "qblock_sanitize", "OFF") in ("ON", "1", "TRUE"):
    config.available_features.add("sanitized")

# GPU tests that assemble PTX need CUDA's ptxas (not a GPU).
if os.path.exists("/usr/local/cuda/bin/ptxas"):
    config.available_features.add("ptxas")
    llvm_config.with_environment("PATH", "/usr/local/cuda/bin", append_path=True)

# The CUDA runtime (lib/Runtime) is built where CUDA's headers are; kernels
# run only where qblock-cuda-probe finds a device. Without one, GPU execution
# tests are UNSUPPORTED, never passed.
_cuda_runtime = os.path.join(config.qblock_lib_dir, "libqblock_cuda_runtime.so")
_cuda_probe = os.path.join(config.qblock_tools_dir, "qblock-cuda-probe")
if os.path.exists(_cuda_runtime) and os.path.exists(_cuda_probe):
    config.available_features.add("cuda-runtime")
    _probe = subprocess.run([_cuda_probe], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if _probe.returncode == 0:
        config.available_features.add("cuda-gpu")
    lit_config.note("qblock-cuda-probe: " + _probe.stdout.strip())
