// Optimiser updates, each one fused pass over the parameters (PyTorch semantics).
#ifndef CK_OPTIM_H
#define CK_OPTIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// SGD: g' = g + weight_decay * w; if momentum != 0: v = momentum * v + g', step = v (v may be NULL when
/// momentum == 0); w -= lr * step.
void ck_sgd_step(float *w, float *v, const float *g, int64_t n, float lr, float momentum, float weight_decay);

/// Adam / AdamW. `step` counts from 1 (bias correction 1 - beta^step).
///   decoupled == 0 (Adam): g' = g + weight_decay * w.
///   decoupled != 0 (AdamW): w -= lr * weight_decay * w before the Adam update, g' = g.
///   m = beta1 m + (1 - beta1) g';  v = beta2 v + (1 - beta2) g'^2;
///   w -= lr * (m / (1 - beta1^step)) / (sqrt(v / (1 - beta2^step)) + eps).
void ck_adam_step(float *w, float *m, float *v, const float *g, int64_t n,
                  float lr, float beta1, float beta2, float eps, float weight_decay,
                  int64_t step, int decoupled);

#ifdef __cplusplus
}
#endif
#endif
