// The Winograd F(2x2, 3x3) tile transforms (conv_winograd.c) written against the SIMD mapping, one channel per
// lane: channels-last tensors put a tile's channels side by side. Same operations in the same order as the
// scalar references, so every ISA gives the transforms the same bits; channel tails go to the references.

void CK_SUFFIX(ck_wino_input_impl)(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t n) {
    int64_t c = 0;
    for (; c + VLEN <= n; c += VLEN) {
        vf t[16];
        for (int j = 0; j < 4; j++) {
            const vf d0 = vf_load(d[j] + c), d1 = vf_load(d[4 + j] + c), d2 = vf_load(d[8 + j] + c),
                     d3 = vf_load(d[12 + j] + c);
            t[j] = vf_sub(d0, d2);
            t[4 + j] = vf_add(d1, d2);
            t[8 + j] = vf_sub(d2, d1);
            t[12 + j] = vf_sub(d1, d3);
        }
        for (int i = 0; i < 4; i++) {
            const vf *r = t + 4 * i;
            vf_store(v + (4 * i + 0) * ldv + c, vf_sub(r[0], r[2]));
            vf_store(v + (4 * i + 1) * ldv + c, vf_add(r[1], r[2]));
            vf_store(v + (4 * i + 2) * ldv + c, vf_sub(r[2], r[1]));
            vf_store(v + (4 * i + 3) * ldv + c, vf_sub(r[1], r[3]));
        }
    }
    if (c < n) ck_wino_input_tail(v, ldv, d, c, n);
}

void CK_SUFFIX(ck_wino_output_impl)(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias,
                                    int64_t n) {
    int64_t c = 0;
    for (; c + VLEN <= n; c += VLEN) {
        vf s0[4], s1[4];
        for (int j = 0; j < 4; j++) {
            const vf m0 = vf_load(m + j * ldm + c), m1 = vf_load(m + (4 + j) * ldm + c),
                     m2 = vf_load(m + (8 + j) * ldm + c), m3 = vf_load(m + (12 + j) * ldm + c);
            s0[j] = vf_add(vf_add(m0, m1), m2);
            s1[j] = vf_sub(vf_sub(m1, m2), m3);
        }
        const vf b = bias ? vf_load(bias + c) : vf_zero();
        const vf out[4] = {vf_add(vf_add(vf_add(s0[0], s0[1]), s0[2]), b), vf_add(vf_sub(vf_sub(s0[1], s0[2]), s0[3]), b),
                           vf_add(vf_add(vf_add(s1[0], s1[1]), s1[2]), b), vf_add(vf_sub(vf_sub(s1[1], s1[2]), s1[3]), b)};
        for (int r = 0; r < 4; r++)
            if (y[r]) vf_store(y[r] + c, out[r]);
    }
    if (c < n) ck_wino_output_tail(y, m, ldm, bias, c, n);
}

void CK_SUFFIX(ck_wino_grad_impl)(float *CK_RESTRICT yh, int64_t ldy, const float *const *dy, int64_t n) {
    int64_t c = 0;
    const vf z = vf_zero();
    for (; c + VLEN <= n; c += VLEN) {
        const vf a[2] = {vf_load(dy[0] + c), vf_load(dy[1] + c)}, b[2] = {vf_load(dy[2] + c), vf_load(dy[3] + c)};
        vf u[4][2];
        for (int j = 0; j < 2; j++) {
            u[0][j] = a[j];
            u[1][j] = vf_add(a[j], b[j]);
            u[2][j] = vf_sub(a[j], b[j]);
            u[3][j] = vf_sub(z, b[j]);
        }
        for (int i = 0; i < 4; i++) {
            vf_store(yh + (4 * i + 0) * ldy + c, u[i][0]);
            vf_store(yh + (4 * i + 1) * ldy + c, vf_add(u[i][0], u[i][1]));
            vf_store(yh + (4 * i + 2) * ldy + c, vf_sub(u[i][0], u[i][1]));
            vf_store(yh + (4 * i + 3) * ldy + c, vf_sub(z, u[i][1]));
        }
    }
    if (c < n) ck_wino_grad_tail(yh, ldy, dy, c, n);
}
