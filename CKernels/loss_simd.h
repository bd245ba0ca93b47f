// Loss kernel bodies written once against the SIMD mapping; see elementwise_simd.h for the pattern.
// Per-element terms in float, each vector of terms added to a double accumulator (vacc); the leftovers go
// to the scalar reference (loss.c), whose double sum is added last.

// `grad` is tested once, outside the loop: the loss-only loop then does no stores at all. `term` defines
// the vector `l` of loss terms (and whatever the gradient needs); `grad_value` is the gradient vector.
#define CK_LOSS_LOOP(grad, n, i, term, grad_value, scalar_call)                                     \
    vacc acc = vacc_zero();                                                                          \
    int64_t i = 0;                                                                                   \
    if (grad) {                                                                                      \
        for (; i + VLEN <= (n); i += VLEN) { term; acc = vacc_add(acc, l); vf_store(grad + i, grad_value); } \
    } else {                                                                                         \
        for (; i + VLEN <= (n); i += VLEN) { term; acc = vacc_add(acc, l); }                        \
    }                                                                                                \
    return vacc_sum(acc) + (i < (n) ? (scalar_call) : 0.0);

double CK_SUFFIX(ck_mse_chunk)(float *grad, const float *y, const float *t, int64_t n, float c) {
    const vf vc = vf_set1(c);
    CK_LOSS_LOOP(grad, n, i, const vf d = vf_sub(vf_load(y + i), vf_load(t + i)); const vf l = vf_mul(d, d),
                 vf_mul(vc, d), ck_mse_chunk_ref(grad ? grad + i : NULL, y + i, t + i, n - i, c))
}

double CK_SUFFIX(ck_bce_chunk)(float *grad, const float *p, const float *t, int64_t n, float c) {
    const vf vc = vf_set1(c), one = vf_set1(1.0f), lo = vf_set1(CK_BCE_EPS), hi = vf_set1(1.0f - CK_BCE_EPS);
    CK_LOSS_LOOP(grad, n, i,
                 const vf pc = vf_min(vf_max(vf_load(p + i), lo), hi); const vf q = vf_sub(one, pc);
                 const vf tv = vf_load(t + i);
                 const vf l = vf_sub(vf_zero(), vf_add(vf_mul(tv, vf_log(pc)), vf_mul(vf_sub(one, tv), vf_log(q)))),
                 vf_div(vf_mul(vc, vf_sub(pc, tv)), vf_mul(pc, q)),
                 ck_bce_chunk_ref(grad ? grad + i : NULL, p + i, t + i, n - i, c))
}

// e = exp(-|z|) is in (0, 1] for any z (no overflow); sigmoid(z) = (z > 0 ? 1 : e) / (1 + e) is stable.
double CK_SUFFIX(ck_bce_logits_chunk)(float *grad, const float *z, const float *t, int64_t n, float c) {
    const vf vc = vf_set1(c), one = vf_set1(1.0f);
    CK_LOSS_LOOP(grad, n, i,
                 const vf zv = vf_load(z + i); const vf tv = vf_load(t + i);
                 const vf e = vf_exp(vf_sub(vf_zero(), vf_abs(zv)));
                 const vf l = vf_add(vf_sub(vf_max(zv, vf_zero()), vf_mul(zv, tv)), vf_log1p_unit(e)),
                 vf_mul(vc, vf_sub(vf_div(vf_select_pos(zv, one, e), vf_add(one, e)), tv)),
                 ck_bce_logits_chunk_ref(grad ? grad + i : NULL, z + i, t + i, n - i, c))
}
#undef CK_LOSS_LOOP

double CK_SUFFIX(ck_l1_chunk)(float *grad, const float *z, int64_t n, float lambda) {
    const vf lam = vf_set1(lambda), neg_lam = vf_set1(-lambda);
    vacc acc = vacc_zero();
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        const vf zv = vf_load(z + i);
        acc = vacc_add(acc, vf_abs(zv));
        if (grad) {  // loop-invariant: hoisted by the compiler
            const vf sign = vf_select_pos(zv, lam, vf_select_pos(vf_sub(vf_zero(), zv), neg_lam, vf_zero()));
            vf_store(grad + i, vf_add(vf_load(grad + i), sign));
        }
    }
    return vacc_sum(acc) + (i < n ? ck_l1_chunk_ref(grad ? grad + i : NULL, z + i, n - i, lambda) : 0.0);
}

float CK_SUFFIX(ck_row_max)(const float *z, int64_t n) {
    int64_t i = 0;
    float m = -__builtin_inff();  // no <math.h> in the isa_*.c units
    if (n >= VLEN) {
        vf vm = vf_load(z);
        for (i = VLEN; i + VLEN <= n; i += VLEN) vm = vf_max(vm, vf_load(z + i));
        float lanes[VLEN];
        vf_store(lanes, vm);
        for (int k = 0; k < VLEN; k++) m = m > lanes[k] ? m : lanes[k];
    }
    const float tail = ck_row_max_ref(z + i, n - i);
    return m > tail ? m : tail;
}

double CK_SUFFIX(ck_exp_shift_sum)(float *e, const float *z, int64_t n, float shift) {
    const vf s = vf_set1(shift);
    vacc acc = vacc_zero();
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        const vf v = vf_exp(vf_sub(vf_load(z + i), s));
        acc = vacc_add(acc, v);
        if (e) vf_store(e + i, v);
    }
    return vacc_sum(acc) + (i < n ? ck_exp_shift_sum_ref(e ? e + i : NULL, z + i, n - i, shift) : 0.0);
}

void CK_SUFFIX(ck_scale_to)(float *out, const float *x, int64_t n, float s) {
    const vf vs = vf_set1(s);
    int64_t i = 0;
    for (; i + VLEN <= n; i += VLEN) vf_store(out + i, vf_mul(vf_load(x + i), vs));
    if (i < n) ck_scale_to_ref(out + i, x + i, n - i, s);
}
