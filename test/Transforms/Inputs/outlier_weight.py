#!/usr/bin/env python3
"""Prints a function returning one qblock.quantize of a K x N constant
weight: ordinary values in [-2.4, 2.4] and, at [0, 0], one outlier.

usage: outlier_weight.py K N OUTLIER QTENSOR_ENCODING
e.g.   outlier_weight.py 128 101 70000 "#qblock.bcq<bits = 3, group = 128, fit = uniform>"
"""
import sys

k, n, encoding = int(sys.argv[1]), int(sys.argv[2]), sys.argv[4]
outlier = repr(float(sys.argv[3]))
rows = []
for i in range(k):
    row = [f"{((i * 7 + j * 13) % 49 - 24) / 10:.1f}" for j in range(n)]
    if i == 0:
        row[0] = outlier
    rows.append("[" + ", ".join(row) + "]")
qtype = f"!qblock.qtensor<{k}x{n}xf32, {encoding}, axis = 0>"
print(f"func.func @outlier() -> {qtype} {{")
print(f"  %w = arith.constant dense<[{', '.join(rows)}]> : tensor<{k}x{n}xf32>")
print(f"  %q = qblock.quantize %w : tensor<{k}x{n}xf32> -> {qtype}")
print(f"  return %q : {qtype}")
print("}")
