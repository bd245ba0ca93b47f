// SIMD mapping for AVX2 + FMA (8 floats). Included only by isa_avx2.c, inside its target region.
#ifndef CK_SIMD_AVX2_H
#define CK_SIMD_AVX2_H
#include <immintrin.h>

#define CK_SUFFIX(name) name##_avx2
#define VLEN 8
typedef __m256 vf;

static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
static inline vf vf_set1(float x) { return _mm256_set1_ps(x); }
static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vf_fmadd(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vf vf_sqrt(vf a) { return _mm256_sqrt_ps(a); }
static inline vf vf_select_pos(vf cond, vf a, vf b) {
    return _mm256_blendv_ps(b, a, _mm256_cmp_ps(cond, _mm256_setzero_ps(), _CMP_GT_OQ));
}
static inline vf vf_round(vf a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline vf vf_pow2n(vf n) {
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
static inline float vf_reduce_add(vf a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline vf vf_abs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
/// Mantissa in [0.5, 1) and exponent (as float) of a positive normal x: x = m 2^e.
static inline vf vf_frexp(vf x, vf *e) {
    const __m256i bits = _mm256_castps_si256(x);
    *e = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(126)));
    return _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32((int)0x807FFFFF)),
                                               _mm256_set1_epi32(0x3F000000)));
}
/// Double-precision accumulator of VLEN lanes (see simd_avx512.h).
typedef struct { __m256d lo, hi; } vacc;
static inline vacc vacc_zero(void) { return (vacc){_mm256_setzero_pd(), _mm256_setzero_pd()}; }
static inline vacc vacc_add(vacc a, vf x) {
    return (vacc){_mm256_add_pd(a.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(x))),
                  _mm256_add_pd(a.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)))};
}
static inline double vacc_sum(vacc a) {
    const __m256d s = _mm256_add_pd(a.lo, a.hi);
    __m128d t = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    return _mm_cvtsd_f64(_mm_add_sd(t, _mm_unpackhi_pd(t, t)));
}

#endif
