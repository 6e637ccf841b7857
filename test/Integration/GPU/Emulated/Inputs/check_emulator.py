#!/usr/bin/env python3
"""Checks the output of emulator.mlir's kernel against what the GPU
operations it uses mean (gpu dialect: thread ids, barrier + workgroup
memory, gpu.shuffle xor/down/up/idx and its valid flag, gpu.lane_id),
computed here independently, for a grid of 2 x 2 blocks of 32 x 2
threads."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "CPU", "Inputs"))
from check_matmul import parse_runner  # noqa: E402

GRID_X, GRID_Y, BLOCK_X, BLOCK_Y, WARP = 2, 2, 32, 2, 32
THREADS = BLOCK_X * BLOCK_Y
FEATURES = 10


def expected():
    rows = []
    for by in range(GRID_Y):
        for bx in range(GRID_X):
            block = bx + GRID_X * by
            for t in range(THREADS):
                lane, warp = t % WARP, t // WARP
                value = lambda lane_: float(warp * WARP + lane_ + 100 * block)
                xor_sum = sum(value(l) for l in range(WARP))
                mirror = float(2 * (THREADS - 1 - t) + 1000 * block)
                down_ok = lane + 1 < WARP
                up_ok = lane - 3 >= 0
                rows.append([
                    xor_sum,
                    mirror,
                    value(lane + 1) if down_ok else value(lane),
                    float(down_ok),
                    value(lane - 3) if up_ok else value(lane),
                    float(up_ok),
                    value(7),
                    float(lane),
                    value(lane ^ 1) if lane < 16 else value(lane),
                    float(lane < 16),
                ])
    return rows


def main():
    shape, values = parse_runner(open(sys.argv[1]).read())
    want = [v for row in expected() for v in row]
    if shape != [GRID_Y, GRID_X, THREADS, FEATURES]:
        sys.exit(f"check_emulator: FAIL shape {shape}")
    bad = [i for i, (a, b) in enumerate(zip(values, want)) if a != b]
    if bad:
        i = bad[0]
        sys.exit(f"check_emulator: FAIL {len(bad)} values differ; first at "
                 f"flat index {i}: got {values[i]}, want {want[i]}")
    print("check_emulator: PASS")


if __name__ == "__main__":
    main()
