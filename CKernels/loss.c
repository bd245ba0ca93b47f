// Losses with their gradients, each fused in one pass over the data. The *_ref functions are the scalar
// reference and the tail handler of the SIMD variants. Per-element terms are computed in float and summed
// in double; partial sums of fixed-size chunks are added in chunk order, so a loss does not depend on the
// thread count.
#include "loss.h"
#include "include/ck_loss.h"

#include <math.h>

// MARK: scalar reference

// `with_grad` is a compile-time constant at every call site, so each helper specialises into a loop that
// stores and one that does not (grad == NULL means "loss only").
#define CK_REF_LOOP(grad, n, term, grad_value)                                   \
    double sum = 0.0;                                                            \
    if (grad) {                                                                  \
        for (int64_t i = 0; i < (n); i++) { term; sum += (double)l; grad[i] = (grad_value); } \
    } else {                                                                     \
        for (int64_t i = 0; i < (n); i++) { term; sum += (double)l; }            \
    }                                                                            \
    return sum;

double ck_mse_chunk_ref(float *grad, const float *y, const float *t, int64_t n, float c) {
    CK_REF_LOOP(grad, n, const float d = y[i] - t[i]; const float l = d * d, c * d)
}

double ck_bce_chunk_ref(float *grad, const float *p, const float *t, int64_t n, float c) {
    CK_REF_LOOP(grad, n,
                const float pc = fminf(fmaxf(p[i], CK_BCE_EPS), 1.0f - CK_BCE_EPS); const float q = 1.0f - pc;
                const float l = -(t[i] * logf(pc) + (1.0f - t[i]) * logf(q)),
                c * (pc - t[i]) / (pc * q))
}

double ck_bce_logits_chunk_ref(float *grad, const float *z, const float *t, int64_t n, float c) {
    // exp(-|z|) <= 1 never overflows; sigmoid from the same e is stable on both sides.
    CK_REF_LOOP(grad, n,
                const float e = expf(-fabsf(z[i]));
                const float l = fmaxf(z[i], 0.0f) - z[i] * t[i] + log1pf(e),
                c * ((z[i] > 0.0f ? 1.0f : e) / (1.0f + e) - t[i]))
}
#undef CK_REF_LOOP

double ck_l1_chunk_ref(float *grad, const float *z, int64_t n, float lambda) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        sum += (double)fabsf(z[i]);
        if (grad) grad[i] += z[i] > 0.0f ? lambda : (z[i] < 0.0f ? -lambda : 0.0f);
    }
    return sum;
}

float ck_row_max_ref(const float *z, int64_t n) {
    float m = -INFINITY;
    for (int64_t i = 0; i < n; i++) m = fmaxf(m, z[i]);
    return m;
}

double ck_exp_shift_sum_ref(float *e, const float *z, int64_t n, float shift) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const float v = expf(z[i] - shift);
        sum += (double)v;
        if (e) e[i] = v;
    }
    return sum;
}

void ck_scale_to_ref(float *out, const float *x, int64_t n, float s) {
    for (int64_t i = 0; i < n; i++) out[i] = x[i] * s;
}

// MARK: deterministic chunked reduction

/// Sum of the partial results of one chunk [start, start + len) of the items.
typedef double (*chunk_sum_fn)(const void *ctx, int64_t start, int64_t len);

/// f over [0, n) in pieces of `chunk` items, in parallel; the partials are added in index order. Chunks are
/// processed in blocks of CK_BLOCK so the partials fit on the stack (no allocation, any n).
static double ordered_chunk_sum(int64_t n, int64_t chunk, chunk_sum_fn f, const void *ctx) {
    enum { CK_BLOCK = 256 };
    double partial[CK_BLOCK];
    double total = 0.0;
    const int64_t chunks = (n + chunk - 1) / chunk;
    for (int64_t b0 = 0; b0 < chunks; b0 += CK_BLOCK) {
        const int64_t nb = CK_MIN((int64_t)CK_BLOCK, chunks - b0);
        CK_PARALLEL_FOR(ck_threads_for(nb), k, nb) {
            const int64_t s = (b0 + k) * chunk;
            partial[k] = f(ctx, s, CK_MIN(chunk, n - s));
        }
        for (int64_t k = 0; k < nb; k++) total += partial[k];
    }
    return total;
}

// MARK: elementwise losses

typedef double (*pair_chunk_fn)(float *, const float *, const float *, int64_t, float);

typedef struct {
    pair_chunk_fn f;
    float *grad;
    const float *x, *t;
    float c;
} pair_ctx;

static double pair_chunk(const void *ctx, int64_t s, int64_t len) {
    const pair_ctx *p = ctx;
    return p->f(p->grad ? p->grad + s : NULL, p->x + s, p->t + s, len, p->c);
}

/// mean of the per-element terms of `f`; the gradient coefficient is `scale / n` (computed in double).
static float mean_pair_loss(pair_chunk_fn f, float *grad, const float *x, const float *t, int64_t n, double scale) {
    const pair_ctx ctx = {f, grad, x, t, (float)(scale / (double)n)};
    return (float)(ordered_chunk_sum(n, CK_CHUNK, pair_chunk, &ctx) / (double)n);
}

float ck_mse_loss(float *grad, const float *y, const float *t, int64_t n, float grad_scale) {
    return mean_pair_loss(CK_PICK(pair_chunk_fn, ck_mse_chunk), grad, y, t, n, 2.0 * grad_scale);
}

