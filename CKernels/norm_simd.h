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
