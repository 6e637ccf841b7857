#!/usr/bin/env python3
"""Checks emulator-prmt.mlir's output against prmt.b32 as the PTX ISA
defines it (default mode): the 8 source bytes are {b, a}, a holding bytes
0-3; result byte i takes the byte numbered by bits 4i..4i+2 of the
selector c, or, when bit 4i+3 is set, that byte's most significant bit
replicated into all 8 bits. Bits 16-31 of c are not read."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "CPU", "Inputs"))
from check_matmul import parse_runner  # noqa: E402

THREADS = 64
MASK = 0xFFFFFFFF


def prmt(a, b, c):
    source = [(a >> (8 * i)) & 0xFF for i in range(4)]
    source += [(b >> (8 * i)) & 0xFF for i in range(4)]
    result = 0
    for i in range(4):
        nibble = (c >> (4 * i)) & 0xF
        byte = source[nibble & 7]
        if nibble & 8:
            byte = 0xFF if byte & 0x80 else 0
        result |= byte << (8 * i)
    return result


def expected():
    rows = []
    for t in range(THREADS):
        a = (t * 0x9E3779B1) & MASK
        b = ((a ^ 0x5BD1E995) + t) & MASK
        c = (t * 0x01234567) & MASK
        results = [prmt(a, b, c), prmt(a, b, c | 0x8888),
                   prmt(b, a, 0x7440 | (t % 4))]
        rows.append([float(half) for r in results
                     for half in (r & 0xFFFF, r >> 16)])
    return rows


def main():
    # Known answers, from the PTX ISA's description, for the check itself.
    assert prmt(0x03020100, 0x07060504, 0x3210) == 0x03020100
    assert prmt(0x03020100, 0x07060504, 0x7654) == 0x07060504
    assert prmt(0x00000080, 0, 0x4448) == 0x000000FF
    assert prmt(0x00000080, 0, 0x0008) == 0x808080FF
    assert prmt(0x00000012, 0x4B000000, 0x7440) == 0x4B000012
    shape, values = parse_runner(open(sys.argv[1]).read())
    want = [v for row in expected() for v in row]
    if shape != [THREADS, 6]:
        sys.exit(f"check_emulator_prmt: FAIL shape {shape}")
    bad = [i for i, (x, y) in enumerate(zip(values, want)) if x != y]
    if bad:
        i = bad[0]
        sys.exit(f"check_emulator_prmt: FAIL {len(bad)} values differ; first "
                 f"at flat index {i}: got {values[i]}, want {want[i]}")
    print("check_emulator_prmt: PASS")


if __name__ == "__main__":
    main()
