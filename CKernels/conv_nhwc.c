// Channels-last lowering: the convolution's GEMMs computed pixel-major from channels-last copies of the
// tensors, for the layers where the NCHW lowering (conv.c, conv_implicit.c) is slowest.
//
//   forward   y_t (pixels, col_c) = lowered_t (pixels, rows) · W_t (rows, col_c)       (Conv2d forward,
//             ConvTranspose2d backward-data)
//   dW        dW_t (rows, col_c)  = lowered_tᵀ (rows, pixels) · dy_t (pixels, col_c)   (both weight gradients)
//
// with lowered rows in (ki, kj, c) order and
//   - x_t: the image side copied once into a zero-padded channels-last buffer (b, ph, pw, im_c), so one window
//     position of one output pixel is im_c contiguous floats; the GEMM packs the lowered operand straight from
//     it (an implicit operand, gemm.h): MR pixels per k for the forward (an in-register transpose, conv_simd.h),
//     MR channels per pixel for dW (one short contiguous copy). No lowered matrix is ever written.
//   - W_t / dW_t and y_t / dy_t plain row-major, so every register tile is full (channel counts are multiples
//     of 32) and no C tile straddles two images, as the NCHW path's do at 7x7 and smaller.
// Why: in NCHW the lowered matrix's columns are output pixels, whose runs along a 7x7 or 4x4 plane are shorter
// than a register tile, and the weight gradient's im2col writes kh*kw times the input; channels-last turns
// every copy into runs of channels. The copies to and from NCHW are one pass over each tensor.
#include "conv.h"
#include "gemm.h"

#include <string.h>

/// Floats rounded up to a multiple of 16 (64-byte alignment of the workspace parts).
static int64_t align16(int64_t floats) { return (floats + 15) & ~(int64_t)15; }

/// Images per group: x_t and y_t of one group (and col_t, the lowered matrix, for the data gradient) near
/// NHWC_GROUP_FLOATS, so each is still in cache when the next step reads it. Depends only on the shape, so
/// results do not depend on the thread count.
#define NHWC_GROUP_FLOATS ((int64_t)1 << 20)

static int64_t group_images(const conv_geom *g, int with_lowered) {
    const int64_t plane = g->col_h * g->col_w, rows = g->im_c * g->kh * g->kw;
    const int64_t per_image = (g->im_h + 2 * g->pad) * (g->im_w + 2 * g->pad) * g->im_c + plane * g->col_c
                              + (with_lowered ? plane * rows : 0);
    return CK_MAX((int64_t)1, CK_MIN(g->batch, NHWC_GROUP_FLOATS / CK_MAX(per_image, (int64_t)1)));
}

typedef struct {
    int64_t images;                         // per group
    int64_t xt, wt, yt, koff, colt, total;  // offsets of the workspace parts, and the floats needed
} nhwc_layout;

/// x_t, y_t and col_t hold one group; W_t (or dW_t) and koff the whole call. col_t only `with_lowered`.
static nhwc_layout layout_of(const conv_geom *g, int with_lowered) {
    const int64_t ph = g->im_h + 2 * g->pad, pw = g->im_w + 2 * g->pad, rows = g->im_c * g->kh * g->kw;
    const int64_t plane = g->col_h * g->col_w;
    nhwc_layout l = {.images = group_images(g, with_lowered), .xt = 0};
    l.wt = l.xt + align16(l.images * ph * pw * g->im_c);
    l.yt = l.wt + align16(rows * g->col_c);
    l.koff = l.yt + align16(l.images * plane * g->col_c);
    l.colt = l.koff + align16(2 * rows);  // int64_t offsets: two floats each
    l.total = l.colt + (with_lowered ? align16(l.images * plane * rows) : 0);
    if (g->channels_last) l.total = CK_MAX(l.total, CK_MAX(ck_conv_winograd_workspace(g), ck_conv_polyphase_workspace(g)));
    return l;
}

