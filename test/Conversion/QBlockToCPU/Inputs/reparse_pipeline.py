#!/usr/bin/env python3
"""Runs a pipeline by name, then again from the text --dump-pass-pipeline
printed for it, and requires both outputs to be the same bytes. Prints the
printed pipeline, one pass per line, for FileCheck.

A printed pipeline is what a crash reproducer records and what a user
copies from --dump-pass-pipeline to run or bisect part of a pipeline, so
every pass in it must be registered and print the options it runs with.

usage: reparse_pipeline.py QUANT_OPT INPUT PIPELINE"""
import subprocess
import sys
import tempfile

quant_opt, source, pipeline = sys.argv[1:4]


def run(pipeline_text, output, dump):
    args = [quant_opt, source, f"--pass-pipeline={pipeline_text}", "-o", output]
    if dump:
        args.append("--dump-pass-pipeline")
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"reparse_pipeline: FAIL quant-opt exited {result.returncode} "
                 f"on {pipeline_text[:200]}...:\n{result.stderr}")
    return result.stderr


with tempfile.TemporaryDirectory() as tmp:
    named, reparsed = f"{tmp}/named.mlir", f"{tmp}/reparsed.mlir"
    dump = run(f"builtin.module({pipeline})", named, dump=True)
    # The first line is "Pass Manager with N passes:", then the pipeline,
    # indented over several lines up to the anchor's closing ")" in column
    # 0; diagnostics of the run (remarks) may follow.
    lines = []
    for line in dump.splitlines()[1:]:
        lines.append(line.strip())
        if line == ")":
            break
    printed = "".join(lines)
    run(printed, reparsed, dump=False)
    if open(named, "rb").read() != open(reparsed, "rb").read():
        sys.exit("reparse_pipeline: FAIL the printed pipeline's output differs")
    print(printed.replace(",", ",\n"))