float ck_bce_loss(float *grad, const float *p, const float *t, int64_t n, float grad_scale) {
    return mean_pair_loss(CK_PICK(pair_chunk_fn, ck_bce_chunk), grad, p, t, n, grad_scale);
}

float ck_bce_logits_loss(float *grad, const float *z, const float *t, int64_t n, float grad_scale) {
    return mean_pair_loss(CK_PICK(pair_chunk_fn, ck_bce_logits_chunk), grad, z, t, n, grad_scale);
}

// MARK: GAN hinge losses (one logit per image: a plain serial loop, summed in double in index order)

float ck_hinge_loss(float *grad, const float *z, const float *t, int64_t n, float grad_scale) {
    const float c = (float)((double)grad_scale / (double)n);
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const float margin = 1.0f - t[i] * z[i];
        if (margin > 0.0f) sum += (double)margin;
        if (grad) grad[i] = margin > 0.0f ? -c * t[i] : 0.0f;
    }
    return (float)(sum / (double)n);
}

float ck_hinge_generator_loss(float *grad, const float *z, int64_t n, float grad_scale) {
    const float c = (float)((double)grad_scale / (double)n);
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        sum -= (double)z[i];
        if (grad) grad[i] = -c;
    }
    return (float)(sum / (double)n);
}

void ck_mse_per_sample(float *out, const float *y, const float *t, int64_t batch, int64_t dim) {
    const pair_chunk_fn f = CK_PICK(pair_chunk_fn, ck_mse_chunk);
    // Rows are independent; parallelise only when there is at least a chunk's worth of work.
    const int64_t rows_per_chunk = CK_MAX((int64_t)1, CK_CHUNK / CK_MAX(dim, (int64_t)1));
    CK_PARALLEL_FOR(ck_threads_for((batch + rows_per_chunk - 1) / rows_per_chunk), b, batch)
        out[b] = (float)(f(NULL, y + b * dim, t + b * dim, dim, 0.0f) / (double)dim);
}

typedef double (*l1_chunk_fn)(float *, const float *, int64_t, float);
typedef struct {
    l1_chunk_fn f;
    float *grad;
    const float *z;
    float lambda;
} l1_ctx;

static double l1_chunk(const void *ctx, int64_t s, int64_t len) {
    const l1_ctx *p = ctx;
    return p->f(p->grad ? p->grad + s : NULL, p->z + s, len, p->lambda);
}

float ck_l1_penalty(float *grad, const float *z, int64_t n, float lambda) {
    const l1_ctx ctx = {CK_PICK(l1_chunk_fn, ck_l1_chunk), grad, z, lambda};
    return (float)((double)lambda * ordered_chunk_sum(n, CK_CHUNK, l1_chunk, &ctx));
}

// MARK: softmax cross-entropy

typedef float (*row_max_fn)(const float *, int64_t);
typedef double (*exp_sum_fn)(float *, const float *, int64_t, float);
typedef void (*scale_to_fn)(float *, const float *, int64_t, float);

typedef struct {
    row_max_fn row_max;
    exp_sum_fn exp_sum;
    scale_to_fn scale_to;
    float *grad, *probs;
    const float *logits;
    const int32_t *labels;
    int64_t classes;
    float c;  // grad_scale / batch
} softmax_ctx;

/// -log softmax(z)[label] of one row = log(sum exp(z - max)) - (z[label] - max), in double. The row's
/// exponentials go to probs (else grad), are normalised there, and grad = c (p - onehot).
static double softmax_row(const softmax_ctx *k, int64_t row) {
    const int64_t n = k->classes, label = k->labels[row];
    const float *z = k->logits + row * n;
    float *probs = k->probs ? k->probs + row * n : NULL, *grad = k->grad ? k->grad + row * n : NULL;
    float *e = probs ? probs : grad;
    const float max = k->row_max(z, n);
    const double sum = k->exp_sum(e, z, n, max);
    const double loss = log(sum) - ((double)z[label] - (double)max);
    if (e) {
        const float inv = (float)(1.0 / sum);
        const float p_label = e[label] * inv;
        if (probs) k->scale_to(probs, e, n, inv);
        if (grad) {
            k->scale_to(grad, e, n, probs ? k->c : k->c * inv);  // e is already normalised when probs exist
            grad[label] = k->c * (p_label - 1.0f);
        }
    }
    return loss;
}

static double softmax_chunk(const void *ctx, int64_t s, int64_t len) {
    double sum = 0.0;
    for (int64_t r = s; r < s + len; r++) sum += softmax_row(ctx, r);
    return sum;
}

float ck_softmax_cross_entropy(float *grad, float *probs, const float *logits, const int32_t *labels,
                               int64_t batch, int64_t classes, float grad_scale) {
    // Checked up front so a bad label cannot read out of bounds; outputs are then left untouched.
    for (int64_t b = 0; b < batch; b++)
        if (labels[b] < 0 || labels[b] >= classes) return NAN;
    const softmax_ctx ctx = {CK_PICK(row_max_fn, ck_row_max), CK_PICK(exp_sum_fn, ck_exp_shift_sum),
                             CK_PICK(scale_to_fn, ck_scale_to), grad, probs, logits, labels, classes,
                             (float)((double)grad_scale / (double)batch)};
    const int64_t rows_per_chunk = CK_MAX((int64_t)1, CK_CHUNK / CK_MAX(classes, (int64_t)1));
    return (float)(ordered_chunk_sum(batch, rows_per_chunk, softmax_chunk, &ctx) / (double)batch);
}
