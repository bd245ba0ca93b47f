#!/usr/bin/env python3
"""Training throughput side by side: `ae bench train` against the same models in PyTorch (CPU).

Both train on synthetic 28x28 images with Adam (lr 1e-3) and MSE at the same batch size and thread count,
each in its own process (so peak RSS is per process), alternating rounds so machine drift hits both:

    python3 Benchmarks/train_vs_pytorch.py [--models mlp,cnn3,cnn5,vae-cnn,dcgan] [--threads 2] [--batch 128] [--rounds 3]

Architectures match Sources/AENet/Models.swift and GAN.swift exactly (MLP 784-512-128-z mirrored with ReLU and a
sigmoid output; CNN3; CNN5; VAE-CNN = CNN3 with a 2·z (μ, log σ²) code, reparameterisation and the per-image
objective MSE-sum + KL; DCGAN = the gan-conv pair, one discriminator step on b real + b fake images and one
non-saturating generator step per "step", each with its own Adam (lr 2e-4, β1 0.5), noise size 100), latent 32 by
default. Images per second count real images (the batch size per step) for every model.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def build(kind, latent):
    import torch.nn as nn

    def conv(i, o, s):
        return [nn.Conv2d(i, o, 3, s, 1), nn.ReLU()]

    def convt(i, o, s, op, last=False):
        return [nn.ConvTranspose2d(i, o, 3, s, 1, op), nn.Sigmoid() if last else nn.ReLU()]

    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 128), nn.ReLU(),
                             nn.Linear(128, latent), nn.Linear(latent, 128), nn.ReLU(), nn.Linear(128, 512), nn.ReLU(),
                             nn.Linear(512, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))
    if kind == "cnn3":
        return nn.Sequential(*conv(1, 32, 2), *conv(32, 64, 2), *conv(64, 128, 2), nn.Flatten(), nn.Linear(2048, latent),
                             nn.Linear(latent, 2048), nn.Unflatten(1, (128, 4, 4)), *convt(128, 64, 2, 0),
                             *convt(64, 32, 2, 1), *convt(32, 1, 2, 1, last=True))
    if kind == "cnn5":
        return nn.Sequential(*conv(1, 32, 1), *conv(32, 32, 2), *conv(32, 64, 1), *conv(64, 64, 2), *conv(64, 128, 2),
                             nn.Flatten(), nn.Linear(2048, latent), nn.Linear(latent, 2048), nn.Unflatten(1, (128, 4, 4)),
                             *convt(128, 64, 2, 0), *convt(64, 64, 1, 0), *convt(64, 32, 2, 1), *convt(32, 32, 1, 0),
                             *convt(32, 1, 2, 1, last=True))
    if kind == "vae-cnn":
        return VAE(latent)
    raise SystemExit(f"unknown model {kind}")


def VAE(latent):
    """CNN3 with a VAE head: the encoder's last linear gives μ and log σ², z = μ + σ·ε."""
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                         nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(2048, 2 * latent))
            self.decoder = nn.Sequential(nn.Linear(latent, 2048), nn.Unflatten(1, (128, 4, 4)),
                                         nn.ConvTranspose2d(128, 64, 3, 2, 1, 0), nn.ReLU(),
                                         nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), nn.ReLU(),
                                         nn.ConvTranspose2d(32, 1, 3, 2, 1, 1), nn.Sigmoid())

        def loss(self, x):
            mu, logvar = self.encoder(x).chunk(2, dim=1)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            y = self.decoder(z)
            rec = ((y - x) ** 2).sum() / x.shape[0]
            kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum() / x.shape[0]
            return rec + kl

    return Net()


def DCGAN(noise, hidden=(64, 128), g_hidden=None):
    """The gan-conv pair (GAN.swift): k4 s2 p1 (transposed) convolutions, batch norm after G's Linear and hidden ConvT
    (ReLU) and after D's convolutions but the first (LeakyReLU(0.2)). `hidden` lists D's channels (image side first),
    `g_hidden` G's (default: D's), as `ae train --hidden … --g-hidden …`; D halves 28 → 14 → 7 → 3 with rounding down."""
    import torch.nn as nn
    g_hidden = list(g_hidden or hidden)
    base = 28 >> len(g_hidden)
    up = list(reversed(g_hidden))
    g_layers = [nn.Linear(noise, up[0] * base * base), nn.Unflatten(1, (up[0], base, base)), nn.BatchNorm2d(up[0]), nn.ReLU()]
    for i, o in zip(up, up[1:]):
        g_layers += [nn.ConvTranspose2d(i, o, 4, 2, 1), nn.BatchNorm2d(o), nn.ReLU()]
    g = nn.Sequential(*g_layers, nn.ConvTranspose2d(up[-1], 1, 4, 2, 1), nn.Sigmoid())
    d_layers, channels = [], [1] + list(hidden)
    for k, (i, o) in enumerate(zip(channels, channels[1:])):
        d_layers += [nn.Conv2d(i, o, 4, 2, 1)] + ([nn.BatchNorm2d(o)] if k > 0 else []) + [nn.LeakyReLU(0.2)]
    d_size = 28 >> len(hidden)
    d = nn.Sequential(*d_layers, nn.Flatten(), nn.Linear(hidden[-1] * d_size * d_size, 1))
    return g, d


