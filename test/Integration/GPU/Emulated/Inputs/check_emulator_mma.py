#!/usr/bin/env python3
"""Checks emulator-mma.mlir's output: D = C + A * B for its A (16 x 16),
B (16 x 8) and C (16 x 8), computed here; with --s8, emulator-mma-s8.mlir's
(A 16 x 32, B 32 x 8: signed bytes, an s32 accumulator), twice: over all
32 k (D[0]) and over the first 16 (D[1])."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "CPU", "Inputs"))
from check_matmul import parse_runner  # noqa: E402


def main():
    s8 = "--s8" in sys.argv[2:]
    if s8:
        depths = [32, 16]
        a = [[(r * 32 + c) % 11 - 5 for c in range(32)] for r in range(16)]
        b = [[(k * 8 + n) % 7 - 3 for n in range(8)] for k in range(32)]
    else:
        depths = [16]
        a = [[(r * 16 + c) % 7 - 3 for c in range(16)] for r in range(16)]
        b = [[(k * 8 + n) % 5 - 2 for n in range(8)] for k in range(16)]
    want = [100 * r + n + sum(a[r][k] * b[k][n] for k in range(depth))
            for depth in depths for r in range(16) for n in range(8)]
    shape, got = parse_runner(open(sys.argv[1]).read())
    if shape != ([2, 16, 8] if s8 else [16, 8]):
        sys.exit(f"check_emulator_mma: FAIL shape {shape}")
    bad = [i for i, (x, y) in enumerate(zip(got, want)) if x != y]
    if bad:
        i = bad[0]
        sys.exit(f"check_emulator_mma: FAIL {len(bad)} values differ; first "
                 f"D[{i // 128}][{i // 8 % 16}][{i % 8}] = {got[i]}, "
                 f"want {want[i]}")
    print("check_emulator_mma: PASS")


if __name__ == "__main__":
    main()
