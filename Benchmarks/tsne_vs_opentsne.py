#!/usr/bin/env python3
"""`ae tsne` against openTSNE (PyPI) on the same points and thread count: wall time, KL divergence and kNN
preservation, side by side. Not a test: a measurement to run by hand.

    swift build -c release --product ae
    pip install openTSNE            # once
    python3 Benchmarks/tsne_vs_opentsne.py                      # 70,000 x 50 generated points, 2 threads
    python3 Benchmarks/tsne_vs_opentsne.py --input runs/x.h5    # a run's /latents/test/z instead

Both tools run with their defaults (perplexity 30, PCA initialisation, 250 + 500 iterations, early
exaggeration 12, learning rate auto). Each reports its own KL; the script also evaluates both embeddings
under one P (openTSNE's affinities, exact Z) so the KL column compares like with like. kNN preservation is
computed here for both: the fraction of each point's 10 nearest input neighbours among its 10 nearest in
the embedding (exact neighbours, scikit-learn).
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def generated_points(n, d, seed):
    """A mixture of 10 anisotropic Gaussian clusters with 8-D structure inside, like autoencoder latents."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n)
    centres = rng.normal(scale=6.0, size=(10, d))
    bases = rng.normal(size=(10, 8, d)) / np.sqrt(8)
    inner = rng.normal(size=(n, 8)) * np.linspace(3.0, 0.5, 8)
    x = centres[labels] + np.einsum("nk,nkd->nd", inner, bases[labels]) + 0.3 * rng.normal(size=(n, d))
    return x.astype(np.float32)


def load_points(spec):
    path, _, dataset = spec.partition(":")
    if path.endswith(".npy"):
        return np.load(path).astype(np.float32)
    with h5py.File(path, "r") as f:
        return f[dataset or "latents/test/z"][...].astype(np.float32)


def knn_preservation(x, y, k=10, threads=2):
    from sklearn.neighbors import NearestNeighbors
    ix = NearestNeighbors(n_neighbors=k + 1, n_jobs=threads).fit(x).kneighbors(x, return_distance=False)[:, 1:]
    iy = NearestNeighbors(n_neighbors=k + 1, n_jobs=threads).fit(y).kneighbors(y, return_distance=False)[:, 1:]
    return float(np.mean([len(np.intersect1d(a, b, assume_unique=True)) for a, b in zip(ix, iy)]) / k)


def kl_divergence(p, y, block=256):
    """KL(P || Q) with exact Z for a sparse symmetric P summing to 1 and an n x 2 embedding."""
    y = y.astype(np.float64)
    z = 0.0
    for s in range(0, len(y), block):
        d2 = ((y[s:s + block, None, :] - y[None, :, :]) ** 2).sum(-1)
        z += (1.0 / (1.0 + d2)).sum() - min(block, len(y) - s)  # minus the diagonal (w_ii = 1)
    p = p.tocoo()
    d2 = ((y[p.row] - y[p.col]) ** 2).sum(-1)
    q = 1.0 / (1.0 + d2) / z
    return float(np.sum(p.data * np.log(p.data / q)))


def run_ae(ae, x, threads, workdir, extra):
    npy, out = os.path.join(workdir, "points.npy"), os.path.join(workdir, "ae.h5")
    np.save(npy, x)
    command = [ae, "tsne", npy, "--out", out, "--threads", str(threads)] + extra
    start, cpu = time.perf_counter(), children_cpu_seconds()
    log = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    seconds, cpu = time.perf_counter() - start, children_cpu_seconds() - cpu
    with h5py.File(out, "r") as f:
        group = f["tsne/test"]
        return group["embedding"][...], float(group.attrs["kl"]), seconds, cpu, log


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_opentsne(x, threads, seed):
    import openTSNE
    start, cpu = time.perf_counter(), time.process_time()
    embedding = openTSNE.TSNE(n_jobs=threads, random_state=seed).fit(x)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return np.asarray(embedding), float(embedding.kl_divergence), seconds, cpu, embedding.affinities.P


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", help="FILE.npy, RUN.h5 (latents/test/z) or FILE.h5:dataset; default: generated")
    parser.add_argument("--n", type=int, default=70_000)
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ae", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ae"))
    parser.add_argument("--no-common-kl", action="store_true", help="skip the KL of both embeddings under one P")
    parser.add_argument("ae_args", nargs="*", help="extra arguments for ae tsne (after --)")
    args = parser.parse_args()

    x = load_points(args.input) if args.input else generated_points(args.n, args.d, args.seed)
    print(f"points: {x.shape[0]} x {x.shape[1]}, threads: {args.threads}", flush=True)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    with tempfile.TemporaryDirectory() as workdir:
        ours = run_ae(args.ae, x, args.threads, workdir, args.ae_args)
    print(ours[4].strip().splitlines()[-2], flush=True)  # ae's own stage timings
    try:
        theirs = run_opentsne(x, args.threads, args.seed)
    except ImportError:
        sys.exit("openTSNE is not installed: pip install openTSNE")

    rows = [("ae tsne",) + ours[:4], ("openTSNE",) + theirs[:4]]
    common = {} if args.no_common_kl else {row[0]: kl_divergence(theirs[4], row[1]) for row in rows}
    # CPU seconds matter on a shared machine, where wall time also measures the other processes.
    print(f"\n{'':10} {'wall s':>8} {'CPU s':>8} {'KL (own)':>9} {'KL (same P)':>12} {'kNN pres.':>10}")
    for name, y, kl, seconds, cpu in rows:
        same = f"{common[name]:12.4f}" if common else f"{'-':>12}"
        print(f"{name:10} {seconds:8.1f} {cpu:8.1f} {kl:9.4f} {same} {knn_preservation(x, y, threads=args.threads):10.4f}")
    print(f"\nspeed-up: {theirs[2] / ours[2]:.2f}x wall, {theirs[3] / ours[3]:.2f}x CPU (bar: >= 1.5x, KL within 2%, kNN preservation >= openTSNE's - 0.02)")


if __name__ == "__main__":
    main()
