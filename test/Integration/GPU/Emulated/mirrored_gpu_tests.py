"""lit test format for test/Integration/GPU/Emulated (see lit.local.cfg).

A module of its own, not a class in lit.local.cfg: lit sends the format to
its worker processes, which needs an importable class."""
import os

import lit.Test
import lit.formats


class TestFromElsewhere(lit.Test.Test):
    """A test whose source is another directory's file (its %s, %S and
    RUN lines are read from there); its outputs (%t) stay in this one."""

    def getSourcePath(self):
        return self.file_path


class WithGPUTestsOneUp(lit.formats.ShTest):
    """This directory's tests, plus the tests of the parent directory that
    REQUIRE cuda-gpu, under the same file names (sources read from there,
    outputs kept here)."""

    def getTestsInDirectory(self, testSuite, path_in_suite, litConfig,
                            localConfig):
        yield from super().getTestsInDirectory(testSuite, path_in_suite,
                                               litConfig, localConfig)
        parent = os.path.dirname(testSuite.getSourcePath(path_in_suite))
        for name in sorted(os.listdir(parent)):
            path = os.path.join(parent, name)
            if not os.path.isfile(path) or not any(
                    name.endswith(suffix) for suffix in localConfig.suffixes):
                continue
            with open(path) as f:
                if "REQUIRES: cuda-gpu" not in f.read():
                    continue
            yield TestFromElsewhere(testSuite, path_in_suite + (name,),
                                   localConfig, file_path=path)
