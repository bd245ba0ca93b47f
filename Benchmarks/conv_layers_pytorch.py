"""Per-layer PyTorch timing of the convolutions Benchmarks/conv_layers.c times (batch 128; forward, then backward
with dW, dbias and dx; the models' first layers, one input channel, skip dx as in training); minimum of 8 rounds.

    python3 Benchmarks/conv_layers_pytorch.py [threads=2]

Prints the same "name  fwd .. ms  bwd .. ms" lines as conv_layers.c, so the two outputs compare line by line.
"""
import sys
import time

import torch

# name, transposed, in channels, input size, out channels, stride, output padding, kernel (padding 1 throughout)
LAYERS = [
    ("cnn5 conv 1-32 s1 28", False, 1, 28, 32, 1, 0, 3), ("cnn5 conv 32-32 s2 28", False, 32, 28, 32, 2, 0, 3),
    ("cnn5 conv 32-64 s1 14", False, 32, 14, 64, 1, 0, 3), ("cnn5 conv 64-64 s2 14", False, 64, 14, 64, 2, 0, 3),
    ("conv 64-128 s2 7", False, 64, 7, 128, 2, 0, 3), ("convT 128-64 s2 4", True, 128, 4, 64, 2, 0, 3),
    ("cnn5 convT 64-64 s1 7", True, 64, 7, 64, 1, 0, 3), ("convT 64-32 s2 7", True, 64, 7, 32, 2, 1, 3),
    ("cnn5 convT 32-32 s1 14", True, 32, 14, 32, 1, 0, 3), ("convT 32-1 s2 14", True, 32, 14, 1, 2, 1, 3),
    ("cnn3 conv 1-32 s2 28", False, 1, 28, 32, 2, 0, 3), ("cnn3 conv 32-64 s2 14", False, 32, 14, 64, 2, 0, 3),
    ("dcgan convT 128-64 k4 7", True, 128, 7, 64, 2, 0, 4), ("dcgan convT 64-1 k4 14", True, 64, 14, 1, 2, 0, 4),
    ("dcgan conv 1-64 k4 28", False, 1, 28, 64, 2, 0, 4), ("dcgan conv 64-128 k4 14", False, 64, 14, 128, 2, 0, 4),
]


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    for name, transposed, cin, size, cout, stride, out_pad, kernel in LAYERS:
        layer = (torch.nn.ConvTranspose2d(cin, cout, kernel, stride, 1, out_pad) if transposed
                 else torch.nn.Conv2d(cin, cout, kernel, stride, 1))
        x = torch.randn(128, cin, size, size, requires_grad=transposed or cin > 1)
        dy = torch.randn_like(layer(x))
        best_fwd = best_bwd = float("inf")
        for _ in range(8):
            t0 = time.perf_counter()
            y = layer(x)
            t1 = time.perf_counter()
            y.backward(dy)
            t2 = time.perf_counter()
            best_fwd, best_bwd = min(best_fwd, t1 - t0), min(best_bwd, t2 - t1)
        print(f"{name:24s} fwd {best_fwd * 1e3:8.3f} ms  bwd {best_bwd * 1e3:8.3f} ms", flush=True)


if __name__ == "__main__":
    main()