int64_t ck_conv_nhwc_workspace(const conv_geom *g) {
    return g->batch == 0 ? 0 : CK_MAX(layout_of(g, 0).total, layout_of(g, 1).total);
}

typedef struct {
    ck_gemm_implicit base;
    const float *xt;
    const int64_t *koff;  // per lowered row k = (ki, kj, c): (ki*pw + kj)*im_c + c
    conv_geom g;
    int64_t ph, pw;
} conv_nhwc;

/// Whether the mr pixels' window origins are equally far apart (all in one output row).
static int evenly_spaced(const float *const *src, int mr) {
    for (int i = 2; i < mr; i++)
        if (src[i] - src[i - 1] != src[1] - src[0]) return 0;
    return 1;
}

/// pack_pixels' panel for mr pixels of one output row, step floats apart: element k of pixel i is
/// first[koff[k] + i*step], so each k is one strided run (a contiguous one at step 1) instead of mr pointer
/// loads. For few channels (the one-channel first layers), where the SIMD packing's 16-channel runs do not exist;
/// channels-last tensors, 1 thread, CPU time: CNN5's Conv 1->32 forward 3.17 -> 2.59 ms, CNN3's 0.69 -> 0.50 ms.
static void pack_strided(float *CK_RESTRICT dst, const float *first, ptrdiff_t step, const int64_t *koff, int64_t cols,
                         int mr) {
    for (int64_t k = 0; k < cols; k++) {
        const float *s = first + koff[k];
        float *d = dst + k * mr;
        if (step == 1) {
            memcpy(d, s, (size_t)mr * sizeof(float));
            continue;
        }
        for (int i = 0; i < mr; i++) d[i] = s[i * step];
    }
}

/// The implicit A: pixels [r0, r0+rows) x lowered rows [c0, c0+cols) as MR-pixel micro-panels
/// (dst[k*mr + i] = x_t at pixel i's window origin + koff[c0 + k]; zero past the last pixel).
static void pack_pixels(const ck_gemm_implicit *self, float *CK_RESTRICT dst, int64_t r0, int64_t rows, int64_t c0,
                        int64_t cols, int mr) {
    const conv_nhwc *cn = (const conv_nhwc *)self;
    const conv_geom *g = &cn->g;
    const int64_t plane = g->col_h * g->col_w, image = cn->ph * cn->pw * g->im_c, s = g->stride;
    const int64_t *koff = cn->koff + c0;
    typedef void (*pack_fn)(float *CK_RESTRICT, const float *const *, const int64_t *, int64_t, int);
    const pack_fn pack_full = CK_PICK(pack_fn, ck_conv_pack_pixels_impl);
    for (int64_t q = 0; q < rows; q += mr, dst += mr * cols) {
        const int64_t valid = CK_MIN((int64_t)mr, rows - q);
        const float *src[32];
        for (int64_t i = 0; i < valid; i++) {
            const int64_t p = r0 + q + i, b = p / plane, oh = (p % plane) / g->col_w, ow = p % g->col_w;
            src[i] = cn->xt + b * image + (oh * s * cn->pw + ow * s) * g->im_c;
        }
        if (valid == mr && g->im_c < 16 && evenly_spaced(src, mr)) {
            pack_strided(dst, src[0], src[1] - src[0], koff, cols, mr);
            continue;
        }
        if (valid == mr) {
            pack_full(dst, src, koff, cols, mr);
            continue;
        }
        for (int64_t k = 0; k < cols; k++) {
            float *d = dst + k * mr;
            for (int64_t i = 0; i < valid; i++) d[i] = src[i][koff[k]];
            for (int64_t i = valid; i < mr; i++) d[i] = 0.0f;
        }
    }
}

void ck_conv_pack_pixels_impl_ref(float *CK_RESTRICT dst, const float *const *src, const int64_t *koff, int64_t cols,
                                  int mr) {
    for (int64_t k = 0; k < cols; k++)
        for (int i = 0; i < mr; i++) dst[k * mr + i] = src[i][koff[k]];
}

