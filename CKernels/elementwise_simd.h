// Activation kernels written once against the SIMD mapping; isa_<isa>.c instantiates them per ISA.
// Each handles whole vectors, then finishes the leftovers with the scalar reference (elementwise.c).

#define CK_ELTWISE_LOOP(n, i, vector_body, scalar_call) \
    int64_t i = 0;                                      \
    for (; i + VLEN <= (n); i += VLEN) { vector_body; } \
    if (i < (n)) scalar_call;

void CK_SUFFIX(ck_relu_forward_impl)(float *y, const float *x, int64_t n) {
    CK_ELTWISE_LOOP(n, i, vf_store(y + i, vf_max(vf_load(x + i), vf_zero())),
                    ck_relu_forward_impl_ref(y + i, x + i, n - i))
}

void CK_SUFFIX(ck_relu_backward_impl)(float *dx, const float *dy, const float *y, int64_t n) {
    CK_ELTWISE_LOOP(n, i, vf_store(dx + i, vf_select_pos(vf_load(y + i), vf_load(dy + i), vf_zero())),
                    ck_relu_backward_impl_ref(dx + i, dy + i, y + i, n - i))
}

void CK_SUFFIX(ck_leaky_relu_forward_impl)(float *y, const float *x, int64_t n, float slope) {
    const vf s = vf_set1(slope);
    CK_ELTWISE_LOOP(n, i, { vf v = vf_load(x + i); vf_store(y + i, vf_select_pos(v, v, vf_mul(v, s))); },
                    ck_leaky_relu_forward_impl_ref(y + i, x + i, n - i, slope))
}

void CK_SUFFIX(ck_leaky_relu_backward_impl)(float *dx, const float *dy, const float *x, int64_t n, float slope) {
    const vf s = vf_set1(slope);
    CK_ELTWISE_LOOP(n, i, { vf g = vf_load(dy + i); vf_store(dx + i, vf_select_pos(vf_load(x + i), g, vf_mul(g, s))); },
                    ck_leaky_relu_backward_impl_ref(dx + i, dy + i, x + i, n - i, slope))
}

void CK_SUFFIX(ck_sigmoid_forward_impl)(float *y, const float *x, int64_t n) {
    CK_ELTWISE_LOOP(n, i, vf_store(y + i, vf_sigmoid(vf_load(x + i))),
                    ck_sigmoid_forward_impl_ref(y + i, x + i, n - i))
}

void CK_SUFFIX(ck_sigmoid_backward_impl)(float *dx, const float *dy, const float *y, int64_t n) {
    const vf one = vf_set1(1.0f);
    CK_ELTWISE_LOOP(n, i, { vf v = vf_load(y + i); vf_store(dx + i, vf_mul(vf_load(dy + i), vf_mul(v, vf_sub(one, v)))); },
                    ck_sigmoid_backward_impl_ref(dx + i, dy + i, y + i, n - i))
}

void CK_SUFFIX(ck_tanh_forward_impl)(float *y, const float *x, int64_t n) {
    CK_ELTWISE_LOOP(n, i, vf_store(y + i, vf_tanh(vf_load(x + i))),
                    ck_tanh_forward_impl_ref(y + i, x + i, n - i))
}

void CK_SUFFIX(ck_tanh_backward_impl)(float *dx, const float *dy, const float *y, int64_t n) {
    const vf one = vf_set1(1.0f);
    CK_ELTWISE_LOOP(n, i, { vf v = vf_load(y + i); vf_store(dx + i, vf_mul(vf_load(dy + i), vf_sub(one, vf_mul(v, v)))); },
                    ck_tanh_backward_impl_ref(dx + i, dy + i, y + i, n - i))
}

void CK_SUFFIX(ck_axpy_impl)(float *y, const float *x, int64_t n, float alpha) {
    const vf a = vf_set1(alpha);
    CK_ELTWISE_LOOP(n, i, vf_store(y + i, vf_fmadd(a, vf_load(x + i), vf_load(y + i))),
                    ck_axpy_impl_ref(y + i, x + i, n - i, alpha))
}

void CK_SUFFIX(ck_scale_impl)(float *y, const float *x, int64_t n, float alpha) {
    const vf a = vf_set1(alpha);
    CK_ELTWISE_LOOP(n, i, vf_store(y + i, vf_mul(a, vf_load(x + i))),
                    ck_scale_impl_ref(y + i, x + i, n - i, alpha))
}

/// Dropout's mask (ck_dropout_mask_impl_ref). The word test runs as plain integer C into a small array the compiler
/// vectorises; the select keeps the reference's bits (dropped elements are +0 even for NaN or negative inputs, kept
/// ones the same in * scale). `in` may equal `out`.
void CK_SUFFIX(ck_dropout_mask_impl)(float *out, const float *in, const uint32_t *CK_RESTRICT w, int64_t n,
                                     uint32_t keep_from, float scale) {
    const vf s = vf_set1(scale);
    CK_ELTWISE_LOOP(n, i, {
        float kept[VLEN];
        for (int l = 0; l < VLEN; l++) kept[l] = (w[i + l] >> 8) >= keep_from ? 1.0f : 0.0f;
        vf_store(out + i, vf_select_pos(vf_load(kept), vf_mul(vf_load(in + i), s), vf_zero()));
    }, ck_dropout_mask_impl_ref(out + i, in + i, w + i, n - i, keep_from, scale))
}

#undef CK_ELTWISE_LOOP
