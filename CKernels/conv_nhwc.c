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

/// Images per group: x_t and y_t of one group near NHWC_GROUP_FLOATS, so the copies are still in cache when
/// the GEMM packs them. Depends only on the shape, so results do not depend on the thread count.
#define NHWC_GROUP_FLOATS ((int64_t)1 << 20)

static int64_t group_images(const conv_geom *g) {
    const int64_t per_image = (g->im_h + 2 * g->pad) * (g->im_w + 2 * g->pad) * g->im_c + g->col_h * g->col_w * g->col_c;
    return CK_MAX((int64_t)1, CK_MIN(g->batch, NHWC_GROUP_FLOATS / CK_MAX(per_image, (int64_t)1)));
}

typedef struct {
    int64_t xt, wt, yt, koff, total;  // offsets of the workspace parts, and the floats needed
} nhwc_layout;

/// x_t and y_t hold one group; W_t (or dW_t) and koff the whole call.
static nhwc_layout layout_of(const conv_geom *g) {
    const int64_t ph = g->im_h + 2 * g->pad, pw = g->im_w + 2 * g->pad, rows = g->im_c * g->kh * g->kw;
    const int64_t images = group_images(g);
    nhwc_layout l = {.xt = 0};
    l.wt = l.xt + align16(images * ph * pw * g->im_c);
    l.yt = l.wt + align16(rows * g->col_c);
    l.koff = l.yt + align16(images * g->col_h * g->col_w * g->col_c);
    l.total = l.koff + align16(2 * rows);  // int64_t offsets: two floats each
    return l;
}

int64_t ck_conv_nhwc_workspace(const conv_geom *g) { return g->batch == 0 ? 0 : layout_of(g).total; }

typedef struct {
    ck_gemm_implicit base;
    const float *xt;
    const int64_t *koff;  // per lowered row k = (ki, kj, c): (ki*pw + kj)*im_c + c
    conv_geom g;
    int64_t ph, pw;
} conv_nhwc;

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

void ck_conv_transpose_impl_ref(float *CK_RESTRICT dst, int64_t ldd, const float *CK_RESTRICT src, int64_t lds,
                                int64_t rows, int64_t cols) {
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) dst[j * ldd + i] = src[i * lds + j];
}

typedef void (*transpose_fn)(float *CK_RESTRICT, int64_t, const float *CK_RESTRICT, int64_t, int64_t, int64_t);

/// x_t (b, ph, pw, c) = the images (b, c, h, w), zero-padded; one image per thread, one image row at a time
/// (channels x width -> width x channels).
static void to_padded_channels_last(float *CK_RESTRICT xt, const float *CK_RESTRICT im, const conv_geom *g,
                                    int64_t ph, int64_t pw) {
    const int64_t c_n = g->im_c, hw = g->im_h * g->im_w;
    const transpose_fn transpose = CK_PICK(transpose_fn, ck_conv_transpose_impl);
    #pragma omp parallel for num_threads(ck_conv_threads(g->batch, g->batch * c_n * hw)) schedule(static)
    for (int64_t b = 0; b < g->batch; b++) {
        float *dst = xt + b * ph * pw * c_n;
        const float *src = im + b * c_n * hw;
        memset(dst, 0, (size_t)(g->pad * pw * c_n) * sizeof(float));
        for (int64_t h = 0; h < g->im_h; h++) {
            float *row = dst + (h + g->pad) * pw * c_n;
            memset(row, 0, (size_t)(g->pad * c_n) * sizeof(float));
            transpose(row + g->pad * c_n, c_n, src + h * g->im_w, hw, c_n, g->im_w);
            memset(row + (g->pad + g->im_w) * c_n, 0, (size_t)((pw - g->pad - g->im_w) * c_n) * sizeof(float));
        }
        memset(dst + (g->pad + g->im_h) * pw * c_n, 0, (size_t)((ph - g->pad - g->im_h) * pw * c_n) * sizeof(float));
    }
}

