#!/usr/bin/env python3
"""Side-by-side GEMM benchmark: `ae bench kernels --family gemm` against numpy's matmul (OpenBLAS).

Runs both in the same session, alternating rounds (ours, OpenBLAS, ours, ...) so machine drift hits both,
and prints the median GFLOP/s of each and their ratio per shape.

    python3 Benchmarks/gemm_vs_openblas.py [--threads 2] [--rounds 3] [--ae .build/release/ae]

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from this process's environment before numpy loads, so
OpenBLAS picks its own best kernel for this CPU (the script prints which one it runs); `--as-configured`
keeps them, to compare with OpenBLAS as this machine's environment configures it.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pin OpenBLAS to an older kernel on some machines; by default they are
# removed so OpenBLAS runs its best kernel here. --as-configured keeps them (the environment's OpenBLAS).
if "--as-configured" not in sys.argv:
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(var, None)

import numpy as np  # noqa: E402  (after the environment is cleaned)

# (m, k, n, transA, transB) as named by `ae bench kernels`: "sgemm NN MxKxN".
SHAPES = [(128, 784, 512, False, False), (128, 512, 128, False, False), (256, 784, 512, False, False),
          (1024, 1024, 1024, False, False), (256, 784, 512, False, True), (512, 256, 784, True, False)]


def name(m, k, n, ta, tb):
    return f"sgemm {'T' if ta else 'N'}{'T' if tb else 'N'} {m}x{k}x{n}"


def openblas_seconds(m, k, n, ta, tb, min_time):
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
    a_op, b_op = (a.T if ta else a), (b.T if tb else b)
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a_op, b_op, out=c)
    samples, start = [], time.perf_counter()
    while time.perf_counter() - start < min_time or len(samples) < 3:
        t0 = time.perf_counter()
        np.matmul(a_op, b_op, out=c)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def ours(ae, threads, min_time):
    """Seconds and ISA per GEMM kernel (the best ISA's row), and the FMA ceiling in GFLOP/s at that ISA."""
    out = subprocess.run([ae, "bench", "kernels", "--family", "peak,gemm", "--threads", str(threads), "--no-swift",
                          "--json", "--min-time", str(min_time)], check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    best = {}
    for r in rows:  # keep the best ISA's row per kernel (the first listed is the best ISA)
        best.setdefault(r["kernel"], r)
    peak = [v for k, v in best.items() if k.startswith("fma peak")]
    gemm = {k: v for k, v in best.items() if v["family"] == "gemm"}
    return ({k: v["seconds"] for k, v in gemm.items()}, {k: v["isa"] for k, v in gemm.items()},
            peak[0]["gflops"] if peak else None)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--min-time", type=float, default=0.3)
    p.add_argument("--ae", default=".build/release/ae")
    p.add_argument("--as-configured", action="store_true", help="keep OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE")
    args = p.parse_args()
    if not os.path.exists(args.ae):
        sys.exit(f"error: {args.ae} not found; run `swift build -c release` first")
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        threadpool_limits(args.threads)
        info = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} threads={i.get('num_threads')}"
                for i in threadpool_info()]
    except ImportError:
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
        info = ["threadpoolctl not installed: OPENBLAS_NUM_THREADS set"]
    print("OpenBLAS:", "; ".join(info))
    mine, theirs, isa, peaks = {}, {}, {}, []
    for _ in range(args.rounds):
        seconds, isa, peak = ours(args.ae, args.threads, args.min_time)
        if peak:
            peaks.append(peak)
        for k, v in seconds.items():
            mine.setdefault(k, []).append(v)
        for shape in SHAPES:
            theirs.setdefault(name(*shape), []).append(openblas_seconds(*shape, args.min_time))
    peak = statistics.median(peaks) if peaks else None
    print(f"{args.threads} threads, {args.rounds} alternating rounds, medians"
          + (f"; FMA ceiling (ae bench kernels --family peak) {peak:.1f} GFLOP/s" if peak else ""))
    print(f"{'kernel':30} {'isa':>7} {'ours GFLOP/s':>13} {'OpenBLAS GFLOP/s':>17} {'ours/OpenBLAS':>14}"
          + (f" {'ours/peak':>10} {'OpenBLAS/peak':>14}" if peak else ""))
    for shape in SHAPES:
        m, k, n = shape[:3]
        key, flops = name(*shape), 2.0 * m * n * k
        if key not in mine:
            continue
        ours_g, theirs_g = flops / statistics.median(mine[key]) / 1e9, flops / statistics.median(theirs[key]) / 1e9
        print(f"{key:30} {isa[key]:>7} {ours_g:13.1f} {theirs_g:17.1f} {ours_g / theirs_g:13.2f}x"
              + (f" {ours_g / peak:9.0%} {theirs_g / peak:14.0%}" if peak else ""))


if __name__ == "__main__":
    main()