void ck_conv_transpose_block_impl_ref(float *const *drow, const float *const *srow, int64_t m, int64_t n) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) drow[j][i] = srow[i][j];
}

typedef void (*block_fn)(float *const *, const float *const *, int64_t, int64_t);

/// dst[j*ldd + i] = src[i*lds + j] for i < rows, j < cols, in 16x16 blocks.
static void transpose(block_fn block, float *dst, int64_t ldd, const float *src, int64_t lds, int64_t rows,
                      int64_t cols) {
    float *drow[16];
    const float *srow[16];
    for (int64_t i0 = 0; i0 < rows; i0 += 16)
        for (int64_t j0 = 0; j0 < cols; j0 += 16) {
            const int64_t m = CK_MIN((int64_t)16, rows - i0), n = CK_MIN((int64_t)16, cols - j0);
            for (int64_t i = 0; i < m; i++) srow[i] = src + (i0 + i) * lds + j0;
            for (int64_t j = 0; j < n; j++) drow[j] = dst + (j0 + j) * ldd + i0;
            block(drow, srow, m, n);
        }
}

/// Offset (in floats) of pixel p of an image plane inside its zero-padded channels-last copy.
static inline int64_t padded_pixel(const conv_geom *g, int64_t pw, int64_t p) {
    return ((p / g->im_w + g->pad) * pw + p % g->im_w + g->pad) * g->im_c;
}

/// Moves one image between NCHW (c, h, w) and its zero-padded channels-last copy, in blocks of 16 consecutive
/// plane pixels x 16 channels (across image rows, so the 7- and 14-pixel rows fill whole blocks): into the copy
/// when `to_padded`, out of it otherwise. Only the side written is modified.
static void move_image(block_fn block, float *nchw, float *padded, const conv_geom *g, int64_t pw, int to_padded) {
    const int64_t c_n = g->im_c, hw = g->im_h * g->im_w;
    float *chan[16], *pix[16];
    for (int64_t p0 = 0; p0 < hw; p0 += 16) {
        const int64_t np = CK_MIN((int64_t)16, hw - p0);
        for (int64_t c0 = 0; c0 < c_n; c0 += 16) {
            const int64_t nc = CK_MIN((int64_t)16, c_n - c0);
            for (int64_t i = 0; i < nc; i++) chan[i] = nchw + (c0 + i) * hw + p0;
            for (int64_t j = 0; j < np; j++) pix[j] = padded + padded_pixel(g, pw, p0 + j) + c0;
            if (to_padded) block(pix, (const float *const *)chan, nc, np);
            else block(chan, (const float *const *)pix, np, nc);
        }
    }
}

/// x_t (b, ph, pw, c) = the images (b, c, h, w), or (b, h, w, c) when g->channels_last, zero-padded; one image per
/// thread.
static void to_padded_channels_last(float *CK_RESTRICT xt, const float *CK_RESTRICT im, const conv_geom *g,
                                    int64_t ph, int64_t pw) {
    const int64_t c_n = g->im_c, hw = g->im_h * g->im_w, right = pw - g->pad - g->im_w;
    const block_fn block = CK_PICK(block_fn, ck_conv_transpose_block_impl);
    CK_PARALLEL_FOR(ck_conv_threads(g->batch, g->batch * c_n * hw), b, g->batch) {
        float *dst = xt + b * ph * pw * c_n;
        const float *src = im + b * c_n * hw;
        // The border only: the interior is written below.
        memset(dst, 0, (size_t)(g->pad * pw * c_n) * sizeof(float));
        for (int64_t h = 0; h < g->im_h; h++) {
            float *row = dst + (h + g->pad) * pw * c_n;
            memset(row, 0, (size_t)(g->pad * c_n) * sizeof(float));
            memset(row + (g->pad + g->im_w) * c_n, 0, (size_t)(right * c_n) * sizeof(float));
        }
        memset(dst + (g->pad + g->im_h) * pw * c_n, 0, (size_t)((ph - g->pad - g->im_h) * pw * c_n) * sizeof(float));
        if (!g->channels_last) {
            move_image(block, (float *)src, dst, g, pw, 1);
            continue;
        }
        for (int64_t h = 0; h < g->im_h; h++)
            memcpy(dst + ((h + g->pad) * pw + g->pad) * c_n, src + h * g->im_w * c_n, (size_t)(g->im_w * c_n) * sizeof(float));
    }
}

