#!/usr/bin/env python3
"""The table of a GPU benchmark run and the issue #7 targets, from the
JSON lines qblock-gpu-bench / qblock-gpu-run print (results.jsonl).
Used by bench/gpu/run.sh and the GPU kit's run.sh."""
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
# A: the activations' element type, or their online quantization (W4A4:
# the time includes the quantization launch).
# "+tc": compiled with tensor-cores=true (mma.sync); "+tb": with
# weight-decode=table (the CUDA-core kernel's workgroup lookup per weight
# instead of byte permutes).
def acts(r):
    q = r.get("acts", "none")
    a = r.get("act_type", "f32") if q == "none" else {"blockdialect": "q:bd", "mxfp4": "q:mx", "int8": "q:i8"}.get(q, q)
    return (a + ("+tc" if r.get("tensor_cores") else "")
            + ("+tb" if r.get("weight_decode") == "table" else ""))
print(f"{'op':5} {'scheme':12} {'M':>3} {'N=K':>6} {'A':>7} {'ms':>9} {'cuBLAS ms':>9} {'vs cuBLAS':>9} {'vs roofline':>11} {'max err':>8}  timing")
for r in rows:
    if "error" in r:
        print(f"{r['op']:5} {r['scheme']:12} {r['m']:>3} {r['n']:>6} {acts(r):>7}  ERROR: {r['error']}")
        continue
    print(f"{r['op']:5} {r['scheme']:12} {r['m']:>3} {r['n']:>6} {acts(r):>7} {r['ms_median']:9.4f} "
          f"{r['cublas_fp16_ms']:9.4f} {r['ratio_vs_cublas_fp16']:8.2f}x {r['ratio_vs_roofline']:11.2f} "
          f"{r['max_rel_err']:8.1e}  {r['timing']}")
copy = [r["copy_gbps"] for r in rows if "copy_gbps" in r]
if copy:
    print(f"copy bandwidth (2 x bytes / cuMemcpyDtoD time): {max(copy):.0f} GB/s")
# Issue #7 targets: M = 1, N = K in {8192, 16384}.
targets = {"blockdialect": 3.0, "bcq": 3.5}
for r in rows:
    if (r["op"] != "gemv" or r["scheme"] not in targets or r["n"] not in (8192, 16384)
            or r.get("acts", "none") != "none"):
        continue
    need = targets[r["scheme"]]
    if "error" in r:
        print(f"target {r['scheme']} N=K={r['n']} ({acts(r)} A): NOT MEASURED ({r['error']})")
        continue
    ok = r["ratio_vs_cublas_fp16"] >= need and r["ratio_vs_roofline"] >= 0.7
    print(f"target {r['scheme']} N=K={r['n']} ({acts(r)} A): >= {need}x cuBLAS fp16 and >= 0.7 roofline: "
          f"{'MET' if ok else 'MISSED'} ({r['ratio_vs_cublas_fp16']:.2f}x, {r['ratio_vs_roofline']:.2f})"
          + ("" if r["timing"] == "kernel" else " [whole-call timing]"))
