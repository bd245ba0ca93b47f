// Per-ISA variants of the batch-norm row operations (internal); see elementwise.h for the pattern. A row is one
// (sample, channel) run of `n` contiguous values; sums come back in double so a channel's total does not depend
// on how its rows are split.
#ifndef CK_NORM_INTERNAL_H
#define CK_NORM_INTERNAL_H
#include "ck_internal.h"

/// Channels per block of the channels-last kernels: one thread owns a block (norm.c).
#define CK_NORM_BLOCK 16

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
                                     float b, float c))                                                          \
    /* Channels-last blocks: `rows` pixels of nc <= CK_NORM_BLOCK channels, `ld` floats apart; per channel j: */ \
    /* s[j] += Σ x */                                                                                            \
    X(void, ck_norm_block_sums, (double *s, const float *x, int64_t rows, int64_t ld, int64_t nc))               \
    /* s[j] += Σ (x − mean[j])² */                                                                               \
    X(void, ck_norm_block_centered_squares, (double *s, const float *x, int64_t rows, int64_t ld, int64_t nc,     \
                                             const float *mean))                                                 \
    /* y = a[j] (x − center[j]) + b[j] */                                                                        \
    X(void, ck_norm_block_affine, (float *y, const float *x, int64_t rows, int64_t ld, int64_t nc,               \
                                   const float *center, const float *a, const float *b))                         \
    /* s0[j] += Σ dy, s1[j] += Σ dy (x − mean[j]) */                                                             \
    X(void, ck_norm_block_grad_sums, (double *s0, double *s1, const float *dy, const float *x, int64_t rows,     \
                                      int64_t ld, int64_t nc, const float *mean))                                \
    /* dx = a[j] dy + b[j] (x − center[j]) + c[j] */                                                             \
    X(void, ck_norm_block_grad_input, (float *dx, const float *dy, const float *x, int64_t rows, int64_t ld,     \
                                       int64_t nc, const float *center, const float *a, const float *b,          \
                                       const float *c))

#define CK_DECLARE_REF_AND_ISA(ret, name, args) ret name##_ref args; CK_ISA_PROTOS(ret, name, args)
CK_NORM_VARIANTS(CK_DECLARE_REF_AND_ISA)
#undef CK_DECLARE_REF_AND_ISA

#endif
