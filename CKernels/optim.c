// Optimiser updates, one fused pass over the parameters (PyTorch semantics, see ck_optim.h). The *_ref
// functions are the scalar reference and the tail handler of the SIMD variants. Explicit fmaf (not a*b + c,
// which the compiler may or may not contract) keeps them bitwise equal to the vector lanes.
#include "optim.h"
#include "include/ck_optim.h"

#include <math.h>

// MARK: scalar reference

void ck_sgd_impl_ref(float *w, float *v, const float *g, int64_t n, float lr, float momentum, float wd) {
    for (int64_t i = 0; i < n; i++) {
        float step = fmaf(wd, w[i], g[i]);
        if (momentum != 0.0f) step = v[i] = fmaf(momentum, v[i], step);
        w[i] = fmaf(-lr, step, w[i]);
    }
}

void ck_adam_impl_ref(float *w, float *m, float *v, const float *g, int64_t n, const ck_adam_coeffs *k) {
    for (int64_t i = 0; i < n; i++) {
        const float gp = fmaf(k->coupled_decay, w[i], g[i]);
        const float wv = w[i] * k->decay_factor;
        const float mv = fmaf(k->beta1, m[i], k->one_minus_beta1 * gp);
        const float vv = fmaf(k->beta2, v[i], (k->one_minus_beta2 * gp) * gp);
        const float denom = sqrtf(vv) / k->bc2_sqrt + k->eps;
        m[i] = mv;
        v[i] = vv;
        w[i] = fmaf(-k->step_size, mv / denom, wv);
    }
}

// MARK: public entry points: chunked, parallel, dispatched

typedef void (*sgd_fn)(float *, float *, const float *, int64_t, float, float, float);
typedef void (*adam_fn)(float *, float *, float *, const float *, int64_t, const ck_adam_coeffs *);

void ck_sgd_step(float *w, float *v, const float *g, int64_t n, float lr, float momentum, float weight_decay) {
    const sgd_fn f = CK_PICK(sgd_fn, ck_sgd_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(w + s, v ? v + s : NULL, g + s, len, lr, momentum, weight_decay);
}

void ck_adam_step(float *w, float *m, float *v, const float *g, int64_t n,
                  float lr, float beta1, float beta2, float eps, float weight_decay,
                  int64_t step, int decoupled) {
    // Step constants in double, as PyTorch computes them from Python floats; 1 - beta^step in float would
    // lose most digits for beta2 = 0.999 at small steps.
    const double bc1 = 1.0 - pow((double)beta1, (double)step), bc2 = 1.0 - pow((double)beta2, (double)step);
    const ck_adam_coeffs k = {
        .beta1 = beta1, .one_minus_beta1 = (float)(1.0 - (double)beta1),
        .beta2 = beta2, .one_minus_beta2 = (float)(1.0 - (double)beta2),
        .coupled_decay = decoupled ? 0.0f : weight_decay,
        .decay_factor = decoupled ? (float)(1.0 - (double)lr * (double)weight_decay) : 1.0f,
        .step_size = (float)((double)lr / bc1),
        .bc2_sqrt = (float)sqrt(bc2),
        .eps = eps,
    };
    const adam_fn f = CK_PICK(adam_fn, ck_adam_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(w + s, m + s, v + s, g + s, len, &k);
}
