// GEMM micro-kernel written once against the SIMD mapping: an MR x (2 VLEN) register tile.
// AVX-512: 12 x 32 (24 accumulators), AVX2: 6 x 16 (12), NEON: 8 x 8 (16).

#if VLEN == 16
#define GEMM_MR 12
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

void CK_SUFFIX(ck_gemm_config)(ck_gemm_config *cfg) {
    cfg->mr = GEMM_MR;
    cfg->nr = GEMM_NR;
    cfg->kc = 384;
    cfg->mc = GEMM_MR * (1024 / GEMM_MR);
    cfg->nc = GEMM_NR * 12;
    cfg->micro = CK_SUFFIX(ck_gemm_micro);
}

#undef GEMM_MR
#undef GEMM_NR
