// Data movement of the GEMM-lowered convolution: im2col and its adjoint col2im side by side, the NCHW <->
// channel-major reorders around the GEMM, and the bias-gradient sums. See conv.h for the two "sides".
//
// Determinism: every parallel loop partitions its OUTPUT. im2col and the reorders only copy; col2im and the
// channel sums give each output plane / channel to one thread, which adds its terms in a fixed order, so
// results do not depend on the thread count.
#include "conv.h"

#include <string.h>

/// Window positions o in [0, n_out) whose input index o*stride - pad + k lies in [0, n_in): [*lo, *hi).
static inline void valid_range(int64_t n_out, int64_t n_in, int64_t k, int64_t stride, int64_t pad,
                               int64_t *lo, int64_t *hi) {
    const int64_t first = pad - k;              // smallest o*stride that lands inside
    const int64_t last = n_in - 1 + pad - k;    // largest o*stride that lands inside
    int64_t l = first <= 0 ? 0 : (first + stride - 1) / stride;
    int64_t h = last < 0 ? 0 : last / stride + 1;
    l = CK_MIN(l, n_out);
    h = CK_MAX(CK_MIN(h, n_out), l);
    *lo = l;
    *hi = h;
}

/// valid_range for every kernel offset, computed once per call: recomputing it per plane (two 64-bit
/// divisions per offset) cost more than the copying itself at 7x7 and smaller. Offsets past the cache
/// (kernels wider than CONV_RANGE_CACHE) are computed on the fly.
enum { CONV_RANGE_CACHE = 32 };
typedef struct {
    int64_t n_out, n_in, stride, pad;
    int64_t lo[CONV_RANGE_CACHE], hi[CONV_RANGE_CACHE];
} ranges;

static void ranges_init(ranges *r, int64_t k_count, int64_t n_out, int64_t n_in, int64_t stride, int64_t pad) {
    *r = (ranges){.n_out = n_out, .n_in = n_in, .stride = stride, .pad = pad};
    for (int64_t k = 0; k < CK_MIN(k_count, (int64_t)CONV_RANGE_CACHE); k++)
        valid_range(n_out, n_in, k, stride, pad, &r->lo[k], &r->hi[k]);
}

static inline void ranges_get(const ranges *r, int64_t k, int64_t *lo, int64_t *hi) {
    if (k < CONV_RANGE_CACHE) {
        *lo = r->lo[k];
        *hi = r->hi[k];
    } else {
        valid_range(r->n_out, r->n_in, k, r->stride, r->pad, lo, hi);
    }
}

// MARK: im2col (forward lowering) and col2im (its adjoint)
//
// Both work one (channel, image) plane at a time. Small planes (the models' 28x28 and below) go through a
// zero-padded copy on the stack, so every window row is a fixed-length loop with no bounds logic (stride 1
// and 2 specialised so the compiler vectorises them); this was ~3x faster than clipping each row to its
// valid range, which was dominated by loop overhead on 7-element rows. Larger planes clip (the fallback).

enum { CONV_PAD_MAX = 4096 };  // floats of a padded plane kept on the stack (16 KB, e.g. 64x64)

static int padded_fits(const conv_geom *g) {
    return (g->im_h + 2 * g->pad) * (g->im_w + 2 * g->pad) <= CONV_PAD_MAX;
}

void ck_conv_pad_plane(float *CK_RESTRICT pad, const float *CK_RESTRICT src, const conv_geom *g, int64_t pw) {
    const int64_t p = g->pad;
    memset(pad, 0, (size_t)(p * pw) * sizeof(float));
    for (int64_t h = 0; h < g->im_h; h++) {
        float *row = pad + (h + p) * pw;
        for (int64_t j = 0; j < p; j++) row[j] = 0.0f;
        memcpy(row + p, src + h * g->im_w, (size_t)g->im_w * sizeof(float));
        for (int64_t j = p + g->im_w; j < pw; j++) row[j] = 0.0f;
    }
    memset(pad + (p + g->im_h) * pw, 0, (size_t)(p * pw) * sizeof(float));
}

