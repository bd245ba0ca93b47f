// Per-ISA optimiser variants (internal); see elementwise.h for the pattern. Every variant uses the same
// sequence of correctly rounded operations (explicit fma, sqrt, div), so all ISAs give bitwise equal updates.
#pragma once
#include "ck_internal.h"

/// Per-step Adam constants, computed once in double by ck_adam_step (as PyTorch does in Python floats).
typedef struct ck_adam_coeffs {
    float beta1, one_minus_beta1, beta2, one_minus_beta2;
    float coupled_decay;  // Adam: weight_decay (added to g); AdamW: 0
    float decay_factor;   // AdamW: 1 - lr * weight_decay (w *= it first); Adam: 1 (exact no-op)
    float step_size;      // lr / (1 - beta1^step)
    float bc2_sqrt;       // sqrt(1 - beta2^step)
    float eps;
} ck_adam_coeffs;

#define CK_OPTIM_VARIANTS(X)                                                                                \
    X(void, ck_sgd_impl, (float *w, float *v, const float *g, int64_t n, float lr, float momentum, float wd)) \
    X(void, ck_adam_impl, (float *w, float *m, float *v, const float *g, int64_t n, const ck_adam_coeffs *k))

#define CK_DECLARE_REF_AND_ISA(ret, name, args) ret name##_ref args; CK_ISA_PROTOS(ret, name, args)
CK_OPTIM_VARIANTS(CK_DECLARE_REF_AND_ISA)
#undef CK_DECLARE_REF_AND_ISA
