// The Winograd F(4x4, 2x2) tile transforms (conv_polyphase.c) written against the SIMD mapping, one channel per
// lane. Same operations in the same order as the scalar references (multiplications by powers of two only, exact, so
// contracting them into FMAs changes nothing), so every ISA gives the same bits; channel
// tails go to the references.

void CK_SUFFIX(ck_poly_input_impl)(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t n) {
    int64_t c = 0;
    const vf two = vf_set1(2.0f);
    for (; c + VLEN <= n; c += VLEN) {
        vf t[25];
        for (int j = 0; j < 5; j++) {
            const vf d0 = vf_load(d[j] + c), d1 = vf_load(d[5 + j] + c), d2 = vf_load(d[10 + j] + c),
                     d3 = vf_load(d[15 + j] + c), d4 = vf_load(d[20 + j] + c);
            t[j] = vf_add(vf_sub(vf_mul(two, vf_sub(d0, d2)), d1), d3);
            t[5 + j] = vf_sub(vf_sub(d3, vf_mul(two, d1)), d2);
            t[10 + j] = vf_add(vf_sub(vf_mul(two, vf_sub(d1, d2)), d2), d3);
            t[15 + j] = vf_sub(d3, d1);
            t[20 + j] = vf_add(vf_sub(vf_mul(two, vf_sub(d1, d3)), d2), d4);
        }
        for (int u = 0; u < 5; u++) {
            const vf *r = t + 5 * u;
            vf_store(v + (5 * u + 0) * ldv + c, vf_add(vf_sub(vf_mul(two, vf_sub(r[0], r[2])), r[1]), r[3]));
            vf_store(v + (5 * u + 1) * ldv + c, vf_sub(vf_sub(r[3], vf_mul(two, r[1])), r[2]));
            vf_store(v + (5 * u + 2) * ldv + c, vf_add(vf_sub(vf_mul(two, vf_sub(r[1], r[2])), r[2]), r[3]));
            vf_store(v + (5 * u + 3) * ldv + c, vf_sub(r[3], r[1]));
            vf_store(v + (5 * u + 4) * ldv + c, vf_add(vf_sub(vf_mul(two, vf_sub(r[1], r[3])), r[2]), r[4]));
        }
    }
    if (c < n) ck_poly_input_tail(v, ldv, d, c, n);
}

void CK_SUFFIX(ck_poly_output_impl)(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias,
                                    int64_t n) {
    int64_t c = 0;
    const vf two = vf_set1(2.0f), four = vf_set1(4.0f), eight = vf_set1(8.0f);
    for (; c + VLEN <= n; c += VLEN) {
        vf s[20];
        for (int j = 0; j < 5; j++) {
            const vf m0 = vf_load(m + j * ldm + c), m1 = vf_load(m + (5 + j) * ldm + c),
                     m2 = vf_load(m + (10 + j) * ldm + c), m3 = vf_load(m + (15 + j) * ldm + c),
                     m4 = vf_load(m + (20 + j) * ldm + c);
            s[j] = vf_add(vf_add(vf_add(m0, m1), m2), m3);
            s[5 + j] = vf_add(vf_sub(m1, m2), vf_mul(two, m3));
            s[10 + j] = vf_add(vf_add(m1, m2), vf_mul(four, m3));
            s[15 + j] = vf_add(vf_add(vf_sub(m1, m2), vf_mul(eight, m3)), m4);
        }
        const vf b = bias ? vf_load(bias + c) : vf_zero();
        for (int i = 0; i < 4; i++) {
            const vf *r = s + 5 * i;
            const vf out[4] = {vf_add(vf_add(vf_add(vf_add(r[0], r[1]), r[2]), r[3]), b),
                               vf_add(vf_add(vf_sub(r[1], r[2]), vf_mul(two, r[3])), b),
                               vf_add(vf_add(vf_add(r[1], r[2]), vf_mul(four, r[3])), b),
                               vf_add(vf_add(vf_add(vf_sub(r[1], r[2]), vf_mul(eight, r[3])), r[4]), b)};
            for (int j = 0; j < 4; j++)
                if (y[4 * i + j]) vf_store(y[4 * i + j] + c, out[j]);
        }
    }
    if (c < n) ck_poly_output_tail(y, m, ldm, bias, c, n);
}
