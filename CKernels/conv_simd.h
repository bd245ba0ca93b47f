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

#if VLEN == 16 && CK_ARCH_X86
/// d[i] = s[i * stride] for i < len, stride 1 or 2: masked loads and stores never touch memory past the run
/// (a stride-2 piece is two loads and one even-lane permute per 16 outputs).
static inline void conv_copy_strided_run(float *CK_RESTRICT d, const float *CK_RESTRICT s, int64_t len,
                                         int64_t stride) {
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    for (int64_t i = 0; i < len; i += 16) {
        const int64_t n = CK_MIN((int64_t)16, len - i);
        const __mmask16 out = (__mmask16)((1u << n) - 1u);
        __m512 v;
        if (stride == 1) {
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
#endif

/// Panel rows of the implicit lowering (conv_implicit.c): dst[r*nr + at + i] = src[row_off[r] + off + i*stride]
/// along each run, zero from `valid` on. AVX-512 copies stride-1 and stride-2 runs with masked vector moves
/// (conv_copy_strided_run), so the last plane needs no slack. Other ISAs and strides take the element loop.
void CK_SUFFIX(ck_conv_pack_runs_impl)(float *CK_RESTRICT dst, const float *CK_RESTRICT src, const int64_t *row_off,
                                       int64_t rows, const conv_runs *runs, int nr) {
#if VLEN == 16 && CK_ARCH_X86
    if (runs->stride <= 2) {
        for (int64_t r = 0; r < rows; r++, dst += nr) {
            const float *base = src + row_off[r];
            for (int t = 0; t < runs->count; t++)
                conv_copy_strided_run(dst + runs->at[t], base + runs->off[t], runs->len[t], runs->stride);
            for (int64_t j = runs->valid; j < nr; j++) dst[j] = 0.0f;
        }
        return;
    }
#endif
    ck_conv_pack_runs_impl_ref(dst, src, row_off, rows, runs, nr);
}

/// col2im of one zero-padded plane (conv_im2col.c): pad[(oh*s + ki)*pw + ow*s + kj] += src[(ki*kw + kj)*n +
/// oh*col_w + ow]. AVX-512 (stride 1 or 2, window rows up to 64 pixels, kw <= 8) adds whole 16-pixel pieces of
/// a padded row: per kernel column kj, one masked expand-load puts src's values in the lanes of the pixels
/// they hit (zeros elsewhere). Each pixel still receives its terms in (ki, kj) order, one rounding each, as in
/// the scalar loop (adding the zero lanes changes nothing but the sign of a zero).
void CK_SUFFIX(ck_conv_col2im_plane_impl)(float *CK_RESTRICT pad, int64_t pw, const float *CK_RESTRICT src, int64_t n,
                                          const conv_geom *g) {
#if VLEN == 16 && CK_ARCH_X86
    enum { MAX_PIECES = 4, MAX_KW = 8 };
    const int64_t s = g->stride, w = g->col_w, kw = g->kw, span = (w - 1) * s + kw;
    if (s <= 2 && kw <= MAX_KW && span <= 16 * MAX_PIECES) {
        // Per 16-pixel piece q and kernel column kj: the lanes hit (outputs ow with ow*s + kj in the piece) and
        // the first such ow. Depends only on the geometry, so it is built once per plane.
        __mmask16 lanes[MAX_PIECES][MAX_KW];
        int64_t first[MAX_PIECES][MAX_KW];
        const int pieces = (int)((span + 15) / 16);
        for (int q = 0; q < pieces; q++)
            for (int64_t kj = 0; kj < kw; kj++) {
                const int64_t p0 = 16 * (int64_t)q;
                const int64_t lo = p0 <= kj ? 0 : (p0 - kj + s - 1) / s, hi = CK_MIN(w, (p0 + 15 - kj) / s + 1);
                unsigned m = 0;
                for (int64_t ow = lo; ow < hi; ow++) m |= 1u << (ow * s + kj - p0);
                lanes[q][kj] = (__mmask16)m;
                first[q][kj] = lo;
            }
        for (int64_t ki = 0; ki < g->kh; ki++)
            for (int64_t oh = 0; oh < g->col_h; oh++) {
                float *row = pad + (oh * s + ki) * pw;
                const float *sr = src + ki * kw * n + oh * w;
                for (int q = 0; q < pieces; q++) {
                    const int64_t left = span - 16 * (int64_t)q;
                    const __mmask16 all = (__mmask16)(left >= 16 ? 0xFFFFu : (1u << left) - 1u);
                    __m512 acc = _mm512_maskz_loadu_ps(all, row + 16 * q);
                    for (int64_t kj = 0; kj < kw; kj++)
                        acc = _mm512_add_ps(acc, _mm512_maskz_expandloadu_ps(lanes[q][kj], sr + kj * n + first[q][kj]));
                    _mm512_mask_storeu_ps(row + 16 * q, all, acc);
                }
            }
        return;
    }
#endif
    ck_conv_col2im_plane_impl_ref(pad, pw, src, n, g);
}

/// MR-pixel micro-panel of the channels-last lowering (conv_nhwc.c): dst[k*mr + i] = src[i][koff[k]] for k <
/// cols, all mr pixels valid. AVX-512 with mr = 8: where 16 consecutive k are 16 consecutive channels (the
/// runs of one window position), eight 16-float loads (one per pixel) become 128 packed floats through the
/// 8x16 in-register transpose of gemm_simd.h; AVX2 with mr = 6 likewise, six 8-float loads through the 8x8
/// transpose (transpose6x8); other pieces take the element loop. The transpose is gemm_simd.h's
/// GEMM_PANEL_TRANSPOSE, as for the GEMM's plain-A panels.
void CK_SUFFIX(ck_conv_pack_pixels_impl)(float *CK_RESTRICT dst, const float *const *src, const int64_t *koff,
                                         int64_t cols, int mr) {
    int64_t k = 0;
#ifdef GEMM_PANEL_MR  // gemm_simd.h's panel transpose for this ISA
    if (mr == GEMM_PANEL_MR) {
        while (k + GEMM_PANEL_RUN <= cols) {
            // A run crossing a window position: one element row, then retry.
            if (koff[k + GEMM_PANEL_RUN - 1] - koff[k] != GEMM_PANEL_RUN - 1) {
                for (int i = 0; i < GEMM_PANEL_MR; i++) dst[k * GEMM_PANEL_MR + i] = src[i][koff[k]];
                k++;
                continue;
            }
            const float *at[GEMM_PANEL_MR];
            for (int i = 0; i < GEMM_PANEL_MR; i++) at[i] = src[i] + koff[k];
            GEMM_PANEL_TRANSPOSE(dst + k * GEMM_PANEL_MR, at);
            k += GEMM_PANEL_RUN;
        }
    }
#undef GEMM_PANEL_MR
#undef GEMM_PANEL_RUN
#undef GEMM_PANEL_TRANSPOSE
#endif
    for (; k < cols; k++)
        for (int i = 0; i < mr; i++) dst[k * mr + i] = src[i][koff[k]];
}

/// One block of the NCHW <-> channels-last copies of conv_nhwc.c: drow[j][i] = srow[i][j] for i < m, j < n
/// (m, n <= 16). AVX-512: masked loads, a 16x16 in-register transpose, masked stores of the n output rows;
/// AVX2: full 8x8 pieces through the 8x8 transpose (3 % of a gan-conv step as the element loop); other ISAs
/// and partial pieces take the element loop.
void CK_SUFFIX(ck_conv_transpose_block_impl)(float *const *drow, const float *const *srow, int64_t m, int64_t n) {
#if VLEN == 16 && CK_ARCH_X86
    const __mmask16 in = (__mmask16)((1u << n) - 1u), out = (__mmask16)((1u << m) - 1u);
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++) r[i] = i < m ? _mm512_maskz_loadu_ps(in, srow[i]) : _mm512_setzero_ps();
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {  // r[i + j]: rows i..i+3 of columns j, j+4, j+8, j+12 (one per lane)
        r[i + 0] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {  // t[j + 4h]: lane L holds rows 4L..4L+3 of column j + 4h
        const __m512 a = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88), b = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xDD);
        const __m512 c = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88), d = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xDD);
        t[j] = _mm512_shuffle_f32x4(a, c, 0x88);
        t[j + 8] = _mm512_shuffle_f32x4(a, c, 0xDD);
        t[j + 4] = _mm512_shuffle_f32x4(b, d, 0x88);
        t[j + 12] = _mm512_shuffle_f32x4(b, d, 0xDD);
    }
    for (int j = 0; j < n; j++) _mm512_mask_storeu_ps(drow[j], out, t[j]);
#elif VLEN == 8 && CK_ARCH_X86
    for (int64_t i0 = 0; i0 < m; i0 += 8)
        for (int64_t j0 = 0; j0 < n; j0 += 8) {
            if (i0 + 8 > m || j0 + 8 > n) {  // a partial 8x8 piece: the element loop
                for (int64_t i = i0; i < CK_MIN(m, i0 + 8); i++)
                    for (int64_t j = j0; j < CK_MIN(n, j0 + 8); j++) drow[j][i] = srow[i][j];
                continue;
            }
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(srow[i0 + i] + j0);
            CK_SUFFIX(transpose8x8)(r);
            for (int j = 0; j < 8; j++) _mm256_storeu_ps(drow[j0 + j] + i0, r[j]);
        }
#else
    ck_conv_transpose_block_impl_ref(drow, srow, m, n);
#endif
}
