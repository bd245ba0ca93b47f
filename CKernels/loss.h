// Per-ISA loss variants (internal); see elementwise.h for the pattern. Each *_chunk variant handles one
// contiguous range, writes its gradient (when grad != NULL) and returns the range's sum of per-element loss
// terms in double; loss.c adds those partial sums in chunk order.
#pragma once
#include "ck_internal.h"

/// Probabilities are clamped to [CK_BCE_EPS, 1 - CK_BCE_EPS] (ck_loss.h).
#define CK_BCE_EPS 1e-7f

#define CK_LOSS_VARIANTS(X)                                                                                 \
    /* sum (y - t)^2; grad = c (y - t) */                                                                   \
    X(double, ck_mse_chunk, (float *grad, const float *y, const float *t, int64_t n, float c))              \
    /* sum of BCE terms on clamped p; grad = c (p - t) / (p (1 - p)) */                                     \
    X(double, ck_bce_chunk, (float *grad, const float *p, const float *t, int64_t n, float c))              \
    /* sum of stable BCE-with-logits terms; grad = c (sigmoid(z) - t) */                                    \
    X(double, ck_bce_logits_chunk, (float *grad, const float *z, const float *t, int64_t n, float c))       \
    /* sum |z|; grad += lambda sign(z) */                                                                   \
    X(double, ck_l1_chunk, (float *grad, const float *z, int64_t n, float lambda))                          \
    /* softmax pieces of one row: max; e = exp(z - shift) (e may be NULL) returning sum e; out = e * s */  \
    X(float, ck_row_max, (const float *z, int64_t n))                                                       \
    X(double, ck_exp_shift_sum, (float *e, const float *z, int64_t n, float shift))                         \
    X(void, ck_scale_to, (float *out, const float *x, int64_t n, float s))

#define CK_DECLARE_REF_AND_ISA(ret, name, args) ret name##_ref args; CK_ISA_PROTOS(ret, name, args)
CK_LOSS_VARIANTS(CK_DECLARE_REF_AND_ISA)
#undef CK_DECLARE_REF_AND_ISA
