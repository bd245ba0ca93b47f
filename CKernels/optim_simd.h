// Optimiser bodies written once against the SIMD mapping; see elementwise_simd.h for the pattern. The
// operation sequence matches the scalar reference in optim.c exactly (same fmas, sqrt and divisions), so
// the vector lanes and the scalar tail agree bitwise.

void CK_SUFFIX(ck_sgd_impl)(float *w, float *v, const float *g, int64_t n, float lr, float momentum, float wd) {
    const vf vwd = vf_set1(wd), vmom = vf_set1(momentum), neg_lr = vf_set1(-lr);
    int64_t i = 0;
    if (momentum != 0.0f) {
        for (; i + VLEN <= n; i += VLEN) {
            const vf wv = vf_load(w + i);
            const vf vel = vf_fmadd(vmom, vf_load(v + i), vf_fmadd(vwd, wv, vf_load(g + i)));
            vf_store(v + i, vel);
            vf_store(w + i, vf_fmadd(neg_lr, vel, wv));
        }
    } else {
        for (; i + VLEN <= n; i += VLEN) {
            const vf wv = vf_load(w + i);
            vf_store(w + i, vf_fmadd(neg_lr, vf_fmadd(vwd, wv, vf_load(g + i)), wv));
        }
    }
    if (i < n) ck_sgd_impl_ref(w + i, v ? v + i : NULL, g + i, n - i, lr, momentum, wd);
}

void CK_SUFFIX(ck_adam_impl)(float *w, float *m, float *v, const float *g, int64_t n, const ck_adam_coeffs *k) {
    const vf b1 = vf_set1(k->beta1), omb1 = vf_set1(k->one_minus_beta1);
    const vf b2 = vf_set1(k->beta2), omb2 = vf_set1(k->one_minus_beta2);
    const vf wd = vf_set1(k->coupled_decay), decay = vf_set1(k->decay_factor);
    const vf neg_step = vf_set1(-k->step_size), bc2 = vf_set1(k->bc2_sqrt), eps = vf_set1(k->eps);
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        vf wv = vf_load(w + i);
        const vf gp = vf_fmadd(wd, wv, vf_load(g + i));
        wv = vf_mul(wv, decay);
        const vf mv = vf_fmadd(b1, vf_load(m + i), vf_mul(omb1, gp));
        const vf vv = vf_fmadd(b2, vf_load(v + i), vf_mul(vf_mul(omb2, gp), gp));
        const vf denom = vf_add(vf_div(vf_sqrt(vv), bc2), eps);
        vf_store(m + i, mv);
        vf_store(v + i, vv);
        vf_store(w + i, vf_fmadd(neg_step, vf_div(mv, denom), wv));
    }
    if (i < n) ck_adam_impl_ref(w + i, m + i, v + i, g + i, n - i, k);
}
