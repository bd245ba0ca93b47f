// SIMD mapping for AVX-512 (16 floats). Included only by isa_avx512.c, inside its target region.
#ifndef CK_SIMD_AVX512_H
#define CK_SIMD_AVX512_H
#include <immintrin.h>

#define CK_SUFFIX(name) name##_avx512
#define VLEN 16
typedef __m512 vf;

static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf vf_set1(float x) { return _mm512_set1_ps(x); }
static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vf_fmadd(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }  // a*b + c
static inline vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf vf_sqrt(vf a) { return _mm512_sqrt_ps(a); }
/// a where cond > 0, else b
static inline vf vf_select_pos(vf cond, vf a, vf b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(cond, _mm512_setzero_ps(), _CMP_GT_OQ), b, a);
}
static inline vf vf_round(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/// 2^n for whole-valued n in [-126, 127]
static inline vf vf_pow2n(vf n) {
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}
static inline float vf_reduce_add(vf a) { return _mm512_reduce_add_ps(a); }

static inline vf vf_abs(vf a) { return _mm512_abs_ps(a); }
/// Mantissa in [0.5, 1) and exponent (as float) of a positive normal x: x = m 2^e.
static inline vf vf_frexp(vf x, vf *e) {
    const __m512i bits = _mm512_castps_si512(x);
    *e = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(126)));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32((int)0x807FFFFF)),
                                               _mm512_set1_epi32(0x3F000000)));
}
/// Double-precision accumulator of VLEN lanes: loss sums convert each vector to double, so the sum of a
/// chunk does not lose float precision as it grows.
typedef struct { __m512d lo, hi; } vacc;
static inline vacc vacc_zero(void) { return (vacc){_mm512_setzero_pd(), _mm512_setzero_pd()}; }
static inline vacc vacc_add(vacc a, vf x) {
    return (vacc){_mm512_add_pd(a.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(x))),
                  _mm512_add_pd(a.hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)))};
}
static inline double vacc_sum(vacc a) { return _mm512_reduce_add_pd(_mm512_add_pd(a.lo, a.hi)); }

#endif
