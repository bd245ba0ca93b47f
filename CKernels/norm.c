// Batch normalisation, forward (training and evaluation) and backward (see include/ck_norm.h). The *_ref
// functions are the scalar reference and the tail handler of the SIMD variants in norm_simd.h.
//
// Work is split over channels: one thread owns a channel and walks its (sample, channel) rows in sample order,
// adding their double-precision row sums in that order, so every statistic and gradient is the same for any
// thread count. Statistics are two-pass (mean, then centred squares): one-pass E[x²] − E[x]² loses the variance
// of large-mean activations to cancellation.
#include "norm.h"
#include "include/ck_norm.h"

#include <math.h>

// MARK: scalar reference

double ck_norm_row_sum_ref(const float *x, int64_t n) {
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += (double)x[i];
    return s;
}

double ck_norm_row_centered_squares_ref(const float *x, int64_t n, float mean) {
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const float d = x[i] - mean;
        s += (double)(d * d);
    }
    return s;
}

void ck_norm_row_affine_ref(float *y, const float *x, int64_t n, float center, float a, float b) {
    for (int64_t i = 0; i < n; i++) y[i] = fmaf(a, x[i] - center, b);
}

void ck_norm_row_grad_sums_ref(double *sums, const float *dy, const float *x, int64_t n, float mean) {
    double s0 = 0.0, s1 = 0.0;
    for (int64_t i = 0; i < n; i++) {
        s0 += (double)dy[i];
        s1 += (double)(dy[i] * (x[i] - mean));
    }
    sums[0] += s0;
    sums[1] += s1;
}

void ck_norm_row_grad_input_ref(float *dx, const float *dy, const float *x, int64_t n, float center, float a, float b,
                                float c) {
    for (int64_t i = 0; i < n; i++) dx[i] = fmaf(a, dy[i], fmaf(b, x[i] - center, c));
}

// MARK: entry points

int64_t ck_batchnorm_groups(int64_t batch, int64_t group) {
    if (group < 1 || group >= batch) return batch > 0 ? 1 : 0;
    return (batch + group - 1) / group;
}

/// Threads for `channels` channels of `per_channel` values each: about one CK_CHUNK of values per thread.
static int channel_threads(int64_t channels, int64_t per_channel) {
    const int64_t chunks = (channels * per_channel + CK_CHUNK - 1) / CK_CHUNK;
    return ck_threads_for(CK_MIN(channels, chunks));
}

/// Samples [first, last) of group g.
static void group_range(int64_t g, int64_t batch, int64_t group, int64_t *first, int64_t *last) {
    const int64_t size = (group < 1 || group >= batch) ? batch : group;
    *first = g * size;
    *last = CK_MIN(batch, *first + size);
}

typedef double (*row_sum_fn)(const float *, int64_t);
typedef double (*row_centered_fn)(const float *, int64_t, float);
typedef void (*row_affine_fn)(float *, const float *, int64_t, float, float, float);
typedef void (*row_grad_sums_fn)(double *, const float *, const float *, int64_t, float);
typedef void (*row_grad_input_fn)(float *, const float *, const float *, int64_t, float, float, float, float);

/// Group g's statistics of channel c from its m values' mean mu and Σ (x − mu)² = sq: stores mean and invstd, updates
/// the running statistics (when given) as a separate batch would, and returns the scale a = gamma invstd of
/// y = a (x − mu) + beta. Shared by both layouts.
static float store_statistics(float *mean, float *invstd, float *running_mean, float *running_var, const float *gamma,
                              int64_t g, int64_t channels, int64_t c, float mu, double sq, double m, float eps,
                              float momentum) {
    const double var = sq / m;
    const float is = (float)(1.0 / sqrt(var + (double)eps));
    mean[g * channels + c] = mu;
    invstd[g * channels + c] = is;
    if (running_mean && running_var) {
        const double unbiased = m > 1 ? var * m / (m - 1) : var;
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mu;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * (float)unbiased;
    }
    return gamma[c] * is;
}