/// The kh*kw lowered rows of one padded plane: row (ki, kj) starts at dst + (ki*kw + kj) * n.
static void im2col_padded(float *CK_RESTRICT dst, int64_t n, const float *CK_RESTRICT pad, int64_t pw,
                          const conv_geom *g) {
    const int64_t s = g->stride, w_out = g->col_w;
    for (int64_t ki = 0; ki < g->kh; ki++)
        for (int64_t kj = 0; kj < g->kw; kj++, dst += n)
            for (int64_t oh = 0; oh < g->col_h; oh++) {
                const float *CK_RESTRICT src = pad + (oh * s + ki) * pw + kj;
                float *CK_RESTRICT d = dst + oh * w_out;
                if (s == 1) for (int64_t ow = 0; ow < w_out; ow++) d[ow] = src[ow];
                else if (s == 2) for (int64_t ow = 0; ow < w_out; ow++) d[ow] = src[2 * ow];
                else for (int64_t ow = 0; ow < w_out; ow++) d[ow] = src[ow * s];
            }
}

/// The same rows straight from an unpadded plane, each clipped to its valid range (large planes).
static void im2col_clipped(float *CK_RESTRICT dst, int64_t n, const float *CK_RESTRICT src_plane,
                           const ranges *rh, const ranges *rw, const conv_geom *g) {
    const int64_t s = g->stride, w_out = g->col_w;
    for (int64_t ki = 0; ki < g->kh; ki++) {
        int64_t oh_lo, oh_hi;
        ranges_get(rh, ki, &oh_lo, &oh_hi);
        for (int64_t kj = 0; kj < g->kw; kj++, dst += n) {
            int64_t ow_lo, ow_hi;
            ranges_get(rw, kj, &ow_lo, &ow_hi);
            memset(dst, 0, (size_t)(oh_lo * w_out) * sizeof(float));
            for (int64_t oh = oh_lo; oh < oh_hi; oh++) {
                float *CK_RESTRICT d = dst + oh * w_out;
                const float *CK_RESTRICT src = src_plane + (oh * s - g->pad + ki) * g->im_w + (ow_lo * s - g->pad + kj);
                for (int64_t ow = 0; ow < ow_lo; ow++) d[ow] = 0.0f;
                for (int64_t ow = ow_lo; ow < ow_hi; ow++) d[ow] = src[(ow - ow_lo) * s];
                for (int64_t ow = ow_hi; ow < w_out; ow++) d[ow] = 0.0f;
            }
            memset(dst + oh_hi * w_out, 0, (size_t)((g->col_h - oh_hi) * w_out) * sizeof(float));
        }
    }
}

void ck_conv_im2col(float *CK_RESTRICT col, const float *CK_RESTRICT im, const conv_geom *g) {
    const int64_t kk = g->kh * g->kw, rows = g->im_c * kk;
    const int64_t plane_out = g->col_h * g->col_w, n = g->batch * plane_out, plane_in = g->im_h * g->im_w;
    const int64_t items = g->im_c * g->batch, pw = g->im_w + 2 * g->pad;
    const int padded = padded_fits(g);
    ranges rh, rw;
    ranges_init(&rh, g->kh, g->col_h, g->im_h, g->stride, g->pad);
    ranges_init(&rw, g->kw, g->col_w, g->im_w, g->stride, g->pad);
    // One (c, b) input plane per item, read from cache while its kh*kw row pieces are written. Items run
    // c-major so neighbouring items write neighbouring pieces of each row.
    CK_PARALLEL_FOR(ck_conv_threads(items, rows * n), it, items) {
        const int64_t c = it / g->batch, b = it % g->batch;
        const float *src_plane = im + (b * g->im_c + c) * plane_in;
        float *dst = col + c * kk * n + b * plane_out;
        if (padded) {
            float pad[CONV_PAD_MAX];
            ck_conv_pad_plane(pad, src_plane, g, pw);
            im2col_padded(dst, n, pad, pw, g);
        } else {
            im2col_clipped(dst, n, src_plane, &rh, &rw, g);
        }
    }
}

