// Per-ISA variants of the batch-norm row operations (internal); see elementwise.h for the pattern. A row is one
// (sample, channel) run of `n` contiguous values; sums come back in double so a channel's total does not depend
// on how its rows are split.
#ifndef CK_NORM_INTERNAL_H
#define CK_NORM_INTERNAL_H
#include "ck_internal.h"

#define CK_NORM_VARIANTS(X)                                                                                      \
    /* Σ x */                                                                                                    \
    X(double, ck_norm_row_sum, (const float *x, int64_t n))                                                      \
    /* Σ (x − mean)² */                                                                                          \
    X(double, ck_norm_row_centered_squares, (const float *x, int64_t n, float mean))                             \
    /* y = a (x − center) + b (the forward's normalise-and-affine; centring first keeps large means exact) */    \
    X(void, ck_norm_row_affine, (float *y, const float *x, int64_t n, float center, float a, float b))           \
    /* sums[0] += Σ dy, sums[1] += Σ dy (x − mean) */                                                            \
    X(void, ck_norm_row_grad_sums, (double *sums, const float *dy, const float *x, int64_t n, float mean))       \
    /* dx = a dy + b (x − center) + c (the backward folded the same way) */                                      \
    X(void, ck_norm_row_grad_input, (float *dx, const float *dy, const float *x, int64_t n, float center, float a,  \
                                     float b, float c))

#define CK_DECLARE_REF_AND_ISA(ret, name, args) ret name##_ref args; CK_ISA_PROTOS(ret, name, args)
CK_NORM_VARIANTS(CK_DECLARE_REF_AND_ISA)
#undef CK_DECLARE_REF_AND_ISA

#endif
