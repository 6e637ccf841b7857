#!/usr/bin/env python3
"""Prints, as printMemrefF32 does, what the @main of
`examples/make_mlp.py --main` prints: relu(x @ W_up) @ W_down^T in float64
from the generator's own weights and input (the weights as the module
text writes them, to 5 significant digits), computed here without MLIR."""
import os
import sys

sys.path.insert(0, sys.argv[1])  # the examples directory
sys.dont_write_bytecode = True
import make_mlp  # noqa: E402


def main():
    d, h, seed = 32, 64, 7  # make_mlp.py's defaults
    w_up, w_down = make_mlp.mlp_weights(d, h, seed)
    as_written = lambda rows: [[float(make_mlp.weight_text(v)) for v in r]
                               for r in rows]
    w_up, w_down = as_written(w_up), as_written(w_down)
    y = []
    for row in make_mlp.main_input(d):
        hidden = [max(0.0, sum(row[k] * w_up[k][j] for k in range(d)))
                  for j in range(h)]
        y.append([sum(hidden[k] * w_down[n][k] for k in range(h))
                  for n in range(d)])
    print(f"Unranked Memref rank = 2 offset = 0 sizes = [{len(y)}, {d}] "
          f"strides = [{d}, 1] data = ")
    print("[" + ", \n ".join(
        "[" + ", ".join(repr(v) for v in r) + "]" for r in y) + "]")


if __name__ == "__main__":
    main()
