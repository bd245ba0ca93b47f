// Activations (forward and backward side by side), dropout and small vector utilities.
// The *_ref functions are the scalar reference and the tail handler of the SIMD variants.
#include "elementwise.h"
#include "include/ck_elementwise.h"
#include "include/ck_random.h"

#include <math.h>

// MARK: scalar reference

void ck_relu_forward_impl_ref(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
void ck_relu_backward_impl_ref(float *dx, const float *dy, const float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
void ck_leaky_relu_forward_impl_ref(float *y, const float *x, int64_t n, float slope) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}
void ck_leaky_relu_backward_impl_ref(float *dx, const float *dy, const float *x, int64_t n, float slope) {
    for (int64_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
}
void ck_sigmoid_forward_impl_ref(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
}
void ck_sigmoid_backward_impl_ref(float *dx, const float *dy, const float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
}
void ck_tanh_forward_impl_ref(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
}
void ck_tanh_backward_impl_ref(float *dx, const float *dy, const float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}
void ck_axpy_impl_ref(float *y, const float *x, int64_t n, float alpha) {
    for (int64_t i = 0; i < n; i++) y[i] = fmaf(alpha, x[i], y[i]);
}
void ck_scale_impl_ref(float *y, const float *x, int64_t n, float alpha) {
    for (int64_t i = 0; i < n; i++) y[i] = alpha * x[i];
}
/// Dropout's mask from random words: element i kept (times `scale`) when (w[i] >> 8) >= keep_from, else 0.
void ck_dropout_mask_impl_ref(float *out, const float *in, const uint32_t *w, int64_t n, uint32_t keep_from, float scale) {
    for (int64_t i = 0; i < n; i++) out[i] = (w[i] >> 8) >= keep_from ? in[i] * scale : 0.0f;
}

// MARK: public entry points: chunked, parallel, dispatched

typedef void (*unary_fn)(float *, const float *, int64_t);
typedef void (*binary_fn)(float *, const float *, const float *, int64_t);
typedef void (*unary_param_fn)(float *, const float *, int64_t, float);
typedef void (*binary_param_fn)(float *, const float *, const float *, int64_t, float);

void ck_relu_forward(float *y, const float *x, int64_t n) {
    const unary_fn f = CK_PICK(unary_fn, ck_relu_forward_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(y + s, x + s, len);
}
void ck_relu_backward(float *dx, const float *dy, const float *y, int64_t n) {
    const binary_fn f = CK_PICK(binary_fn, ck_relu_backward_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(dx + s, dy + s, y + s, len);
}
void ck_leaky_relu_forward(float *y, const float *x, int64_t n, float slope) {
    const unary_param_fn f = CK_PICK(unary_param_fn, ck_leaky_relu_forward_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(y + s, x + s, len, slope);
}
void ck_leaky_relu_backward(float *dx, const float *dy, const float *x, int64_t n, float slope) {
    const binary_param_fn f = CK_PICK(binary_param_fn, ck_leaky_relu_backward_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(dx + s, dy + s, x + s, len, slope);
}
void ck_sigmoid_forward(float *y, const float *x, int64_t n) {
    const unary_fn f = CK_PICK(unary_fn, ck_sigmoid_forward_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(y + s, x + s, len);
}
void ck_sigmoid_backward(float *dx, const float *dy, const float *y, int64_t n) {
    const binary_fn f = CK_PICK(binary_fn, ck_sigmoid_backward_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(dx + s, dy + s, y + s, len);
}
void ck_tanh_forward(float *y, const float *x, int64_t n) {
    const unary_fn f = CK_PICK(unary_fn, ck_tanh_forward_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(y + s, x + s, len);
}
void ck_tanh_backward(float *dx, const float *dy, const float *y, int64_t n) {
    const binary_fn f = CK_PICK(binary_fn, ck_tanh_backward_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(dx + s, dy + s, y + s, len);
}
void ck_axpy(float *y, const float *x, int64_t n, float alpha) {
    const unary_param_fn f = CK_PICK(unary_param_fn, ck_axpy_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(y + s, x + s, len, alpha);
}
void ck_scale(float *y, const float *x, int64_t n, float alpha) {
    const unary_param_fn f = CK_PICK(unary_param_fn, ck_scale_impl);
    CK_PARALLEL_CHUNKS(n, s, len) f(y + s, x + s, len, alpha);
}
void ck_fill(float *x, int64_t n, float value) {
    CK_PARALLEL_CHUNKS(n, s, len) for (int64_t i = s; i < s + len; i++) x[i] = value;
}

// MARK: dropout (mask from the counter-based RNG, drawn a run of words at a time)

typedef void (*dropout_mask_fn)(float *, const float *, const uint32_t *, int64_t, uint32_t, float);

static void dropout_apply(float *out, const float *in, int64_t n, float p, uint64_t seed, uint64_t offset) {
    if (p <= 0.0f) {
        if (out != in) {
            CK_PARALLEL_CHUNKS(n, s, len) for (int64_t i = s; i < s + len; i++) out[i] = in[i];
        }
        return;
    }
    const float keep_scale = 1.0f / (1.0f - p);
    // Kept when the uniform of ck_random_uniform_at, (word >> 8) / 2^24, is >= p. Both sides are exact (a 24-bit
    // integer times a power of two; p * 2^24 in double), so that is (word >> 8) >= ceil(p * 2^24): an integer
    // compare, the same mask bit for bit.
    const double scaled = ceil((double)p * 16777216.0);
    const uint32_t keep_from = scaled < 16777216.0 ? (uint32_t)scaled : 16777216u;  // p >= 1 or NaN: none kept
    const dropout_mask_fn apply = CK_PICK(dropout_mask_fn, ck_dropout_mask_impl);
    CK_PARALLEL_CHUNKS(n, s, len) {
        uint32_t w[CK_RANDOM_RUN];
        for (int64_t c = s; c < s + len; c += CK_RANDOM_RUN) {
            const int64_t m = CK_MIN((int64_t)CK_RANDOM_RUN, s + len - c);
            ck_random_words(w, m, seed, offset + (uint64_t)c);
            apply(out + c, in + c, w, m, keep_from, keep_scale);
        }
    }
}

void ck_dropout_forward(float *y, const float *x, int64_t n, float p, uint64_t seed, uint64_t offset) {
    dropout_apply(y, x, n, p, seed, offset);
}
void ck_dropout_backward(float *dx, const float *dy, int64_t n, float p, uint64_t seed, uint64_t offset) {
    dropout_apply(dx, dy, n, p, seed, offset);
}
