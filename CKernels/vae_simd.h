// VAE head bodies written once against the SIMD mapping; see elementwise_simd.h for the pattern. The
// leftovers of a row go to the scalar reference (vae.c). sigma = exp(logvar / 2) and sigma^2 = sigma * sigma,
// exactly as the reference computes them, so the variants differ from it only by vf_exp's rounding.
#include "vae.h"

double CK_SUFFIX(ck_vae_row_forward)(float *z, const float *mu, const float *logvar, const float *eps, int64_t n) {
    const vf half = vf_set1(0.5f), one = vf_set1(1.0f);
    vacc acc = vacc_zero();
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        const vf m = vf_load(mu + i), lv = vf_load(logvar + i);
        const vf s = vf_exp(vf_mul(half, lv));
        // eps == NULL is loop-invariant: the compiler unswitches the loop.
        vf_store(z + i, eps ? vf_fmadd(s, vf_load(eps + i), m) : m);
        acc = vacc_add(acc, vf_mul(half, vf_sub(vf_sub(vf_fmadd(m, m, vf_mul(s, s)), one), lv)));
    }
    return vacc_sum(acc) + (i < n ? ck_vae_row_forward_ref(z + i, mu + i, logvar + i, eps ? eps + i : NULL, n - i) : 0.0);
}

void CK_SUFFIX(ck_vae_row_backward)(float *dmu, float *dlogvar, const float *dz, const float *mu, const float *logvar,
                                    const float *eps, int64_t n, float c) {
    const vf half = vf_set1(0.5f), one = vf_set1(1.0f), vc = vf_set1(c);
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        const vf g = vf_load(dz + i), lv = vf_load(logvar + i);
        const vf s = vf_exp(vf_mul(half, lv));
        vf_store(dmu + i, vf_fmadd(vc, vf_load(mu + i), g));
        const vf kl = vf_mul(vc, vf_sub(vf_mul(s, s), one));
        vf_store(dlogvar + i, vf_mul(half, eps ? vf_fmadd(vf_mul(g, vf_load(eps + i)), s, kl) : kl));
    }
    if (i < n) ck_vae_row_backward_ref(dmu + i, dlogvar + i, dz + i, mu + i, logvar + i, eps ? eps + i : NULL, n - i, c);
}
