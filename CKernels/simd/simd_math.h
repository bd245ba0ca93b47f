// Vector math written once against the mapping (vf_*): included after a simd_<isa>.h.
#ifndef CK_SIMD_MATH_H
#define CK_SIMD_MATH_H

/// exp(x), Cephes-style: x = n ln2 + r, exp(r) by a degree-6 polynomial, 2^n from the exponent bits.
/// Inputs are clamped to [-87.3, 88] so 2^n stays a normal float; relative error about 2 ulp.
static inline vf vf_exp(vf x) {
    x = vf_min(vf_max(x, vf_set1(-87.3f)), vf_set1(88.0f));
    const vf n = vf_round(vf_mul(x, vf_set1(1.44269504088896341f)));
    vf r = vf_fmadd(n, vf_set1(-0.693359375f), x);
    r = vf_fmadd(n, vf_set1(2.12194440e-4f), r);
    vf p = vf_set1(1.9875691500e-4f);
    p = vf_fmadd(p, r, vf_set1(1.3981999507e-3f));
    p = vf_fmadd(p, r, vf_set1(8.3334519073e-3f));
    p = vf_fmadd(p, r, vf_set1(4.1665795894e-2f));
    p = vf_fmadd(p, r, vf_set1(1.6666665459e-1f));
    p = vf_fmadd(p, r, vf_set1(5.0000001201e-1f));
    p = vf_fmadd(p, vf_mul(r, r), vf_add(r, vf_set1(1.0f)));
    return vf_mul(p, vf_pow2n(n));
}

/// 1 / (1 + exp(-x))
static inline vf vf_sigmoid(vf x) {
    const vf one = vf_set1(1.0f);
    return vf_div(one, vf_add(one, vf_exp(vf_sub(vf_zero(), x))));
}

/// tanh(x) = 1 - 2 / (1 + exp(2x)); absolute error ~1e-7 near 0, exact limits at +-inf.
static inline vf vf_tanh(vf x) {
    const vf one = vf_set1(1.0f);
    return vf_sub(one, vf_div(vf_set1(2.0f), vf_add(one, vf_exp(vf_add(x, x)))));
}

/// log(x) for positive normal x, Cephes logf: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a
/// degree-9 polynomial in m - 1. About 1 ulp. Zero, negative, subnormal or infinite inputs are not handled
/// (callers clamp first).
static inline vf vf_log(vf x) {
    const vf one = vf_set1(1.0f);
    vf e;
    vf m = vf_frexp(x, &e);
    // m < sqrt(1/2): use 2m - 1 and e - 1 so the polynomial argument stays in [-0.29, 0.41].
    const vf small = vf_sub(vf_set1(0.707106781186547524f), m);
    e = vf_select_pos(small, vf_sub(e, one), e);
    m = vf_select_pos(small, vf_sub(vf_add(m, m), one), vf_sub(m, one));
    const vf z = vf_mul(m, m);
    vf y = vf_set1(7.0376836292e-2f);
    y = vf_fmadd(y, m, vf_set1(-1.1514610310e-1f));
    y = vf_fmadd(y, m, vf_set1(1.1676998740e-1f));
    y = vf_fmadd(y, m, vf_set1(-1.2420140846e-1f));
    y = vf_fmadd(y, m, vf_set1(1.4249322787e-1f));
    y = vf_fmadd(y, m, vf_set1(-1.6668057665e-1f));
    y = vf_fmadd(y, m, vf_set1(2.0000714765e-1f));
    y = vf_fmadd(y, m, vf_set1(-2.4999993993e-1f));
    y = vf_fmadd(y, m, vf_set1(3.3333331174e-1f));
    y = vf_mul(vf_mul(y, m), z);
    y = vf_fmadd(e, vf_set1(-2.12194440e-4f), y);
    y = vf_fmadd(z, vf_set1(-0.5f), y);
    return vf_fmadd(e, vf_set1(0.693359375f), vf_add(m, y));
}

/// log(1 + x) for x in [0, 1]: log(u) * x / (u - 1) with u = 1 + x corrects the rounding of u, so tiny x
/// keep their value instead of collapsing to log(1) = 0.
static inline vf vf_log1p_unit(vf x) {
    const vf u = vf_add(vf_set1(1.0f), x);
    const vf d = vf_sub(u, vf_set1(1.0f));
    return vf_select_pos(d, vf_mul(vf_log(u), vf_div(x, vf_max(d, vf_set1(1e-30f)))), x);
}

#endif
