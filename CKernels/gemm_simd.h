// GEMM micro-kernel written once against the SIMD mapping: an MR x (2 VLEN) register tile.
// AVX-512: 8 x 32 (16 accumulators), AVX2: 6 x 16 (12), NEON: 8 x 8 (16).
// AVX-512 uses MR = 8 rather than 12: the models' m (32, 64, 128 channels; 288 = 32*9 lowered rows; batch
// 128) are multiples of 8, so no padded rows and no edge-tile copies, while 16 accumulators still cover the
// FMA latency. Measured on a loaded machine (1 thread, CPU time, Zen 4): CNN5's conv layers 1.04x over
// 12 x 32 in one A/B; single GEMM shapes within noise (+0..8% best-of-3, one conv shape -5%).

#if VLEN == 16
#define GEMM_MR 8
#elif VLEN == 8
#define GEMM_MR 6
#else
#define GEMM_MR 8
#endif
#define GEMM_NR (2 * VLEN)

static void CK_SUFFIX(ck_gemm_micro)(int64_t kc, const float *CK_RESTRICT ap, const float *CK_RESTRICT bp,
                                     float *CK_RESTRICT c, int64_t ldc, float alpha, float beta) {
    vf acc0[GEMM_MR], acc1[GEMM_MR];
#pragma clang loop unroll(full)
    for (int i = 0; i < GEMM_MR; i++) { acc0[i] = vf_zero(); acc1[i] = vf_zero(); }
    for (int64_t p = 0; p < kc; p++) {
        const vf b0 = vf_load(bp), b1 = vf_load(bp + VLEN);
#pragma clang loop unroll(full)
        for (int i = 0; i < GEMM_MR; i++) {
            const vf a = vf_set1(ap[i]);
            acc0[i] = vf_fmadd(a, b0, acc0[i]);
            acc1[i] = vf_fmadd(a, b1, acc1[i]);
        }
        ap += GEMM_MR;
        bp += GEMM_NR;
    }
    const vf va = vf_set1(alpha);
    if (beta == 0.0f) {
#pragma clang loop unroll(full)
        for (int i = 0; i < GEMM_MR; i++) {
            vf_store(c + i * ldc, vf_mul(va, acc0[i]));
            vf_store(c + i * ldc + VLEN, vf_mul(va, acc1[i]));
        }
    } else {
        const vf vb = vf_set1(beta);
#pragma clang loop unroll(full)
        for (int i = 0; i < GEMM_MR; i++) {
            float *row = c + i * ldc;
            vf_store(row, vf_fmadd(va, acc0[i], vf_mul(vb, vf_load(row))));
            vf_store(row + VLEN, vf_fmadd(va, acc1[i], vf_mul(vb, vf_load(row + VLEN))));
        }
    }
}

/// Full micro-panels of a plain B, row by row (ck_gemm_pack_b_fn); offset[q] < 0 marks a panel to skip.
static void CK_SUFFIX(ck_gemm_pack_b)(float *CK_RESTRICT dst, const float *CK_RESTRICT src, int64_t ld,
                                      int64_t rows, const int64_t *offset, int64_t panels) {
    for (int64_t p = 0; p < rows; p++, src += ld, dst += GEMM_NR)
        for (int64_t q = 0; q < panels; q++) {
            if (offset[q] < 0) continue;
            float *d = dst + q * rows * GEMM_NR;
            vf_store(d, vf_load(src + offset[q]));
            vf_store(d + VLEN, vf_load(src + offset[q] + VLEN));
        }
}

#if VLEN == 8 && CK_ARCH_X86
/// r[k] = column k of the 8x8 block whose rows are r[0..7] on entry: unpacks, 64-bit shuffles, then 128-bit
/// lane swaps. Behind transpose6x8 and the transposed-B packing below, and the channels-last block copies
/// (conv_simd.h).
static inline void CK_SUFFIX(transpose8x8)(__m256 r[8]) {
    __m256 t[8];
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);      // per 128-bit lane: a0 b0 a1 b1
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);  // a2 b2 a3 b3
    }
#pragma clang loop unroll(full)
    for (int h = 0; h < 8; h += 4) {  // rows h..h+3: r[h + j] holds k = j (low lane) and j + 4 (high lane)
        r[h + 0] = _mm256_shuffle_ps(t[h], t[h + 2], 0x44);
        r[h + 1] = _mm256_shuffle_ps(t[h], t[h + 2], 0xEE);
        r[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0x44);
        r[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0xEE);
    }
#pragma clang loop unroll(full)
    for (int j = 0; j < 4; j++) {
        t[j] = _mm256_permute2f128_ps(r[j], r[4 + j], 0x20);
        t[j + 4] = _mm256_permute2f128_ps(r[j], r[4 + j], 0x31);
    }
#pragma clang loop unroll(full)
    for (int j = 0; j < 8; j++) r[j] = t[j];
}