/// image (c_n, plane) += bias[c] in channel c: the bias of the NCHW outputs, added after the copy out of
/// channels-last.
static void add_channel_bias(float *CK_RESTRICT image, const float *CK_RESTRICT bias, int64_t c_n, int64_t plane) {
    for (int64_t c = 0; c < c_n; c++)
        for (int64_t p = 0; p < plane; p++) image[c * plane + p] += bias[c];
}

void ck_conv_change_layout(float *out, const float *in, int64_t batch, int64_t channels, int64_t plane,
                           int to_channels_last) {
    const block_fn block = CK_PICK(block_fn, ck_conv_transpose_block_impl);
    const int64_t rows = to_channels_last ? channels : plane, cols = to_channels_last ? plane : channels;
    CK_PARALLEL_FOR(ck_conv_threads(batch, batch * channels * plane), b, batch)
        transpose(block, out + b * channels * plane, rows, in + b * channels * plane, cols, rows, cols);
}

/// The column-side tensor of a group as the GEMM's (b*plane, col_c) matrix: t itself when it is channels-last,
/// else its copy in `tt`.
static const float *colside_rows(float *tt, const float *t, const conv_geom *g) {
    if (g->channels_last) return t;
    ck_conv_change_layout(tt, t, g->batch, g->col_c, g->col_h * g->col_w, 1);
    return tt;
}

/// out (b, col_c, plane) = y_t (b*plane, col_c) + bias; one image per thread.
static void from_channels_last(float *CK_RESTRICT out, const float *CK_RESTRICT yt, const float *bias,
                               const conv_geom *g) {
    const int64_t plane = g->col_h * g->col_w, c_n = g->col_c;
    const block_fn block = CK_PICK(block_fn, ck_conv_transpose_block_impl);
    CK_PARALLEL_FOR(ck_conv_threads(g->batch, g->batch * c_n * plane), b, g->batch) {
        float *CK_RESTRICT d = out + b * c_n * plane;
        transpose(block, d, plane, yt + b * plane * c_n, c_n, plane, c_n);
        if (bias) add_channel_bias(d, bias, c_n, plane);
    }
}

/// koff[k] = (ki*pw + kj)*im_c + c for the lowered rows k = (ki, kj, c) of channels-last order.
static void fill_koff(int64_t *koff, const conv_geom *g, int64_t pw) {
    for (int64_t ki = 0, k = 0; ki < g->kh; ki++)
        for (int64_t kj = 0; kj < g->kw; kj++)
            for (int64_t c = 0; c < g->im_c; c++, k++) koff[k] = (ki * pw + kj) * g->im_c + c;
}