/// The backward's dx = k (dy − E[dy] − x̂ E[dy x̂]), k = gamma is, x̂ = (x − mu) is, folded into
/// dx = k dy + b (x − mu) + c0 with b = −k is² E[dy (x − mu)], c0 = −k E[dy], from a group's m values' sums
/// s0 = Σ dy and s1 = Σ dy (x − mu). Shared by both layouts.
static void grad_coefficients(double s0, double s1, double m, float gamma, float is, float *k, float *b, float *c0) {
    const double kk = (double)gamma * is;
    *k = (float)kk;
    *b = (float)(-kk * is * is * s1 / m);
    *c0 = (float)(-kk * s0 / m);
}

void ck_batchnorm_forward_train(float *y, float *mean, float *invstd, float *running_mean, float *running_var,
                                const float *x, const float *gamma, const float *beta, int64_t batch, int64_t channels,
                                int64_t plane, int64_t group, float eps, float momentum) {
    const row_sum_fn sum = CK_PICK(row_sum_fn, ck_norm_row_sum);
    const row_centered_fn centered = CK_PICK(row_centered_fn, ck_norm_row_centered_squares);
    const row_affine_fn affine = CK_PICK(row_affine_fn, ck_norm_row_affine);
    const int64_t groups = ck_batchnorm_groups(batch, group);
    CK_PARALLEL_FOR(channel_threads(channels, batch * plane), c, channels) {
        for (int64_t g = 0; g < groups; g++) {
            int64_t first, last;
            group_range(g, batch, group, &first, &last);
            const double m = (double)((last - first) * plane);
            double s = 0.0;
            for (int64_t n = first; n < last; n++) s += sum(x + (n * channels + c) * plane, plane);
            const float mu = (float)(s / m);
            double sq = 0.0;
            for (int64_t n = first; n < last; n++) sq += centered(x + (n * channels + c) * plane, plane, mu);
            const float a = store_statistics(mean, invstd, running_mean, running_var, gamma, g, channels, c, mu, sq, m, eps,
                                             momentum);
            for (int64_t n = first; n < last; n++) affine(y + (n * channels + c) * plane, x + (n * channels + c) * plane, plane, mu, a, beta[c]);
        }
    }
}

void ck_batchnorm_forward_eval(float *y, const float *x, const float *gamma, const float *beta,
                               const float *running_mean, const float *running_var, int64_t batch, int64_t channels,
                               int64_t plane, float eps) {
    const row_affine_fn affine = CK_PICK(row_affine_fn, ck_norm_row_affine);
    CK_PARALLEL_FOR(channel_threads(channels, batch * plane), c, channels) {
        const float a = gamma[c] * (float)(1.0 / sqrt((double)running_var[c] + (double)eps));
        for (int64_t n = 0; n < batch; n++) {
            affine(y + (n * channels + c) * plane, x + (n * channels + c) * plane, plane, running_mean[c], a, beta[c]);
        }
    }
}

void ck_batchnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                           const float *invstd, const float *gamma, int64_t batch, int64_t channels, int64_t plane,
                           int64_t group) {
    const row_grad_sums_fn grad_sums = CK_PICK(row_grad_sums_fn, ck_norm_row_grad_sums);
    const row_grad_input_fn grad_input = CK_PICK(row_grad_input_fn, ck_norm_row_grad_input);
    const int64_t groups = ck_batchnorm_groups(batch, group);
    CK_PARALLEL_FOR(channel_threads(channels, batch * plane), c, channels) {
        double dg = 0.0, db = 0.0;
        for (int64_t g = 0; g < groups; g++) {
            int64_t first, last;
            group_range(g, batch, group, &first, &last);
            const float mu = mean[g * channels + c], is = invstd[g * channels + c];
            double sums[2] = {0.0, 0.0};  // Σ dy, Σ dy (x − mu)
            for (int64_t n = first; n < last; n++) {
                grad_sums(sums, dy + (n * channels + c) * plane, x + (n * channels + c) * plane, plane, mu);
            }
            db += sums[0];
            dg += sums[1] * is;  // Σ dy x̂
            if (!dx) continue;
            float k, b, c0;
            grad_coefficients(sums[0], sums[1], (double)((last - first) * plane), gamma[c], is, &k, &b, &c0);
            for (int64_t n = first; n < last; n++) {
                grad_input(dx + (n * channels + c) * plane, dy + (n * channels + c) * plane, x + (n * channels + c) * plane,
                           plane, mu, k, b, c0);
            }
        }
        dgamma[c] = (float)dg;
        dbeta[c] = (float)db;
    }
}

