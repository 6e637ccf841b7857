# -*- Python -*-
# lit configuration for qblock's FileCheck tests.

import os

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
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
config.substitutions.append(("%qblock_lib_dir", config.qblock_lib_dir))
config.substitutions.append(("%qblock_src_root", config.qblock_src_root))
config.substitutions.append(("%qblock_obj_root", config.qblock_obj_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.qblock_tools_dir, config.llvm_tools_dir]
tools = ["quant-opt", "mlir-opt", "mlir-runner", "mlir-translate"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.qblock_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# The ahead-of-time example needs clang and libomp from LLVM 22.
if os.path.exists(os.path.join(config.llvm_tools_dir, "clang")) and \
        os.path.exists(os.path.join(config.mlir_lib_dir, "libomp.so")):
    config.available_features.add("aot-toolchain")
