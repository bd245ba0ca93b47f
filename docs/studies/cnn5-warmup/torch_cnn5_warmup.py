#!/usr/bin/env python3
"""CNN5 (ae's architecture: 5 conv + 5 transposed conv, ReLU, sigmoid output), MSE, Adam lr 1e-3, batch 128, on MNIST
in PyTorch: the training loss after `--steps` updates for several seeds, with He-uniform initialisation (ae's) or
PyTorch's default, with and without a linear learning-rate warm-up. A loss of ~0.11 is a dead run (the output
sigmoid saturated, every gradient zero). Run from the repository root: python3 docs/studies/cnn5-warmup/torch_cnn5_warmup.py"""
import argparse, gzip, math
import numpy as np
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=300)
parser.add_argument("--seeds", type=int, default=6)
parser.add_argument("--warmups", default="0,100")
parser.add_argument("--inits", default="he,torch-default")
parser.add_argument("--latent", type=int, default=600)
args = parser.parse_args()
torch.set_num_threads(1)
raw = gzip.open("data/mnist/train-images-idx3-ubyte.gz").read()
X = torch.tensor(np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)


def cnn5(z):
    conv = lambda i, o, s: [nn.Conv2d(i, o, 3, s, 1), nn.ReLU()]
    convt = lambda i, o, s, op: [nn.ConvTranspose2d(i, o, 3, s, 1, op), nn.ReLU()]
    return nn.Sequential(*conv(1, 32, 1), *conv(32, 32, 2), *conv(32, 64, 1), *conv(64, 64, 2), *conv(64, 128, 2),
                         nn.Flatten(), nn.Linear(2048, z), nn.Linear(z, 2048), nn.Unflatten(1, (128, 4, 4)),
                         *convt(128, 64, 2, 0), *convt(64, 64, 1, 0), *convt(64, 32, 2, 1), *convt(32, 32, 1, 0),
                         nn.ConvTranspose2d(32, 1, 3, 2, 1, 1))  # logits; the sigmoid is applied in the loss


def he_uniform(net):
    """ae's initialisation: He uniform, Xavier uniform for the code layer and the output layer; zero biases."""
    layers = [m for m in net if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    for i, m in enumerate(layers):
        w = m.weight
        k = w.shape[2] * w.shape[3] if w.dim() == 4 else 1
        fan_in, fan_out = (w.shape[0] * k, w.shape[1] * k) if isinstance(m, nn.ConvTranspose2d) else (w.shape[1] * k, w.shape[0] * k)
        xavier = m is layers[5] or m is layers[-1]
        bound = math.sqrt(6 / (fan_in + fan_out)) if xavier else math.sqrt(6 / fan_in)
        nn.init.uniform_(w, -bound, bound)
        nn.init.zeros_(m.bias)


def final_loss(init, seed, warmup, lr=1e-3):
    torch.manual_seed(seed)
    net = cnn5(args.latent)
    if init == "he":
        he_uniform(net)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    order = torch.randperm(len(X))
    for step in range(args.steps):
        for group in opt.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / warmup) if warmup else lr
        x = X[order[(step * 128) % (len(X) - 128):][:128]]
        loss = ((torch.sigmoid(net(x)) - x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


for warmup in map(int, args.warmups.split(",")):
    for init in args.inits.split(","):
        losses = [final_loss(init, seed, warmup) for seed in range(1, args.seeds + 1)]
        print(f"warm-up {warmup:4d}  init {init:13s}  loss after {args.steps} steps, seeds 1-{args.seeds}: "
              + " ".join(f"{l:.4f}" for l in losses), flush=True)