// MARK: channels-last blocks, scalar reference (SIMD in norm_simd.h: the same loops at a fixed width)

void ck_norm_block_sums_ref(double *s, const float *x, int64_t rows, int64_t ld, int64_t nc) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < nc; j++) s[j] += (double)x[r * ld + j];
}

void ck_norm_block_centered_squares_ref(double *s, const float *x, int64_t rows, int64_t ld, int64_t nc,
                                        const float *mean) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < nc; j++) {
            const float d = x[r * ld + j] - mean[j];
            s[j] += (double)(d * d);
        }
}

void ck_norm_block_affine_ref(float *y, const float *x, int64_t rows, int64_t ld, int64_t nc, const float *center,
                              const float *a, const float *b) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < nc; j++) y[r * ld + j] = fmaf(a[j], x[r * ld + j] - center[j], b[j]);
}

void ck_norm_block_grad_sums_ref(double *s0, double *s1, const float *dy, const float *x, int64_t rows, int64_t ld,
                                 int64_t nc, const float *mean) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < nc; j++) {
            const int64_t i = r * ld + j;
            s0[j] += (double)dy[i];
            s1[j] += (double)(dy[i] * (x[i] - mean[j]));
        }
}

void ck_norm_block_grad_input_ref(float *dx, const float *dy, const float *x, int64_t rows, int64_t ld, int64_t nc,
                                  const float *center, const float *a, const float *b, const float *c) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < nc; j++) {
            const int64_t i = r * ld + j;
            dx[i] = fmaf(a[j], dy[i], fmaf(b[j], x[i] - center[j], c[j]));
        }
}

// MARK: channels-last entry points
//
// The same statistics over (batch, plane, channels) tensors: one thread owns a block of CK_NORM_BLOCK consecutive
// channels and walks the group's pixels in order, so each channel's values are added in (sample, pixel) order, in
// double, whatever the thread count and ISA; each pixel's run of a block is one cache line.

typedef void (*block_sums_fn)(double *, const float *, int64_t, int64_t, int64_t);
typedef void (*block_centered_fn)(double *, const float *, int64_t, int64_t, int64_t, const float *);
typedef void (*block_affine_fn)(float *, const float *, int64_t, int64_t, int64_t, const float *, const float *,
                                const float *);
typedef void (*block_grad_sums_fn)(double *, double *, const float *, const float *, int64_t, int64_t, int64_t,
                                   const float *);
typedef void (*block_grad_input_fn)(float *, const float *, const float *, int64_t, int64_t, int64_t, const float *,
                                    const float *, const float *, const float *);

/// Pixel rows [first, last) of group g (groups of `group` samples of `plane` pixels).
static void group_rows(int64_t g, int64_t batch, int64_t plane, int64_t group, int64_t *first, int64_t *last) {
    group_range(g, batch, group, first, last);
    *first *= plane;
    *last *= plane;
}

void ck_batchnorm_forward_train_nhwc(float *y, float *mean, float *invstd, float *running_mean, float *running_var,
                                     const float *x, const float *gamma, const float *beta, int64_t batch, int64_t channels,
                                     int64_t plane, int64_t group, float eps, float momentum) {
    const block_sums_fn sums = CK_PICK(block_sums_fn, ck_norm_block_sums);
    const block_centered_fn centered = CK_PICK(block_centered_fn, ck_norm_block_centered_squares);
    const block_affine_fn affine = CK_PICK(block_affine_fn, ck_norm_block_affine);
    const int64_t groups = ck_batchnorm_groups(batch, group), blocks = (channels + CK_NORM_BLOCK - 1) / CK_NORM_BLOCK;
    CK_PARALLEL_FOR(channel_threads(blocks, CK_NORM_BLOCK * batch * plane), blk, blocks) {
        const int64_t c0 = blk * CK_NORM_BLOCK, nc = CK_MIN((int64_t)CK_NORM_BLOCK, channels - c0);
        for (int64_t g = 0; g < groups; g++) {
            int64_t first, last;
            group_rows(g, batch, plane, group, &first, &last);
            const double m = (double)(last - first);
            const float *xg = x + first * channels + c0;
            double s[CK_NORM_BLOCK] = {0}, sq[CK_NORM_BLOCK] = {0};
            float mu[CK_NORM_BLOCK], a[CK_NORM_BLOCK];
            sums(s, xg, last - first, channels, nc);
            for (int64_t j = 0; j < nc; j++) mu[j] = (float)(s[j] / m);
            centered(sq, xg, last - first, channels, nc, mu);
            for (int64_t j = 0; j < nc; j++)
                a[j] = store_statistics(mean, invstd, running_mean, running_var, gamma, g, channels, c0 + j, mu[j], sq[j], m,
                                        eps, momentum);
            affine(y + first * channels + c0, xg, last - first, channels, nc, mu, a, beta + c0);
        }
    }
}