/// dst[k*6 + i] = row[i][k] for i < 6, k < 8: an MR = 6 micro-panel piece from six 8-float loads (two zero
/// rows) through the 8x8 transpose. Each k's column is stored whole, its two zero lanes overwritten by the next
/// k's store, except the last (4 + 2 floats), so nothing past dst[47] is written. AVX2's GEMM_PANEL_TRANSPOSE.
static inline void CK_SUFFIX(transpose6x8)(float *CK_RESTRICT dst, const float *const *row) {
    __m256 r[8];
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++) r[i] = _mm256_loadu_ps(row[i]);
    r[6] = r[7] = _mm256_setzero_ps();
    CK_SUFFIX(transpose8x8)(r);
#pragma clang loop unroll(full)
    for (int j = 0; j < 7; j++) _mm256_storeu_ps(dst + j * 6, r[j]);
    _mm_storeu_ps(dst + 42, _mm256_castps256_ps128(r[7]));
    _mm_storel_pi((__m64 *)(void *)(dst + 46), _mm256_extractf128_ps(r[7], 1));
}

/// A full NR = 16 micro-panel of a transposed B (ck_gemm_pack_bt_fn): 8 x 8 blocks through registers.
static void CK_SUFFIX(ck_gemm_pack_bt)(float *CK_RESTRICT dst, const float *CK_RESTRICT src, int64_t ld,
                                       int64_t rows) {
    int64_t p = 0;
    for (; p + 8 <= rows; p += 8)
        for (int h = 0; h < 16; h += 8) {
            __m256 r[8];
#pragma clang loop unroll(full)
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + (h + i) * ld + p);
            CK_SUFFIX(transpose8x8)(r);
#pragma clang loop unroll(full)
            for (int k = 0; k < 8; k++) _mm256_storeu_ps(dst + (p + k) * 16 + h, r[k]);
        }
    for (; p < rows; p++)
        for (int j = 0; j < 16; j++) dst[p * 16 + j] = src[j * ld + p];
}
#endif

#if VLEN == 16 && CK_ARCH_X86
/// dst[k*ldd + i] = src[i*lds + k] for i, k < 16: the 16x16 in-register transpose (unpack, then 64-bit and
/// 128-bit lane shuffles).
static inline void CK_SUFFIX(transpose16)(float *dst, int64_t ldd, const float *src, int64_t lds) {
    __m512 r[16], t[16];
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + i * lds);
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) _mm512_storeu_ps(dst + i * ldd, r[i]);
}

/// dst[k*8 + i] = row[i][k] for i < 8, k < 16: eight 16-float loads become 128 packed floats (an MR = 8 micro-panel
/// piece) through unpacks and 128-bit lane shuffles. Shared by the A packing below and the channels-last
/// convolution's pixel packing (conv_simd.h).
static inline void CK_SUFFIX(transpose8x16)(float *CK_RESTRICT dst, const float *const *row) {
    __m512 t[8], u[8];
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i += 2) {
        const __m512 a = _mm512_loadu_ps(row[i]), b = _mm512_loadu_ps(row[i + 1]);
        t[i] = _mm512_unpacklo_ps(a, b);      // per 128-bit lane: a0 b0 a1 b1
        t[i + 1] = _mm512_unpackhi_ps(a, b);  // a2 b2 a3 b3
    }
#pragma clang loop unroll(full)
    for (int h = 0; h < 8; h += 4) {  // rows h..h+3: u[h + j] holds k = j, j+4, j+8, j+12 (one per lane)
        u[h + 0] = _mm512_shuffle_ps(t[h], t[h + 2], 0x44);
        u[h + 1] = _mm512_shuffle_ps(t[h], t[h + 2], 0xEE);
        u[h + 2] = _mm512_shuffle_ps(t[h + 1], t[h + 3], 0x44);
        u[h + 3] = _mm512_shuffle_ps(t[h + 1], t[h + 3], 0xEE);
    }
#pragma clang loop unroll(full)
    for (int j = 0; j < 4; j += 2) {
        // Rows 0-3 and 4-7 of k = j (+8) and j+1 (+9), then of k = j+4 (+12) and j+5 (+13).
        const __m512 p0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88), p1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
        const __m512 q0 = _mm512_shuffle_f32x4(u[j + 1], u[5 + j], 0x88), q1 = _mm512_shuffle_f32x4(u[j + 1], u[5 + j], 0xDD);
        _mm512_storeu_ps(dst + j * 8, _mm512_shuffle_f32x4(p0, q0, 0x88));
        _mm512_storeu_ps(dst + (j + 8) * 8, _mm512_shuffle_f32x4(p0, q0, 0xDD));
        _mm512_storeu_ps(dst + (j + 4) * 8, _mm512_shuffle_f32x4(p1, q1, 0x88));
        _mm512_storeu_ps(dst + (j + 12) * 8, _mm512_shuffle_f32x4(p1, q1, 0xDD));
    }
}

