// Activations and vector utilities. Every function works in place (y == x, dx == dy allowed).
#ifndef CK_ELEMENTWISE_H
#define CK_ELEMENTWISE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// y = max(x, 0).  Backward from the output: dx = dy where y > 0, else 0.
void ck_relu_forward(float *y, const float *x, int64_t n);
void ck_relu_backward(float *dx, const float *dy, const float *y, int64_t n);

/// y = x if x > 0 else slope * x.  Backward from the input: dx = dy if x > 0 else slope * dy.
void ck_leaky_relu_forward(float *y, const float *x, int64_t n, float slope);
void ck_leaky_relu_backward(float *dx, const float *dy, const float *x, int64_t n, float slope);

/// y = 1 / (1 + exp(-x)).  Backward from the output: dx = dy * y * (1 - y).
void ck_sigmoid_forward(float *y, const float *x, int64_t n);
void ck_sigmoid_backward(float *dx, const float *dy, const float *y, int64_t n);

/// y = tanh(x).  Backward from the output: dx = dy * (1 - y^2).
void ck_tanh_forward(float *y, const float *x, int64_t n);
void ck_tanh_backward(float *dx, const float *dy, const float *y, int64_t n);

/// Inverted dropout with a counter-based mask: element i is kept when the Philox uniform number
/// u(seed, offset + i) >= p, and then scaled by 1 / (1 - p); otherwise it is 0. The mask depends only on
/// (seed, offset + i), never on the thread count, so backward regenerates it instead of storing it.
/// p in [0, 1); p == 0 copies.
void ck_dropout_forward(float *y, const float *x, int64_t n, float p, uint64_t seed, uint64_t offset);
void ck_dropout_backward(float *dx, const float *dy, int64_t n, float p, uint64_t seed, uint64_t offset);

/// y += alpha * x
void ck_axpy(float *y, const float *x, int64_t n, float alpha);
/// y = alpha * x
void ck_scale(float *y, const float *x, int64_t n, float alpha);
/// x[i] = value
void ck_fill(float *x, int64_t n, float value);

#ifdef __cplusplus
}
#endif
#endif
