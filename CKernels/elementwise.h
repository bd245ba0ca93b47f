// Per-ISA variants of the activation kernels (internal). Each processes one contiguous range; the public
// functions in elementwise.c split the work into chunks and pick the variant for the active ISA.
#ifndef CK_ELEMENTWISE_INTERNAL_H
#define CK_ELEMENTWISE_INTERNAL_H
#include "ck_internal.h"

#define CK_ELTWISE_VARIANTS(X)                                                                   \
    X(void, ck_relu_forward_impl, (float *y, const float *x, int64_t n))                         \
    X(void, ck_relu_backward_impl, (float *dx, const float *dy, const float *y, int64_t n))      \
    X(void, ck_leaky_relu_forward_impl, (float *y, const float *x, int64_t n, float slope))      \
    X(void, ck_leaky_relu_backward_impl, (float *dx, const float *dy, const float *x, int64_t n, float slope)) \
    X(void, ck_sigmoid_forward_impl, (float *y, const float *x, int64_t n))                      \
    X(void, ck_sigmoid_backward_impl, (float *dx, const float *dy, const float *y, int64_t n))   \
    X(void, ck_tanh_forward_impl, (float *y, const float *x, int64_t n))                         \
    X(void, ck_tanh_backward_impl, (float *dx, const float *dy, const float *y, int64_t n))      \
    X(void, ck_axpy_impl, (float *y, const float *x, int64_t n, float alpha))                    \
    X(void, ck_scale_impl, (float *y, const float *x, int64_t n, float alpha))                   \
    X(void, ck_dropout_mask_impl, (float *out, const float *in, const uint32_t *w, int64_t n, uint32_t keep_from, float scale))

#define CK_DECLARE_REF_AND_ISA(ret, name, args) ret name##_ref args; CK_ISA_PROTOS(ret, name, args)
CK_ELTWISE_VARIANTS(CK_DECLARE_REF_AND_ISA)
#undef CK_DECLARE_REF_AND_ISA

#endif
