// Batch-norm row operations written once against the SIMD mapping; see elementwise_simd.h for the pattern. Sums
// accumulate in double lanes (vacc) like the reference; leftovers go to the scalar reference (norm.c).
#include "norm.h"

double CK_SUFFIX(ck_norm_row_sum)(const float *x, int64_t n) {
    vacc acc = vacc_zero();
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) acc = vacc_add(acc, vf_load(x + i));
    return vacc_sum(acc) + (i < n ? ck_norm_row_sum_ref(x + i, n - i) : 0.0);
}

double CK_SUFFIX(ck_norm_row_centered_squares)(const float *x, int64_t n, float mean) {
    const vf m = vf_set1(mean);
    vacc acc = vacc_zero();
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        const vf d = vf_sub(vf_load(x + i), m);
        acc = vacc_add(acc, vf_mul(d, d));
    }
    return vacc_sum(acc) + (i < n ? ck_norm_row_centered_squares_ref(x + i, n - i, mean) : 0.0);
}

void CK_SUFFIX(ck_norm_row_affine)(float *y, const float *x, int64_t n, float center, float a, float b) {
    const vf m = vf_set1(center), va = vf_set1(a), vb = vf_set1(b);
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) vf_store(y + i, vf_fmadd(va, vf_sub(vf_load(x + i), m), vb));
    if (i < n) ck_norm_row_affine_ref(y + i, x + i, n - i, center, a, b);
}

void CK_SUFFIX(ck_norm_row_grad_sums)(double *sums, const float *dy, const float *x, int64_t n, float mean) {
    const vf m = vf_set1(mean);
    vacc s0 = vacc_zero(), s1 = vacc_zero();
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        const vf g = vf_load(dy + i);
        s0 = vacc_add(s0, g);
        s1 = vacc_add(s1, vf_mul(g, vf_sub(vf_load(x + i), m)));
    }
    sums[0] += vacc_sum(s0);
    sums[1] += vacc_sum(s1);
    if (i < n) ck_norm_row_grad_sums_ref(sums, dy + i, x + i, n - i, mean);
}

void CK_SUFFIX(ck_norm_row_grad_input)(float *dx, const float *dy, const float *x, int64_t n, float center, float a, float b,
                                        float c) {
    const vf m = vf_set1(center), va = vf_set1(a), vb = vf_set1(b), vc = vf_set1(c);
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        vf_store(dx + i, vf_fmadd(va, vf_load(dy + i), vf_fmadd(vb, vf_sub(vf_load(x + i), m), vc)));
    }
    if (i < n) ck_norm_row_grad_input_ref(dx + i, dy + i, x + i, n - i, center, a, b, c);
}

// Channels-last blocks: the reference loops at the fixed width CK_NORM_BLOCK, which the compiler vectorises for
// this ISA (the per-channel order of the double sums is the reference's, so every ISA gives the same bits). Partial
// blocks go to the reference.

void CK_SUFFIX(ck_norm_block_sums)(double *s, const float *x, int64_t rows, int64_t ld, int64_t nc) {
    if (nc != CK_NORM_BLOCK) {
        ck_norm_block_sums_ref(s, x, rows, ld, nc);
        return;
    }
    double acc[CK_NORM_BLOCK];
    for (int j = 0; j < CK_NORM_BLOCK; j++) acc[j] = s[j];
    for (int64_t r = 0; r < rows; r++)
        for (int j = 0; j < CK_NORM_BLOCK; j++) acc[j] += (double)x[r * ld + j];
    for (int j = 0; j < CK_NORM_BLOCK; j++) s[j] = acc[j];
}

void CK_SUFFIX(ck_norm_block_centered_squares)(double *s, const float *x, int64_t rows, int64_t ld, int64_t nc,
                                               const float *mean) {
    if (nc != CK_NORM_BLOCK) {
        ck_norm_block_centered_squares_ref(s, x, rows, ld, nc, mean);
        return;
    }
    double acc[CK_NORM_BLOCK];
    for (int j = 0; j < CK_NORM_BLOCK; j++) acc[j] = s[j];
    for (int64_t r = 0; r < rows; r++)
        for (int j = 0; j < CK_NORM_BLOCK; j++) {
            const float d = x[r * ld + j] - mean[j];
            acc[j] += (double)(d * d);
        }
    for (int j = 0; j < CK_NORM_BLOCK; j++) s[j] = acc[j];
}

void CK_SUFFIX(ck_norm_block_affine)(float *y, const float *x, int64_t rows, int64_t ld, int64_t nc,
                                     const float *center, const float *a, const float *b) {
    if (nc != CK_NORM_BLOCK) {
        ck_norm_block_affine_ref(y, x, rows, ld, nc, center, a, b);
        return;
    }
    for (int64_t r = 0; r < rows; r++)
        for (int j = 0; j < CK_NORM_BLOCK; j++) y[r * ld + j] = __builtin_fmaf(a[j], x[r * ld + j] - center[j], b[j]);
}

void CK_SUFFIX(ck_norm_block_grad_sums)(double *s0, double *s1, const float *dy, const float *x, int64_t rows,
                                        int64_t ld, int64_t nc, const float *mean) {
    if (nc != CK_NORM_BLOCK) {
        ck_norm_block_grad_sums_ref(s0, s1, dy, x, rows, ld, nc, mean);
        return;
    }
    double a0[CK_NORM_BLOCK], a1[CK_NORM_BLOCK];
    for (int j = 0; j < CK_NORM_BLOCK; j++) a0[j] = s0[j], a1[j] = s1[j];
    for (int64_t r = 0; r < rows; r++)
        for (int j = 0; j < CK_NORM_BLOCK; j++) {
            const int64_t i = r * ld + j;
            a0[j] += (double)dy[i];
            a1[j] += (double)(dy[i] * (x[i] - mean[j]));
        }
    for (int j = 0; j < CK_NORM_BLOCK; j++) s0[j] = a0[j], s1[j] = a1[j];
}

void CK_SUFFIX(ck_norm_block_grad_input)(float *dx, const float *dy, const float *x, int64_t rows, int64_t ld,
                                         int64_t nc, const float *center, const float *a, const float *b, const float *c) {
    if (nc != CK_NORM_BLOCK) {
        ck_norm_block_grad_input_ref(dx, dy, x, rows, ld, nc, center, a, b, c);
        return;
    }
    for (int64_t r = 0; r < rows; r++)
        for (int j = 0; j < CK_NORM_BLOCK; j++) {
            const int64_t i = r * ld + j;
            dx[i] = __builtin_fmaf(a[j], dy[i], __builtin_fmaf(b[j], x[i] - center[j], c[j]));
        }
}