/// out (b, col_c, plane) = y_t (b*plane, col_c) + bias; one image per thread.
static void from_channels_last(float *CK_RESTRICT out, const float *CK_RESTRICT yt, const float *bias,
                               const conv_geom *g) {
    const int64_t plane = g->col_h * g->col_w, c_n = g->col_c;
    const transpose_fn transpose = CK_PICK(transpose_fn, ck_conv_transpose_impl);
    #pragma omp parallel for num_threads(ck_conv_threads(g->batch, g->batch * c_n * plane)) schedule(static)
    for (int64_t b = 0; b < g->batch; b++) {
        float *CK_RESTRICT d = out + b * c_n * plane;
        transpose(d, plane, yt + b * plane * c_n, c_n, plane, c_n);
        if (bias)
            for (int64_t c = 0; c < c_n; c++)
                for (int64_t p = 0; p < plane; p++) d[c * plane + p] += bias[c];
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
    const nhwc_layout l = layout_of(g);
    const int64_t ph = g->im_h + 2 * g->pad, pw = g->im_w + 2 * g->pad, kk = g->kh * g->kw;
    const int64_t rows = g->im_c * kk, plane = g->col_h * g->col_w, per = group_images(g);
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
        if (ck_sgemm_view(gg.batch * plane, g->col_c, rows, 1.0f, (ck_gemm_view){.implicit = &a.base},
                          (ck_gemm_view){.x = wt, .ld = g->col_c}, 0.0f, (ck_gemm_view){.x = yt, .ld = g->col_c}))
            return -1;
        from_channels_last(out + b0 * g->col_c * plane, yt, bias, &gg);
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
            if (valid == 8 && mr == 8 && koff[7] - koff[0] == 7) {
                for (int64_t p = 0; p < n; p++) memcpy(panel + p * 8, cn->xt + base[p] + koff[0], 8 * sizeof(float));
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
    const nhwc_layout l = layout_of(g);
    const int64_t ph = g->im_h + 2 * g->pad, pw = g->im_w + 2 * g->pad, kk = g->kh * g->kw;
    const int64_t rows = g->im_c * kk, plane = g->col_h * g->col_w, c_n = g->col_c, per = group_images(g);
    float *xt = ws + l.xt, *dwt = ws + l.wt, *dyt = ws + l.yt;
    int64_t *koff = (int64_t *)(void *)(ws + l.koff);
    if (g->batch == 0) {
        memset(dw, 0, (size_t)(c_n * rows) * sizeof(float));
        return 0;
    }
    fill_koff(koff, g, pw);
    const transpose_fn transpose = CK_PICK(transpose_fn, ck_conv_transpose_impl);
    for (int64_t b0 = 0; b0 < g->batch; b0 += per) {
        conv_geom gg = *g;
        gg.batch = CK_MIN(per, g->batch - b0);
        to_padded_channels_last(xt, im + b0 * g->im_c * g->im_h * g->im_w, &gg, ph, pw);
        const float *dy = colside + b0 * c_n * plane;
        #pragma omp parallel for num_threads(ck_conv_threads(gg.batch, gg.batch * plane * c_n)) schedule(static)
        for (int64_t b = 0; b < gg.batch; b++) transpose(dyt + b * plane * c_n, c_n, dy + b * c_n * plane, plane, c_n, plane);
        conv_nhwc a = {.base = {.pack = pack_rows_by_pixel}, .xt = xt, .koff = koff, .g = gg, .ph = ph, .pw = pw};
        // Groups after the first accumulate (beta = 1), as the NCHW path does.
        if (ck_sgemm_view(rows, c_n, gg.batch * plane, 1.0f, (ck_gemm_view){.implicit = &a.base},
                          (ck_gemm_view){.x = dyt, .ld = c_n}, b0 ? 1.0f : 0.0f, (ck_gemm_view){.x = dwt, .ld = c_n}))
            return -1;
    }
    // dW_t ((ki, kj, c), col_c) -> dW (col_c, (c, ki, kj)).
    for (int64_t o = 0; o < c_n; o++)
        for (int64_t c = 0; c < g->im_c; c++)
            for (int64_t kij = 0; kij < kk; kij++) dw[o * rows + c * kk + kij] = dwt[(kij * g->im_c + c) * c_n + o];
    return 0;
}
