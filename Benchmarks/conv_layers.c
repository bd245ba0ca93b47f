// Per-layer timing of the CNN3 / CNN5 / DCGAN convolutions (forward, then backward with dW, dbias and dx; the
// models' first layers, one input channel, skip dx as in training), batch 128, straight against CKernels: no Swift, no model around them.
// For A/B comparisons of kernel changes on a busy machine, where `ae bench train` wall-clock figures drift:
// with AE_CPU_TIME set and 1 thread it reports process CPU time, which descheduling does not inflate.
//
//   clang -O3 -fno-math-errno -std=gnu11 -fopenmp -I CKernels CKernels/*.c Benchmarks/conv_layers.c \
//         -o /tmp/conv_layers -lomp -lm        (add -I/-L for libomp as Package.swift finds them)
//   AE_CPU_TIME=1 /tmp/conv_layers [repeats=10] [threads=2]
//   python3 Benchmarks/conv_layers_pytorch.py 2     (the same layers in PyTorch, same output lines)
//   AE_LAYER="64-128" /tmp/conv_layers 200 1      (only the layers whose name contains the text: for perf)
//   AE_CHANNELS_LAST=1 /tmp/conv_layers            (channels-last activations, as the models keep them under AVX-512)
//
// Prints the minimum over the repeats per layer and a checksum of the outputs (equal checksums: same bits).
#include "include/ck_conv.h"
#include "include/ck_dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(getenv("AE_CPU_TIME") ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct { const char *name; int transposed; int64_t in_c, size, out_c, stride, output_padding, kernel; } layer;

/// CNN5's ten layers, then those of CNN3 it does not share (3x3, padding 1), then DCGAN's (4x4, padding 1;
/// kernel 0 below means 3).
static const layer layers[] = {
    {"cnn5 conv 1-32 s1 28", 0, 1, 28, 32, 1, 0},   {"cnn5 conv 32-32 s2 28", 0, 32, 28, 32, 2, 0},
    {"cnn5 conv 32-64 s1 14", 0, 32, 14, 64, 1, 0}, {"cnn5 conv 64-64 s2 14", 0, 64, 14, 64, 2, 0},
    {"conv 64-128 s2 7", 0, 64, 7, 128, 2, 0},      {"convT 128-64 s2 4", 1, 128, 4, 64, 2, 0},
    {"cnn5 convT 64-64 s1 7", 1, 64, 7, 64, 1, 0},  {"convT 64-32 s2 7", 1, 64, 7, 32, 2, 1},
    {"cnn5 convT 32-32 s1 14", 1, 32, 14, 32, 1, 0}, {"convT 32-1 s2 14", 1, 32, 14, 1, 2, 1},
    {"cnn3 conv 1-32 s2 28", 0, 1, 28, 32, 2, 0},   {"cnn3 conv 32-64 s2 14", 0, 32, 14, 64, 2, 0},
    {"dcgan convT 128-64 k4 7", 1, 128, 7, 64, 2, 0, 4}, {"dcgan convT 64-1 k4 14", 1, 64, 14, 1, 2, 0, 4},
    {"dcgan conv 1-64 k4 28", 0, 1, 28, 64, 2, 0, 4},    {"dcgan conv 64-128 k4 14", 0, 64, 14, 128, 2, 0, 4},
};

static float *random_floats(int64_t n, unsigned *state) {
    float *x = malloc((size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++) x[i] = (float)rand_r(state) / (float)RAND_MAX - 0.5f;
    return x;
}

int main(int argc, char **argv) {
    const int repeats = argc > 1 ? atoi(argv[1]) : 10;
    ck_set_threads(argc > 2 ? atoi(argv[2]) : 2);
    unsigned state = 1;
    double total[2] = {0, 0};  // CNN5 forward, backward
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        const layer l = layers[i];
        if (getenv("AE_LAYER") && !strstr(l.name, getenv("AE_LAYER"))) continue;
        const int64_t k = l.kernel ? l.kernel : 3;
        ck_conv_shape s = {128, l.in_c, l.size, l.size, l.out_c, k, k, l.stride, 1, l.output_padding,
                           getenv("AE_CHANNELS_LAST") != NULL};
        const int64_t out = l.transposed ? ck_conv_transpose2d_out_h(&s) : ck_conv2d_out_h(&s);
        const int64_t ws = l.transposed ? ck_conv_transpose2d_workspace_size(&s) : ck_conv2d_workspace_size(&s);
        const int64_t nx = 128 * l.in_c * l.size * l.size, ny = 128 * l.out_c * out * out, nw = l.in_c * l.out_c * k * k;
        float *x = random_floats(nx, &state), *dy = random_floats(ny, &state), *w = random_floats(nw, &state);
        float *b = random_floats(l.out_c, &state), *y = malloc((size_t)ny * sizeof(float));
        const int first_layer = !l.transposed && l.in_c == 1;
        float *dx = first_layer ? NULL : malloc((size_t)nx * sizeof(float)), *dw = malloc((size_t)nw * sizeof(float));
        float *db = malloc((size_t)l.out_c * sizeof(float)), *work = malloc((size_t)(ws + 1) * sizeof(float));
        double best[2] = {1e30, 1e30};
        for (int r = 0; r < repeats; r++) {
            const double t0 = seconds();
            int status = l.transposed ? ck_conv_transpose2d_forward(y, x, w, b, &s, work)
                                      : ck_conv2d_forward(y, x, w, b, &s, work);
            const double t1 = seconds();
            status |= l.transposed ? ck_conv_transpose2d_backward(dx, dw, db, dy, x, w, &s, work)
                                   : ck_conv2d_backward(dx, dw, db, dy, x, w, &s, work);
            const double t2 = seconds();
            if (status) return fprintf(stderr, "%s: invalid shape\n", l.name), 1;
            best[0] = t1 - t0 < best[0] ? t1 - t0 : best[0];
            best[1] = t2 - t1 < best[1] ? t2 - t1 : best[1];
        }
        double check = 0;
        for (int64_t j = 0; j < ny; j++) check += y[j];
        for (int64_t j = 0; dx && j < nx; j++) check += dx[j];
        for (int64_t j = 0; j < nw; j++) check += dw[j];
        printf("%-24s fwd %8.3f ms  bwd %8.3f ms  checksum %.9e\n", l.name, best[0] * 1e3, best[1] * 1e3, check);
        if (i < 10) total[0] += best[0], total[1] += best[1];
        free(x), free(dy), free(w), free(b), free(y), free(dx), free(dw), free(db), free(work);
    }
    printf("CNN5 conv layers: forward %.2f ms + backward %.2f ms = %.2f ms per step\n", total[0] * 1e3,
           total[1] * 1e3, (total[0] + total[1]) * 1e3);
    return 0;
}