void ck_conv_col2im_plane_impl_ref(float *CK_RESTRICT pad, int64_t pw, const float *CK_RESTRICT src, int64_t n,
                                   const conv_geom *g) {
    const int64_t s = g->stride, w_out = g->col_w;
    for (int64_t ki = 0; ki < g->kh; ki++)
        for (int64_t kj = 0; kj < g->kw; kj++, src += n)
            for (int64_t oh = 0; oh < g->col_h; oh++) {
                float *CK_RESTRICT d = pad + (oh * s + ki) * pw + kj;
                const float *CK_RESTRICT sr = src + oh * w_out;
                if (s == 1) for (int64_t ow = 0; ow < w_out; ow++) d[ow] += sr[ow];
                else if (s == 2) for (int64_t ow = 0; ow < w_out; ow++) d[2 * ow] += sr[ow];
                else for (int64_t ow = 0; ow < w_out; ow++) d[ow * s] += sr[ow];
            }
}

void ck_conv_col2im(float *CK_RESTRICT im, const float *CK_RESTRICT col, const float *bias, const conv_geom *g) {
    const int64_t kk = g->kh * g->kw, rows = g->im_c * kk;
    const int64_t plane_out = g->col_h * g->col_w, n = g->batch * plane_out, plane_in = g->im_h * g->im_w;
    const int64_t items = g->batch * g->im_c, s = g->stride, w_out = g->col_w, pw = g->im_w + 2 * g->pad;
    const int padded = padded_fits(g);
    typedef void (*plane_fn)(float *CK_RESTRICT, int64_t, const float *CK_RESTRICT, int64_t, const conv_geom *);
    const plane_fn col2im_plane = CK_PICK(plane_fn, ck_conv_col2im_plane_impl);
    ranges rh, rw;
    ranges_init(&rh, g->kh, g->col_h, g->im_h, s, g->pad);
    ranges_init(&rw, g->kw, w_out, g->im_w, s, g->pad);
    // One (b, c) image plane per item: each pixel starts at the bias and receives the kh*kw rows of channel
    // c in (ki, kj) order, whichever path and thread runs it. Items run c-major, so consecutive items read
    // consecutive pieces of the same kh*kw rows of `col` (streams the prefetcher follows; b-major order
    // jumped between rows n floats apart and made col2im ~14% of CNN3 training).
    CK_PARALLEL_FOR(ck_conv_threads(items, rows * n), it, items) {
        const int64_t c = it / g->batch, b = it % g->batch;
        const float *src = col + c * kk * n + b * plane_out;
        const float init = bias ? bias[c] : 0.0f;
        float *CK_RESTRICT out = im + (b * g->im_c + c) * plane_in;
        if (padded) {
            // Accumulate into the padded plane (its border collects the out-of-image terms, then is dropped).
            float pad[CONV_PAD_MAX];
            const int64_t ph = g->im_h + 2 * g->pad;
            for (int64_t i = 0; i < ph * pw; i++) pad[i] = init;
            col2im_plane(pad, pw, src, n, g);
            for (int64_t h = 0; h < g->im_h; h++)
                memcpy(out + h * g->im_w, pad + (h + g->pad) * pw + g->pad, (size_t)g->im_w * sizeof(float));
            continue;
        }
        for (int64_t i = 0; i < plane_in; i++) out[i] = init;
        for (int64_t ki = 0; ki < g->kh; ki++) {
            int64_t oh_lo, oh_hi;
            ranges_get(&rh, ki, &oh_lo, &oh_hi);
            for (int64_t kj = 0; kj < g->kw; kj++, src += n) {
                int64_t ow_lo, ow_hi;
                ranges_get(&rw, kj, &ow_lo, &ow_hi);
                for (int64_t oh = oh_lo; oh < oh_hi; oh++) {
                    float *CK_RESTRICT d = out + (oh * s - g->pad + ki) * g->im_w + (ow_lo * s - g->pad + kj);
                    const float *CK_RESTRICT sr = src + oh * w_out + ow_lo;
                    for (int64_t i = 0; i < ow_hi - ow_lo; i++) d[i * s] += sr[i];
                }
            }
        }
    }
}

