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

/// Panel rows of the implicit lowering (conv_implicit.c): dst[r*nr + at + i] = src[row_off[r] + off + i*stride]
/// along each run, zero from `valid` on. AVX-512 copies stride-1 and stride-2 runs with masked loads and
/// stores (a stride-2 run is two loads and one even-lane permute per 16 outputs); masked loads never read
/// past a run, so the last plane needs no slack. Other ISAs and strides take the element loop.
void CK_SUFFIX(ck_conv_pack_runs_impl)(float *CK_RESTRICT dst, const float *CK_RESTRICT src, const int64_t *row_off,
                                       int64_t rows, const conv_runs *runs, int nr) {
#if VLEN == 16 && CK_ARCH_X86
    if (runs->stride <= 2) {
        const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        for (int64_t r = 0; r < rows; r++, dst += nr) {
            const float *base = src + row_off[r];
            for (int t = 0; t < runs->count; t++) {
                const float *s = base + runs->off[t];
                float *d = dst + runs->at[t];
                for (int64_t i = 0; i < runs->len[t]; i += 16) {
                    const int64_t n = CK_MIN((int64_t)16, runs->len[t] - i);
                    const __mmask16 out = (__mmask16)((1u << n) - 1u);
                    __m512 v;
                    if (runs->stride == 1) {
                        v = _mm512_maskz_loadu_ps(out, s + i);
                    } else {
                        // Inputs 2i .. 2i + 2n - 2: lanes < 2n - 1 of the two 16-float loads.
                        const int64_t span = 2 * n - 1;
                        const __mmask16 lo = (__mmask16)(span >= 16 ? 0xFFFFu : (1u << span) - 1u);
                        const __mmask16 hi = (__mmask16)(span <= 16 ? 0u : (1u << (span - 16)) - 1u);
                        v = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lo, s + 2 * i), even,
                                                   _mm512_maskz_loadu_ps(hi, s + 2 * i + 16));
                    }
                    _mm512_mask_storeu_ps(d + i, out, v);
                }
            }
            for (int64_t j = runs->valid; j < nr; j++) dst[j] = 0.0f;
        }
        return;
    }
#endif
    ck_conv_pack_runs_impl_ref(dst, src, row_off, rows, runs, nr);
}
