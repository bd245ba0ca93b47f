// Convolution kernel bodies written against the SIMD mapping (see elementwise_simd.h for the pattern);
// isa_<isa>.c instantiates them per ISA, conv.c holds the scalar reference and the threading.

/// out[j] = sum_k a[k] * b[j*ldb + k] for j < nb (nb <= 4): the dot products of the skinny weight
/// gradient (conv.c, weight_grad_dots). Two vector accumulators per output hide the FMA latency; the
/// summation order depends only on len, so every thread count gives the same bits.
void CK_SUFFIX(ck_conv_dot4_impl)(float *out, const float *a, const float *b, int64_t ldb, int nb, int64_t len) {
    // Unused outputs read row 0 again (branch-free loop; their sums are dropped).
    const float *b0 = b, *b1 = b + (nb > 1 ? ldb : 0), *b2 = b + (nb > 2 ? 2 * ldb : 0), *b3 = b + (nb > 3 ? 3 * ldb : 0);
    vf s0 = vf_zero(), s1 = vf_zero(), s2 = vf_zero(), s3 = vf_zero();
    vf t0 = vf_zero(), t1 = vf_zero(), t2 = vf_zero(), t3 = vf_zero();
    int64_t k = 0;
    for (; k + 2 * VLEN <= len; k += 2 * VLEN) {
        const vf x = vf_load(a + k), y = vf_load(a + k + VLEN);
        s0 = vf_fmadd(x, vf_load(b0 + k), s0);
        s1 = vf_fmadd(x, vf_load(b1 + k), s1);
        s2 = vf_fmadd(x, vf_load(b2 + k), s2);
        s3 = vf_fmadd(x, vf_load(b3 + k), s3);
        t0 = vf_fmadd(y, vf_load(b0 + k + VLEN), t0);
        t1 = vf_fmadd(y, vf_load(b1 + k + VLEN), t1);
        t2 = vf_fmadd(y, vf_load(b2 + k + VLEN), t2);
        t3 = vf_fmadd(y, vf_load(b3 + k + VLEN), t3);
    }
    float r[4] = {vf_reduce_add(vf_add(s0, t0)), vf_reduce_add(vf_add(s1, t1)), vf_reduce_add(vf_add(s2, t2)),
                  vf_reduce_add(vf_add(s3, t3))};
    for (; k < len; k++) {
        r[0] += a[k] * b0[k];
        r[1] += a[k] * b1[k];
        r[2] += a[k] * b2[k];
        r[3] += a[k] * b3[k];
    }
    for (int j = 0; j < nb; j++) out[j] = r[j];
}
