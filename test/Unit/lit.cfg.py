# -*- Python -*-
# Runs the gtest unit tests (build/unittests/*Tests) as lit tests, so one lit
# invocation reports every test of the project.

import os

import lit.formats

config.name = "QBLOCK-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.qblock_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
