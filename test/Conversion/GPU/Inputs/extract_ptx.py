#!/usr/bin/env python3
"""Writes the PTX of every gpu.binary in an MLIR file to OUT_PREFIX<i>.ptx
and prints how many it wrote."""
import re
import sys

text = open(sys.argv[1]).read()
assemblies = re.findall(r'assembly = "(.*?)"[,>]', text, re.S)
for i, escaped in enumerate(assemblies):
    ptx = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
                 escaped)
    with open(f"{sys.argv[2]}{i}.ptx", "w") as f:
        f.write(ptx)
print(f"extracted {len(assemblies)} PTX modules")