void ck_batchnorm_forward_eval_nhwc(float *y, const float *x, const float *gamma, const float *beta,
                                    const float *running_mean, const float *running_var, int64_t batch, int64_t channels,
                                    int64_t plane, float eps) {
    const block_affine_fn affine = CK_PICK(block_affine_fn, ck_norm_block_affine);
    const int64_t rows = batch * plane, blocks = (channels + CK_NORM_BLOCK - 1) / CK_NORM_BLOCK;
    CK_PARALLEL_FOR(channel_threads(blocks, CK_NORM_BLOCK * rows), blk, blocks) {
        const int64_t c0 = blk * CK_NORM_BLOCK, nc = CK_MIN((int64_t)CK_NORM_BLOCK, channels - c0);
        float a[CK_NORM_BLOCK];
        for (int64_t j = 0; j < nc; j++) a[j] = gamma[c0 + j] * (float)(1.0 / sqrt((double)running_var[c0 + j] + (double)eps));
        affine(y + c0, x + c0, rows, channels, nc, running_mean + c0, a, beta + c0);
    }
}

void ck_batchnorm_backward_nhwc(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                                const float *invstd, const float *gamma, int64_t batch, int64_t channels, int64_t plane,
                                int64_t group) {
    const block_grad_sums_fn grad_sums = CK_PICK(block_grad_sums_fn, ck_norm_block_grad_sums);
    const block_grad_input_fn grad_input = CK_PICK(block_grad_input_fn, ck_norm_block_grad_input);
    const int64_t groups = ck_batchnorm_groups(batch, group), blocks = (channels + CK_NORM_BLOCK - 1) / CK_NORM_BLOCK;
    CK_PARALLEL_FOR(channel_threads(blocks, CK_NORM_BLOCK * batch * plane), blk, blocks) {
        const int64_t c0 = blk * CK_NORM_BLOCK, nc = CK_MIN((int64_t)CK_NORM_BLOCK, channels - c0);
        double dg[CK_NORM_BLOCK] = {0}, db[CK_NORM_BLOCK] = {0};
        for (int64_t g = 0; g < groups; g++) {
            int64_t first, last;
            group_rows(g, batch, plane, group, &first, &last);
            const float *mu = mean + g * channels + c0, *is = invstd + g * channels + c0;
            const int64_t at = first * channels + c0;
            double s0[CK_NORM_BLOCK] = {0}, s1[CK_NORM_BLOCK] = {0};  // Σ dy, Σ dy (x − mu)
            grad_sums(s0, s1, dy + at, x + at, last - first, channels, nc, mu);
            float k[CK_NORM_BLOCK], b[CK_NORM_BLOCK], c[CK_NORM_BLOCK];
            for (int64_t j = 0; j < nc; j++) {
                db[j] += s0[j];
                dg[j] += s1[j] * is[j];
                grad_coefficients(s0[j], s1[j], (double)(last - first), gamma[c0 + j], is[j], &k[j], &b[j], &c[j]);
            }
            if (dx) grad_input(dx + at, dy + at, x + at, last - first, channels, nc, mu, k, b, c);
        }
        for (int64_t j = 0; j < nc; j++) {
            dgamma[c0 + j] = (float)dg[j];
            dbeta[c0 + j] = (float)db[j];
        }
    }
}
