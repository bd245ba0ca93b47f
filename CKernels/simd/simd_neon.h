// SIMD mapping for AArch64 NEON (4 floats). Included only by isa_neon.c.
#ifndef CK_SIMD_NEON_H
#define CK_SIMD_NEON_H
#include <arm_neon.h>

#define CK_SUFFIX(name) name##_neon
#define VLEN 4
typedef float32x4_t vf;

static inline vf vf_load(const float *p) { return vld1q_f32(p); }
static inline void vf_store(float *p, vf v) { vst1q_f32(p, v); }
static inline vf vf_set1(float x) { return vdupq_n_f32(x); }
static inline vf vf_zero(void) { return vdupq_n_f32(0.0f); }
static inline vf vf_add(vf a, vf b) { return vaddq_f32(a, b); }
static inline vf vf_sub(vf a, vf b) { return vsubq_f32(a, b); }
static inline vf vf_mul(vf a, vf b) { return vmulq_f32(a, b); }
static inline vf vf_div(vf a, vf b) { return vdivq_f32(a, b); }
static inline vf vf_fmadd(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }
static inline vf vf_max(vf a, vf b) { return vmaxq_f32(a, b); }
static inline vf vf_min(vf a, vf b) { return vminq_f32(a, b); }
static inline vf vf_sqrt(vf a) { return vsqrtq_f32(a); }
static inline vf vf_select_pos(vf cond, vf a, vf b) { return vbslq_f32(vcgtq_f32(cond, vdupq_n_f32(0.0f)), a, b); }
static inline vf vf_round(vf a) { return vrndnq_f32(a); }
static inline vf vf_pow2n(vf n) {
    int32x4_t e = vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127));
    return vreinterpretq_f32_s32(vshlq_n_s32(e, 23));
}
static inline float vf_reduce_add(vf a) { return vaddvq_f32(a); }

static inline vf vf_abs(vf a) { return vabsq_f32(a); }
/// Mantissa in [0.5, 1) and exponent (as float) of a positive normal x: x = m 2^e.
static inline vf vf_frexp(vf x, vf *e) {
    const uint32x4_t bits = vreinterpretq_u32_f32(x);
    *e = vcvtq_f32_s32(vsubq_s32(vreinterpretq_s32_u32(vshrq_n_u32(bits, 23)), vdupq_n_s32(126)));
    return vreinterpretq_f32_u32(vorrq_u32(vandq_u32(bits, vdupq_n_u32(0x807FFFFFu)), vdupq_n_u32(0x3F000000u)));
}
/// Double-precision accumulator of VLEN lanes (see simd_avx512.h).
typedef struct { float64x2_t lo, hi; } vacc;
static inline vacc vacc_zero(void) { return (vacc){vdupq_n_f64(0.0), vdupq_n_f64(0.0)}; }
static inline vacc vacc_add(vacc a, vf x) {
    return (vacc){vaddq_f64(a.lo, vcvt_f64_f32(vget_low_f32(x))), vaddq_f64(a.hi, vcvt_high_f64_f32(x))};
}
static inline double vacc_sum(vacc a) { return vaddvq_f64(vaddq_f64(a.lo, a.hi)); }

#endif