def train_step(kind, latent, batch):
    """A closure doing one training step on an input batch, as `ae bench train` does for the same model."""
    import torch
    if kind == "dcgan":
        g, d = DCGAN(latent)
        opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        bce = torch.nn.BCEWithLogitsLoss()
        ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

        def step(x):
            # D on the real and the (detached) fake batch, each batch-normalised on its own as ours does with its two
            # halves, then G through D (non-saturating loss).
            fake = g(torch.randn(batch, latent))
            opt_d.zero_grad(set_to_none=True)
            (bce(d(x), ones) + bce(d(fake.detach()), zeros)).backward()
            opt_d.step()
            opt_g.zero_grad(set_to_none=True)
            bce(d(g(torch.randn(batch, latent))), ones).backward()
            opt_g.step()
        return step
    model = build(kind, latent)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = model.loss if kind == "vae-cnn" else (lambda x: torch.nn.functional.mse_loss(model(x), x))

    def step(x):
        opt.zero_grad(set_to_none=True)
        loss_fn(x).backward()
        opt.step()
    return step


def torch_worker(args):
    """Runs in a child process: prints one JSON line like `ae bench train --json`."""
    import resource

    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    train = train_step(args.model, args.latent, args.batch)
    data = torch.rand(8 * args.batch, 1, 28, 28)
    batches = [data[i * args.batch:(i + 1) * args.batch] for i in range(8)]
    step = 0

    def run(n):
        nonlocal step
        for _ in range(n):
            train(batches[step % 8])
            step += 1

    run(args.warmup)
    rates = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        run(args.steps)
        rates.append(args.steps * args.batch / (time.perf_counter() - t0))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"model": args.model, "images_per_second": statistics.median(rates), "peak_rss_mb": rss_mb,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="mlp,cnn3,cnn5")
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--latent", type=int, default=32)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=0, help="timed steps per repeat (default: by model)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--ae", default=".build/release/ae", help="the ae binary to time (e.g. a --scratch-path build)")
    p.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.torch_worker:
        return torch_worker(args)
    if not os.path.exists(args.ae):
        sys.exit(f"error: {args.ae} not found; run `swift build -c release` first")
    default_steps = {"mlp": 200, "cnn3": 40, "cnn5": 15, "vae-cnn": 40, "dcgan": 10}
    ae_names = {"dcgan": "gan-conv"}  # our name of each benchmark model, where it differs
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    print(f"{args.threads} threads, batch {args.batch}, latent {args.latent}, Adam + MSE, {args.rounds} alternating rounds (medians)")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} processors (a busy machine slows PyTorch's spinning threads most)")
    print(f"{'model':7} {'ours img/s':>11} {'PyTorch img/s':>14} {'speedup':>8} {'min..max':>11} {'ours RSS MB':>12} {'PyTorch RSS MB':>15}")
    for model in args.models.split(","):
        steps = str(args.steps or default_steps.get(model, 20))
        # DCGAN's noise size is 100 (as `ae train --model gan-conv`), whatever the autoencoders' latent.
        latent = 100 if model == "dcgan" else args.latent
        common = ["--batch", str(args.batch), "--latent", str(latent), "--steps", steps,
                  "--warmup", str(args.warmup), "--repeats", str(args.repeats)]
        ours, theirs = [], []
        for _ in range(args.rounds):
            out = subprocess.run([args.ae, "bench", "train", "--model", ae_names.get(model, model), "--threads", str(args.threads), "--json"]
                                 + common, check=True, capture_output=True, text=True, env=env).stdout
            ours.append(json.loads(out.strip().splitlines()[-1]))
            out = subprocess.run([sys.executable, __file__, "--torch-worker", "--model", model, "--threads",
                                  str(args.threads)] + common, check=True, capture_output=True, text=True, env=env).stdout
            theirs.append(json.loads(out.strip().splitlines()[-1]))
        o = statistics.median(r["images_per_second"] for r in ours)
        t = statistics.median(r["images_per_second"] for r in theirs)
        # Each round's pair ran back to back: their ratios show how much the machine drifted.
        pairs = [a["images_per_second"] / b["images_per_second"] for a, b in zip(ours, theirs)]
        orss = statistics.median(r["peak_rss_mb"] for r in ours)
        trss = statistics.median(r["peak_rss_mb"] for r in theirs)
        print(f"{model:7} {o:11.0f} {t:14.0f} {o / t:7.2f}x {min(pairs):5.2f}..{max(pairs):<5.2f} {orss:12.0f} {trss:15.0f}",
              flush=True)
    print(f"PyTorch {theirs[-1]['torch']}")


if __name__ == "__main__":
    main()