int ck_conv_lower_nhwc(float *out, const float *im, const float *w, const float *bias, const conv_geom *g,
                       float *ws) {
    if (g->batch == 0) return 0;  // no workspace then (ck_conv_nhwc_workspace)
    if (ck_conv_winograd_applies(g)) return ck_conv_winograd_nhwc(out, im, w, bias, g, 0, ws);
    if (ck_conv_polyphase_applies(g)) return ck_conv_polyphase_nhwc(out, im, w, bias, g, 0, ws);
    const nhwc_layout l = layout_of(g, 0);
    const int64_t ph = g->im_h + 2 * g->pad, pw = g->im_w + 2 * g->pad, kk = g->kh * g->kw;
    const int64_t rows = g->im_c * kk, plane = g->col_h * g->col_w, per = l.images;
    float *xt = ws + l.xt, *wt = ws + l.wt, *yt = ws + l.yt;
    int64_t *koff = (int64_t *)(void *)(ws + l.koff);
    fill_koff(koff, g, pw);
    // W (col_c, (c, ki, kj)) -> W_t ((ki, kj, c), col_c).
    for (int64_t o = 0; o < g->col_c; o++)
        for (int64_t c = 0; c < g->im_c; c++)
            for (int64_t kij = 0; kij < kk; kij++) wt[(kij * g->im_c + c) * g->col_c + o] = w[o * rows + c * kk + kij];
    for (int64_t b0 = 0; b0 < g->batch; b0 += per) {
        conv_geom gg = *g;
        gg.batch = CK_MIN(per, g->batch - b0);
        to_padded_channels_last(xt, im + b0 * g->im_c * g->im_h * g->im_w, &gg, ph, pw);
        conv_nhwc a = {.base = {.pack = pack_pixels}, .xt = xt, .koff = koff, .g = gg, .ph = ph, .pw = pw};
        // Channels-last outputs: the GEMM adds to the bias rows in place; NCHW: to y_t, copied out with the bias.
        float *dst = g->channels_last ? out + b0 * g->col_c * plane : yt;
        const int in_place_bias = g->channels_last && bias;
        if (in_place_bias) ck_conv_fill_channels(dst, bias, gg.batch * plane, g->col_c, 1);
        if (ck_sgemm_view(gg.batch * plane, g->col_c, rows, 1.0f, (ck_gemm_view){.implicit = &a.base},
                          (ck_gemm_view){.x = wt, .ld = g->col_c}, in_place_bias ? 1.0f : 0.0f,
                          (ck_gemm_view){.x = dst, .ld = g->col_c}))
            return -1;
        if (!g->channels_last) from_channels_last(out + b0 * g->col_c * plane, yt, bias, &gg);
    }
    return 0;
}

// MARK: weight gradient

/// The implicit A of the weight gradient, lowered_t transposed: lowered rows [r0, r0+rows) x pixels [c0, c0+cols)
/// as MR-row micro-panels (dst[p*mr + i] = x_t at pixel c0+p's window origin + koff[r0 + i]). The MR rows of a
/// panel are MR consecutive channels of one window position whenever im_c is a multiple of MR, so each pixel's
/// piece is one short contiguous copy.
static void pack_rows_by_pixel(const ck_gemm_implicit *self, float *CK_RESTRICT dst, int64_t r0, int64_t rows,
                               int64_t c0, int64_t cols, int mr) {
    const conv_nhwc *cn = (const conv_nhwc *)self;
    const conv_geom *g = &cn->g;
    const int64_t plane = g->col_h * g->col_w, image = cn->ph * cn->pw * g->im_c, s = g->stride;
    enum { MAX_KC = 1024 };
    int64_t base[MAX_KC];
    for (int64_t p0 = 0; p0 < cols; p0 += MAX_KC) {
        const int64_t n = CK_MIN((int64_t)MAX_KC, cols - p0);
        for (int64_t p = 0; p < n; p++) {
            const int64_t px = c0 + p0 + p, b = px / plane, oh = (px % plane) / g->col_w, ow = px % g->col_w;
            base[p] = b * image + (oh * s * cn->pw + ow * s) * g->im_c;
        }
        float *panel = dst + p0 * mr;
        for (int64_t q = 0; q < rows; q += mr, panel += mr * cols) {
            const int64_t *koff = cn->koff + r0 + q, valid = CK_MIN((int64_t)mr, rows - q);
            if (valid == mr && koff[mr - 1] - koff[0] == mr - 1) {
                // Constant-size copies (AVX-512's MR 8, AVX2's 6) compile to a few moves; the element loop
                // below was 13 % of a CNN5 step under AVX2.
                const float *x = cn->xt + koff[0];
                if (mr == 8) {
                    for (int64_t p = 0; p < n; p++) memcpy(panel + p * 8, x + base[p], 8 * sizeof(float));
                } else if (mr == 6) {
                    for (int64_t p = 0; p < n; p++) memcpy(panel + p * 6, x + base[p], 6 * sizeof(float));
                } else {
                    for (int64_t p = 0; p < n; p++) memcpy(panel + p * mr, x + base[p], (size_t)mr * sizeof(float));
                }
                continue;
            }
            for (int64_t p = 0; p < n; p++) {
                for (int64_t i = 0; i < valid; i++) panel[p * mr + i] = cn->xt[base[p] + koff[i]];
                for (int64_t i = valid; i < mr; i++) panel[p * mr + i] = 0.0f;
            }
        }
    }
}