/// A full micro-panel of a transposed B (ck_gemm_pack_bt_fn): 16 x 16 blocks through registers instead of
/// one strided scalar store per element (the weight gradients' B is the transposed im2col matrix; measured:
/// this packing was 9-13% of CNN3 training with the scalar loop).
static void CK_SUFFIX(ck_gemm_pack_bt)(float *CK_RESTRICT dst, const float *CK_RESTRICT src, int64_t ld,
                                       int64_t rows) {
    int64_t p = 0;
    for (; p + 16 <= rows; p += 16)
        for (int h = 0; h < GEMM_NR; h += 16)
            CK_SUFFIX(transpose16)(dst + p * GEMM_NR + h, GEMM_NR, src + h * ld + p, ld);
    for (; p < rows; p++)
        for (int j = 0; j < GEMM_NR; j++) dst[p * GEMM_NR + j] = src[j * ld + p];
}
#endif

#if (VLEN == 16 || VLEN == 8) && CK_ARCH_X86
// The register transpose that packs GEMM_PANEL_RUN consecutive values of each of GEMM_PANEL_MR (= GEMM_MR) rows
// into MR-value columns: AVX-512 8 rows x 16 (transpose8x16), AVX2 6 x 8 (transpose6x8). Used by the plain-A
// packing below and by the channels-last convolution's pixel packing (conv_simd.h, included after this file,
// which undefines these three).
#if VLEN == 16
#define GEMM_PANEL_MR 8
#define GEMM_PANEL_RUN 16
#define GEMM_PANEL_TRANSPOSE CK_SUFFIX(transpose8x16)
#else
#define GEMM_PANEL_MR 6
#define GEMM_PANEL_RUN 8
#define GEMM_PANEL_TRANSPOSE CK_SUFFIX(transpose6x8)
#endif

/// A full MR-row micro-panel of a plain A (ck_gemm_pack_a_fn), GEMM_PANEL_RUN columns at a time through the
/// transpose instead of one strided scalar load per element (measured: that loop was 5% of MLP training).
static void CK_SUFFIX(ck_gemm_pack_a)(float *CK_RESTRICT dst, const float *CK_RESTRICT src, int64_t ld,
                                      int64_t cols) {
    int64_t t = 0;
    for (; t + GEMM_PANEL_RUN <= cols; t += GEMM_PANEL_RUN) {
        const float *at[GEMM_PANEL_MR];
        for (int i = 0; i < GEMM_PANEL_MR; i++) at[i] = src + i * ld + t;
        GEMM_PANEL_TRANSPOSE(dst + t * GEMM_PANEL_MR, at);
    }
    for (; t < cols; t++)
        for (int i = 0; i < GEMM_PANEL_MR; i++) dst[t * GEMM_PANEL_MR + i] = src[i * ld + t];
}
#endif

/// ck_fma_peak's loop on one thread: CK_FMA_PROBE_ACC (12) accumulators cover latency x throughput on every target
/// (Zen 4: 4 cycles x 1 zmm FMA per cycle; Skylake-X: 4 x 2; Haswell: 5 x 2 ymm).
int CK_SUFFIX(ck_fma_probe)(double *out, int64_t iterations, float a, float b) {
    vf acc[CK_FMA_PROBE_ACC];
    const vf va = vf_set1(a), vb = vf_set1(b);
#pragma clang loop unroll(full)
    for (int j = 0; j < CK_FMA_PROBE_ACC; j++) acc[j] = vf_set1(1.0f + (float)j / 100.0f);
    for (int64_t i = 0; i < iterations; i++) {
#pragma clang loop unroll(full)
        for (int j = 0; j < CK_FMA_PROBE_ACC; j++) acc[j] = vf_fmadd(acc[j], va, vb);
    }
    for (int j = 0; j < CK_FMA_PROBE_ACC; j++) {
        float lanes[VLEN];
        vf_store(lanes, acc[j]);
        out[j] = 0.0;
        for (int l = 0; l < VLEN; l++) out[j] += (double)lanes[l];
    }
    return VLEN;
}

void CK_SUFFIX(ck_gemm_config)(ck_gemm_config *cfg) {
    cfg->mr = GEMM_MR;
    cfg->nr = GEMM_NR;
    cfg->kc = 384;
    cfg->mc = GEMM_MR * (1024 / GEMM_MR);
    cfg->nc = GEMM_NR * 12;
    cfg->micro = CK_SUFFIX(ck_gemm_micro);
    cfg->pack_b = CK_SUFFIX(ck_gemm_pack_b);
#if (VLEN == 16 || VLEN == 8) && CK_ARCH_X86
    cfg->pack_bt = CK_SUFFIX(ck_gemm_pack_bt);
    cfg->pack_a = CK_SUFFIX(ck_gemm_pack_a);
#else
    cfg->pack_bt = NULL;
    cfg->pack_a = NULL;
#endif
}

#undef GEMM_MR
#undef GEMM_NR
