#!/usr/bin/env python3
"""The gan-conv pair trained in PyTorch on the shipped MNIST, scored after every epoch with `ae score --images`.

What it answers: is the classifier score that `ae train --model gan-conv` reaches a property of the recipe (this
architecture, DCGAN's optimiser settings, this classifier), or of our implementation? Same networks as
`train_vs_pytorch.py`'s DCGAN (= GAN.swift's gan-conv: noise 100, k4 s2 p1 (transposed) convolutions, batch norm,
sigmoid output), N(0, 0.02²) weights, batch 64 over all 60 000 training images, one D step on the real and the
(detached) fake batch, each batch-normalised on its own, then one non-saturating G step on fresh noise; Adam lr 2e-4, β = (0.5,
0.999) for both. With --ema, an exponential moving average of G's weights whose batch-norm statistics are
re-estimated on 50 noise batches before sampling (as `ae train --ema` does).

    python3 Benchmarks/dcgan_quality_pytorch.py --classifier data/reference/mnist-classifier.h5 [--epochs 10] [--threads 1]
        [--ema 0.999] [--hidden 64,128,256 --g-hidden 64,128]

Each epoch prints D/G losses, D(x), D(G(z)) and the `ae score` line of 5 000 samples (fixed noise, seed 1).
"""
import argparse
import copy
import gzip
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_vs_pytorch import DCGAN  # noqa: E402  (the architecture the throughput benchmark uses)


def mnist_train(data_dir):
    import numpy as np
    raw = gzip.open(os.path.join(data_dir, "mnist", "train-images-idx3-ubyte.gz")).read()
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255


def dcgan_init(module):
    import torch.nn as nn
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)


def samples(g, noise, path):
    import numpy as np
    import torch
    g.eval()
    with torch.no_grad():
        images = torch.cat([g(noise[i:i + 500]) for i in range(0, len(noise), 500)])
    g.train()
    np.save(path, images.numpy().astype(np.float32))


def averaged_generator(ema, noise_size, batches=50):
    """The averaged weights with batch-norm statistics of their own: cumulative means over noise batches."""
    import torch
    g = copy.deepcopy(ema)
    for m in g.modules():
        if isinstance(m, torch.nn.BatchNorm2d) or isinstance(m, torch.nn.BatchNorm1d):
            m.reset_running_stats()
            m.momentum = None
    with torch.no_grad():
        for _ in range(batches):
            g(torch.randn(64, noise_size))
    return g


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--classifier", required=True, help="classifier run file for ae score")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ema", type=float, default=0.0, help="decay of G's weight average (0 = score the trained G)")
    p.add_argument("--hidden", default="64,128", help="D's channels, image side first (ae train --hidden)")
    p.add_argument("--g-hidden", default=None, help="G's channels, image side first (ae train --g-hidden; default: D's)")
    p.add_argument("--samples", type=int, default=5000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--train-limit", type=int, default=0, help="first N training images only (0 = all; for a smoke test)")
    p.add_argument("--data-dir", default="data")
    p.add_argument("--out", default="/tmp/dcgan-pytorch", help="folder for the per-epoch sample files")
    p.add_argument("--ae", default=".build/release/ae")
    args = p.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    images = torch.from_numpy(mnist_train(args.data_dir))
    if args.train_limit > 0:
        images = images[:args.train_limit]
    noise_size, batch = 100, 64
    channels = lambda text: [int(c) for c in text.split(",")]
    g, d = DCGAN(noise_size, channels(args.hidden), channels(args.g_hidden) if args.g_hidden else None)
    dcgan_init(g)
    dcgan_init(d)
    ema = copy.deepcopy(g) if args.ema > 0 else None
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = torch.nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    fixed = torch.randn(args.samples, noise_size, generator=torch.Generator().manual_seed(args.seed))
    print(f"PyTorch {torch.__version__}, {args.threads} thread(s), {len(images)} images, EMA {args.ema or 'off'}", flush=True)
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        order = torch.randperm(len(images))
        sums = [0.0, 0.0, 0.0, 0.0]
        steps = len(images) // batch
        for s in range(steps):
            x = images[order[s * batch:(s + 1) * batch]]
            fake = g(torch.randn(batch, noise_size))
            opt_d.zero_grad(set_to_none=True)
            real_logit, fake_logit = d(x), d(fake.detach())
            d_loss = bce(real_logit, ones) + bce(fake_logit, zeros)
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad(set_to_none=True)
            g_loss = bce(d(g(torch.randn(batch, noise_size))), ones)  # fresh noise, as GANTrainer draws
            g_loss.backward()
            opt_g.step()
            if ema is not None:
                with torch.no_grad():
                    for a, w in zip(ema.parameters(), g.parameters()):
                        a.mul_(args.ema).add_(w, alpha=1 - args.ema)
            sums[0] += d_loss.item()
            sums[1] += g_loss.item()
            sums[2] += torch.sigmoid(real_logit).mean().item()
            sums[3] += torch.sigmoid(fake_logit).mean().item()
        seconds = time.perf_counter() - t0
        path = os.path.join(args.out, f"epoch_{epoch}.npy")
        samples(averaged_generator(ema, noise_size) if ema is not None else g, fixed, path)
        score = subprocess.run([args.ae, "score", "--images", path, "--classifier", args.classifier, "--nearest", "0",
                                "--threads", str(args.threads)], capture_output=True, text=True)
        line = (score.stdout.splitlines() or [score.stderr.strip()])[0].split(": ", 1)[-1]
        print(f"epoch {epoch:3d}  D loss {sums[0] / steps:.4f}  G loss {sums[1] / steps:.4f}  D(x) {sums[2] / steps:.3f}"
              f"  D(G(z)) {sums[3] / steps:.3f}  {seconds:.1f} s\n          {line}", flush=True)


if __name__ == "__main__":
    main()