int ck_conv_weight_grad_nhwc(float *dw, const float *colside, const float *im, const conv_geom *g, float *ws) {
    if (g->batch > 0 && ck_conv_winograd_applies(g)) return ck_conv_winograd_weight_grad(dw, colside, im, g, ws);
    const nhwc_layout l = layout_of(g, 0);
    const int64_t ph = g->im_h + 2 * g->pad, pw = g->im_w + 2 * g->pad, kk = g->kh * g->kw;
    const int64_t rows = g->im_c * kk, plane = g->col_h * g->col_w, c_n = g->col_c, per = l.images;
    float *xt = ws + l.xt, *dwt = ws + l.wt, *dyt = ws + l.yt;
    int64_t *koff = (int64_t *)(void *)(ws + l.koff);
    if (g->batch == 0) {
        memset(dw, 0, (size_t)(c_n * rows) * sizeof(float));
        return 0;
    }
    fill_koff(koff, g, pw);
    for (int64_t b0 = 0; b0 < g->batch; b0 += per) {
        conv_geom gg = *g;
        gg.batch = CK_MIN(per, g->batch - b0);
        to_padded_channels_last(xt, im + b0 * g->im_c * g->im_h * g->im_w, &gg, ph, pw);
        const float *dy_rows = colside_rows(dyt, colside + b0 * c_n * plane, &gg);
        conv_nhwc a = {.base = {.pack = pack_rows_by_pixel}, .xt = xt, .koff = koff, .g = gg, .ph = ph, .pw = pw};
        // Groups after the first accumulate (beta = 1), as the NCHW path does.
        if (ck_sgemm_view(rows, c_n, gg.batch * plane, 1.0f, (ck_gemm_view){.implicit = &a.base},
                          (ck_gemm_view){.x = dy_rows, .ld = c_n}, b0 ? 1.0f : 0.0f, (ck_gemm_view){.x = dwt, .ld = c_n}))
            return -1;
    }
    // dW_t ((ki, kj, c), col_c) -> dW (col_c, (c, ki, kj)).
    for (int64_t o = 0; o < c_n; o++)
        for (int64_t c = 0; c < g->im_c; c++)
            for (int64_t kij = 0; kij < kk; kij++) dw[o * rows + c * kk + kij] = dwt[(kij * g->im_c + c) * c_n + o];
    return 0;
}

// MARK: data gradient (Conv2d backward-data, ConvTranspose2d forward)

/// x_t (b, ph, pw, im_c) = col2im of col_t (b*plane, (ki, kj, c)): every lowered row of a pixel added, as a run of
/// im_c floats, into the padded pixel its window position hits; one image per thread, its pixels and window
/// positions in a fixed order (the border collects the out-of-image terms and is dropped).
static void col2im_channels_last(float *CK_RESTRICT xt, const float *CK_RESTRICT colt, const conv_geom *g, int64_t ph,
                                 int64_t pw) {
    const int64_t c_n = g->im_c, plane = g->col_h * g->col_w, rows = c_n * g->kh * g->kw, s = g->stride;
    CK_PARALLEL_FOR(ck_conv_threads(g->batch, g->batch * plane * rows), b, g->batch) {
        float *image = xt + b * ph * pw * c_n;
        memset(image, 0, (size_t)(ph * pw * c_n) * sizeof(float));
        for (int64_t oh = 0; oh < g->col_h; oh++)
            for (int64_t ow = 0; ow < g->col_w; ow++) {
                const float *src = colt + (b * plane + oh * g->col_w + ow) * rows;
                for (int64_t ki = 0; ki < g->kh; ki++)
                    for (int64_t kj = 0; kj < g->kw; kj++, src += c_n) {
                        float *CK_RESTRICT d = image + ((oh * s + ki) * pw + ow * s + kj) * c_n;
                        for (int64_t c = 0; c < c_n; c++) d[c] += src[c];
                    }
            }
    }
}