// MARK: layout changes around the GEMM (NCHW <-> channel-major rows) and the bias gradient

void ck_conv_nchw_to_rows(float *CK_RESTRICT rows, const float *CK_RESTRICT t, int64_t batch, int64_t ch,
                          int64_t plane) {
    const int64_t n = batch * plane, items = ch * batch;
    CK_PARALLEL_FOR(ck_conv_threads(items, ch * n), it, items) {
        const int64_t c = it / batch, b = it % batch;
        memcpy(rows + c * n + b * plane, t + (b * ch + c) * plane, (size_t)plane * sizeof(float));
    }
}

void ck_conv_fill_channels(float *CK_RESTRICT t, const float *CK_RESTRICT value, int64_t batch, int64_t ch,
                           int64_t plane) {
    if (plane == 1) {  // (batch, ch) rows, e.g. the pixels of a channels-last tensor: one copy of `value` per row
        CK_PARALLEL_FOR(ck_conv_threads(batch, batch * ch), b, batch) memcpy(t + b * ch, value, (size_t)ch * sizeof(float));
        return;
    }
    const int64_t items = batch * ch;
    CK_PARALLEL_FOR(ck_conv_threads(items, items * plane), it, items) {
        const float v = value[it % ch];
        float *CK_RESTRICT dst = t + it * plane;
        for (int64_t p = 0; p < plane; p++) dst[p] = v;
    }
}

void ck_conv_channel_sums(float *out, const float *t, int64_t batch, int64_t ch, int64_t plane) {
    if (plane == 1) {
        // (batch, ch) rows, e.g. the pixels of a channels-last tensor: blocks of 16 channels, one per thread, each
        // summing its columns over the rows in order, so each cache line is read by one thread (one thread per
        // channel would stride through the whole tensor ch times). Each channel's terms are added one by one in row
        // order, as the loop below adds them when the plane is a single value, so the bits are the same.
        const int64_t blocks = (ch + 15) / 16;
        CK_PARALLEL_FOR(ck_conv_threads(blocks, batch * ch), blk, blocks) {
            const int64_t c0 = blk * 16, n = CK_MIN((int64_t)16, ch - c0);
            float acc[16] = {0};
            for (int64_t r = 0; r < batch; r++) {
                const float *p = t + r * ch + c0;
                if (n == 16) {  // a fixed trip count the compiler vectorises
                    for (int j = 0; j < 16; j++) acc[j] += p[j];
                    continue;
                }
                for (int64_t j = 0; j < n; j++) acc[j] += p[j];
            }
            for (int64_t j = 0; j < n; j++) out[c0 + j] = acc[j];
        }
        return;
    }
    // Eight interleaved partial sums per channel (vectorisable without reassociation), combined pairwise.
    CK_PARALLEL_FOR(ck_conv_threads(ch, ch * batch * plane), c, ch) {
        float acc[8] = {0};
        for (int64_t b = 0; b < batch; b++) {
            const float *p = t + (b * ch + c) * plane;
            int64_t i = 0;
            for (; i + 8 <= plane; i += 8)
                for (int j = 0; j < 8; j++) acc[j] += p[i + j];
            for (; i < plane; i++) acc[i - (plane & ~(int64_t)7)] += p[i];
        }
        out[c] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
}