/// out (b, im_c, im_h, im_w), or (b, im_h, im_w, im_c) when g->channels_last, = the interior of x_t + bias; one
/// image per thread.
static void from_padded_channels_last(float *CK_RESTRICT out, const float *CK_RESTRICT xt, const float *bias,
                                      const conv_geom *g, int64_t ph, int64_t pw) {
    const int64_t c_n = g->im_c, hw = g->im_h * g->im_w;
    const block_fn block = CK_PICK(block_fn, ck_conv_transpose_block_impl);
    CK_PARALLEL_FOR(ck_conv_threads(g->batch, g->batch * c_n * hw), b, g->batch) {
        float *CK_RESTRICT d = out + b * c_n * hw;
        const float *image = xt + b * ph * pw * c_n;
        if (!g->channels_last) {
            move_image(block, d, (float *)image, g, pw, 0);
            if (bias) add_channel_bias(d, bias, c_n, hw);
            continue;
        }
        for (int64_t h = 0; h < g->im_h; h++) {
            const float *src = image + ((h + g->pad) * pw + g->pad) * c_n;
            float *CK_RESTRICT row = d + h * g->im_w * c_n;
            if (!bias) {
                memcpy(row, src, (size_t)(g->im_w * c_n) * sizeof(float));
                continue;
            }
            for (int64_t x = 0; x < g->im_w; x++)
                for (int64_t c = 0; c < c_n; c++) row[x * c_n + c] = src[x * c_n + c] + bias[c];
        }
    }
}

int ck_conv_raise_nhwc(float *im, const float *colside, const float *w, const float *bias, const conv_geom *g,
                       float *ws) {
    if (g->batch == 0) return 0;  // no workspace then (ck_conv_nhwc_workspace)
    if (ck_conv_winograd_applies(g)) return ck_conv_winograd_nhwc(im, colside, w, bias, g, 1, ws);
    if (ck_conv_polyphase_applies(g)) return ck_conv_polyphase_nhwc(im, colside, w, bias, g, 1, ws);
    const nhwc_layout l = layout_of(g, 1);
    const int64_t ph = g->im_h + 2 * g->pad, pw = g->im_w + 2 * g->pad, kk = g->kh * g->kw;
    const int64_t rows = g->im_c * kk, plane = g->col_h * g->col_w, c_n = g->col_c;
    float *xt = ws + l.xt, *wt = ws + l.wt, *dyt = ws + l.yt, *colt = ws + l.colt;
    // W (col_c, (c, ki, kj)) -> (col_c, (ki, kj, c)): the GEMM's plain B.
    for (int64_t o = 0; o < c_n; o++)
        for (int64_t c = 0; c < g->im_c; c++)
            for (int64_t kij = 0; kij < kk; kij++) wt[o * rows + kij * g->im_c + c] = w[o * rows + c * kk + kij];
    for (int64_t b0 = 0; b0 < g->batch; b0 += l.images) {
        conv_geom gg = *g;
        gg.batch = CK_MIN(l.images, g->batch - b0);
        const float *dy_rows = colside_rows(dyt, colside + b0 * c_n * plane, &gg);
        if (ck_sgemm_view(gg.batch * plane, rows, c_n, 1.0f, (ck_gemm_view){.x = dy_rows, .ld = c_n},
                          (ck_gemm_view){.x = wt, .ld = rows}, 0.0f, (ck_gemm_view){.x = colt, .ld = rows}))
            return -1;
        col2im_channels_last(xt, colt, &gg, ph, pw);
        from_padded_channels_last(im + b0 * g->im_c * g->im_h * g->im_w, xt, bias, &gg, ph, pw);
    }
    return 0;
}
