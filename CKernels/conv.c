// Conv2d and ConvTranspose2d (NCHW, PyTorch semantics): geometry checks and the entry points, forward and
// backward side by side. Each call is lowered to packed GEMMs over groups of images (ck_sgemm_view, which
// is multithreaded and thread-count independent) plus the data movement in conv_im2col.c:
//
//   Conv2d forward            y  = W · im2col(x)              + bias   (lower)
//   Conv2d backward-data      dx = col2im(Wᵀ · dy)                     (raise)
//   ConvTranspose2d forward   y  = col2im(Wᵀ · x)             + bias   (raise: Conv2d's backward-data)
//   ConvTranspose2d bwd-data  dx = W · im2col(dy)                      (lower: Conv2d's forward)
//   weight gradients          dW = (column side) · im2col(image side)ᵀ
//
// The column-side tensor (y in the lower, dy / x in the raise and dW) enters the GEMM as it is, NCHW, seen
// as the (channels, batch*plane) matrix through a segmented view (gemm.h): no reorder copies around the GEMM.
//
// Why batch images into one GEMM instead of one GEMM per image: per-image GEMMs have n = out_h*out_w (49
// at 7x7), far too thin for the register tiles; a group of images makes n = images*out_h*out_w and the
// GEMM runs near peak. Small layers take the whole batch in one GEMM; large ones are split into groups
// whose lowered matrix stays in cache (group_images). Workspace: (rows + col_c) * group pixels floats
// (the col_c part is used only by the skinny weight gradient).
#include "conv.h"
#include "include/ck_conv.h"
#include "gemm.h"
#include "include/ck_gemm.h"

#include <stdlib.h>
#include <string.h>

// MARK: geometry

/// Largest accepted extent of any single dimension; keeps every product below overflow when checked.
#define CONV_DIM_LIMIT ((int64_t)1 << 24)

static int dims_ok(const ck_conv_shape *s) {
    if (!s) return 0;
    const int64_t d[] = {s->in_channels, s->in_h, s->in_w, s->out_channels, s->kernel_h, s->kernel_w, s->stride};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (d[i] < 1 || d[i] > CONV_DIM_LIMIT) return 0;
    return s->batch >= 0 && s->batch <= CONV_DIM_LIMIT && s->padding >= 0 && s->padding <= CONV_DIM_LIMIT;
}

/// Conv2d: (in + 2 pad - k) / stride + 1, or -1 when the padded input is smaller than the kernel.
static int64_t conv_out(const ck_conv_shape *s, int64_t in, int64_t k) {
    if (!dims_ok(s)) return -1;
    const int64_t span = in + 2 * s->padding - k;
    return span < 0 ? -1 : span / s->stride + 1;
}

/// ConvTranspose2d: (in - 1) stride - 2 pad + k + output_padding, with 0 <= output_padding < stride.
static int64_t conv_transpose_out(const ck_conv_shape *s, int64_t in, int64_t k) {
    if (!dims_ok(s) || s->output_padding < 0 || s->output_padding >= s->stride) return -1;
    const int64_t out = (in - 1) * s->stride - 2 * s->padding + k + s->output_padding;
    return out < 1 ? -1 : out;
}

int64_t ck_conv2d_out_h(const ck_conv_shape *s) { return s ? conv_out(s, s->in_h, s->kernel_h) : -1; }
int64_t ck_conv2d_out_w(const ck_conv_shape *s) { return s ? conv_out(s, s->in_w, s->kernel_w) : -1; }
int64_t ck_conv_transpose2d_out_h(const ck_conv_shape *s) { return s ? conv_transpose_out(s, s->in_h, s->kernel_h) : -1; }
int64_t ck_conv_transpose2d_out_w(const ck_conv_shape *s) { return s ? conv_transpose_out(s, s->in_w, s->kernel_w) : -1; }

/// Fills the two-sided geometry (conv.h) of a layer; 0, or -1 when the shape is invalid.
static int make_geom(conv_geom *g, const ck_conv_shape *s, int transposed) {
    const int64_t oh = transposed ? ck_conv_transpose2d_out_h(s) : ck_conv2d_out_h(s);
    const int64_t ow = transposed ? ck_conv_transpose2d_out_w(s) : ck_conv2d_out_w(s);
    if (oh < 1 || ow < 1) return -1;
    // The image side is the one the window slides over: Conv2d's input, ConvTranspose2d's output (a
    // transposed conv is the adjoint of the Conv2d that maps its output back to its input).
    const int64_t in[3] = {s->in_channels, s->in_h, s->in_w}, out[3] = {s->out_channels, oh, ow};
    const int64_t *im = transposed ? out : in, *col = transposed ? in : out;
    *g = (conv_geom){.batch = s->batch, .im_c = im[0], .im_h = im[1], .im_w = im[2],
                     .col_c = col[0], .col_h = col[1], .col_w = col[2],
                     .kh = s->kernel_h, .kw = s->kernel_w, .stride = s->stride, .pad = s->padding,
                     .channels_last = s->channels_last != 0};
    return 0;
}

/// Images per GEMM: as many as keep the lowered matrix of one group near CONV_GROUP_FLOATS (a few MB,
/// so im2col writes it and the GEMM's packing reads it back from cache instead of DRAM; at 28x28 stride 1
/// the whole-batch matrix is 115 MB; measured: 48 -> 28 ms forward at batch 128; 4x larger groups lost
/// the gain, 4x smaller ones were no better). Small layers still run the whole batch in one GEMM. Depends only
/// on the shape, so the summation order (and the result) does not depend on the thread count.
#define CONV_GROUP_FLOATS ((int64_t)1 << 20)

/// a * b for non-negative operands, saturating at INT64_MAX (which every later size check rejects).
static int64_t sat_mul(int64_t a, int64_t b) {
    int64_t r;
    return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

static int64_t group_images(const conv_geom *g) {
    const int64_t per_image = sat_mul(sat_mul(g->im_c, g->kh * g->kw), g->col_h * g->col_w);
    return CK_MAX((int64_t)1, CK_MIN(g->batch, CONV_GROUP_FLOATS / CK_MAX(per_image, (int64_t)1)));
}

/// Set by ck_conv_set_channels_last; -1 = not set.
static volatile int channels_last_forced = -1;

void ck_conv_set_channels_last(int mode) { channels_last_forced = mode < 0 ? -1 : mode & 7; }

/// Which calls take the channels-last path (conv_nhwc.c), as a bit mask: 1 the forward lowering, 2 the weight
/// gradients, 4 the data gradient. ck_conv_set_channels_last, else AE_CONV_NHWC (read once), else all three
/// with AVX-512 and none otherwise. Under AVX2 (forced on an AVX-512 machine, before AVX2 had SIMD packing) the
/// path measured 1.12x slower in all (the 16 benchmark layers, 1 thread, 370 -> 414 ms); on a Zen 3 machine with
/// the AVX2 packing, CNN5's layers with NCHW tensors, 1 thread, CPU time, off / on: 181.0 / 179.4, 199.4 / 208.9,
/// 215.5 / 195.2 ms, no clear difference, so it stays off there.
static int nhwc_mode(void) {
    if (channels_last_forced >= 0) return channels_last_forced;
    static int env = -2;
    if (env == -2) {
        const char *v = getenv("AE_CONV_NHWC");
        env = v && *v ? atoi(v) & 7 : -1;
    }
    if (env >= 0) return env;
    return ck_isa_active() == CK_ISA_AVX512 ? 7 : 0;
}

int ck_conv_prefers_channels_last(void) {
    static int env = -2;
    if (env == -2) {
        const char *v = getenv("AE_CHANNELS_LAST");
        env = v && *v ? atoi(v) != 0 : -1;
    }
    if (env >= 0) return env;
    // AVX2 as well: without its SIMD packing the NCHW tensors' channels-last paths lose (nhwc_mode), but
    // channels-last tensors need no reorder copies at all and win there too (Zen 3, 1 thread, whole
    // training steps, CPU time channels-last / NCHW: CNN3 0.857, see docs/RESULTS.md).
    return nhwc_mode() == 7 || ck_isa_active() == CK_ISA_AVX2;
}

/// The shapes each channels-last call is for (whatever the mode: the workspace size must not depend on it).
static int small_planes(const conv_geom *g) { return g->im_c >= 16 && g->col_h * g->col_w <= 49; }
static int wide_channels(const conv_geom *g) { return g->im_c >= 16 && g->col_c >= 4; }

/// Channels-last data gradient (GEMM + col2im: Conv2d backward-data, ConvTranspose2d forward) under the forward
/// lowering's rule (16+ image channels, column planes 7x7 or smaller). Same measurement, 1 / 2 threads:
/// ConvTranspose2d 128->64 4x4 forward 4.14 -> 3.41 / 2.10 -> 1.73 ms, 64->64 7x7 6.85 -> 5.39 / 3.56 -> 2.83 ms;
/// at 14x14 column planes it lost (ConvTranspose2d 32->32 14x14 6.43 -> 7.23 ms, 1 thread).
static int nhwc_raise(const conv_geom *g) { return (nhwc_mode() & 4) && small_planes(g); }

/// Channels-last forward lowering where the column side's planes are 7x7 or smaller and the image side has
/// at least 16 channels (runs of channels; the first layers' single channel stays NCHW). Measured with
/// Benchmarks/conv_layers.c, batch 128, 2 threads, our other jobs paused, minimum of 4 alternating rounds:
/// Conv 64->128 7x7 forward 2.68 -> 2.15 ms, Conv 64->64 14x14 s2 4.74 -> 3.74 ms, CNN3's Conv 32->64 2.24 ->
/// 2.03 ms; at 14x14 and 28x28 outputs it was no faster (the NCHW runs are long there), so those stay NCHW.
static int nhwc_lower(const conv_geom *g) { return (nhwc_mode() & 1) && small_planes(g); }

/// Channels-last weight gradient whenever the image side has 16 or more channels (and the column side 4 or
/// more; skinnier layers take the dot-product path): it never writes the lowered matrix (im2col was the
/// largest data movement of the backward pass). Same measurement: CNN5's backward convolutions 70.5 -> 61.1 ms
/// in all, CNN3's 20.0 -> 18.1 ms. It leaves no lowered matrix behind for ConvTranspose2d's data gradient.
static int nhwc_weight_grad(const conv_geom *g) { return (nhwc_mode() & 2) && wide_channels(g); }

/// Channels-last tensors take the channels-last calls whatever the mode, except the data and weight gradients of
/// a one-channel image side (the first Conv2d, the last ConvTranspose2d): that side is the same in both layouts,
/// and the NCHW calls, reading the channels-last column side through a transposed view, measured faster there
/// (Benchmarks/conv_layers.c, 1 thread, CPU time, channels-last calls instead: ConvTranspose2d 32->1 forward 0.63
/// -> 1.46 ms, DCGAN's 64->1 1.17 -> 4.00 ms; the channels-last packing gathers single floats there).
static int channels_last_via_nchw(const conv_geom *g) { return g->channels_last && g->im_c == 1; }
/// The same for the weight gradient, where only the skinny ones (9 lowered rows) measured faster that way: DCGAN's
/// Conv 1->64 kernel 4 backward 2.69 ms NCHW, 3.02 ms through the transposed view, 2.01 ms channels-last.
static int channels_last_dw_via_nchw(const conv_geom *g) {
    return channels_last_via_nchw(g) && (g->kh * g->kw < 16 || g->col_c < 4);
}

/// Workspace floats: one group's lowered matrix (rows x n) and channel-major column side (col_c x n).
static int64_t geom_workspace(const conv_geom *g) {
    const int64_t rows = sat_mul(g->im_c, g->kh * g->kw), n = sat_mul(group_images(g), g->col_h * g->col_w);
    if (rows == INT64_MAX) return -1;
    const int64_t total = sat_mul(rows + g->col_c, n);
    // Also reject shapes whose tensors could not be indexed (every index below is an int64_t product).
    const int64_t im = sat_mul(sat_mul(g->batch, g->im_c), sat_mul(g->im_h, g->im_w));
    const int64_t col = sat_mul(sat_mul(g->batch, g->col_c), g->col_h * g->col_w);
    if (total == INT64_MAX || im == INT64_MAX || col == INT64_MAX || sat_mul(rows, g->col_c) == INT64_MAX) return -1;
    if (g->batch == 0) return 0;
    // Room for the channels-last path (conv_nhwc.c) whenever the shape qualifies, so a workspace sized under
    // one ISA or mode serves every other; its sizes are products of the ones checked above with the padding,
    // which dims_ok bounds.
    // The skinny channels-last weight gradient keeps its dW_t (rows x col_c) after the lowered matrix.
    const int64_t skinny = channels_last_dw_via_nchw(g) ? sat_mul(rows, n + g->col_c) : 0;
    const int64_t nhwc = g->channels_last || small_planes(g) || wide_channels(g) ? ck_conv_nhwc_workspace(g) : 0;
    return CK_MAX(CK_MAX(total, skinny), nhwc);
}

static int64_t workspace_size(const ck_conv_shape *s, int transposed) {
    conv_geom g;
    return make_geom(&g, s, transposed) ? -1 : geom_workspace(&g);
}
int64_t ck_conv2d_workspace_size(const ck_conv_shape *s) { return workspace_size(s, 0); }
int64_t ck_conv_transpose2d_workspace_size(const ck_conv_shape *s) { return workspace_size(s, 1); }

/// The geometry for a call, checking the shape, the workspace and the required pointers.
static int prepare(conv_geom *g, const ck_conv_shape *s, int transposed, const float *workspace, int pointers_ok) {
    if (!pointers_ok || make_geom(g, s, transposed)) return -1;
    const int64_t ws = geom_workspace(g);
    return ws < 0 || (ws > 0 && !workspace) ? -1 : 0;
}

// MARK: the three lowered operations, on one group of images
//
// W is always viewed as (col_c, rows) with rows = im_c*kh*kw: Conv2d's (out, in, kh, kw) and
// ConvTranspose2d's (in, out, kh, kw) are both (column-side channels, image-side channels * kh * kw).
// Workspace layout: col = ws[0 : rows*n], cm = ws[rows*n : (rows+col_c)*n] (channel-major column side),
// n = group images * col_h * col_w. `g` is the geometry of the group (g->batch = its image count) and the
// tensor pointers point at its first image.

typedef struct { int64_t rows, n, plane; float *col, *cm; } lowered;

static lowered lowered_of(const conv_geom *g, float *ws) {
    lowered l = {.rows = g->im_c * g->kh * g->kw, .plane = g->col_h * g->col_w};
    l.n = g->batch * l.plane;
    l.col = ws;
    l.cm = ws + l.rows * l.n;
    return l;
}

/// The column-side tensor (batch, col_c, plane) of a group as the GEMM's (col_c, batch*plane) matrix: the
/// GEMM reads and writes NCHW in place (no reorder copies; gemm.h, ck_gemm_view).
static ck_gemm_view colside_view(const float *t, const conv_geom *g) {
    const int64_t plane = g->col_h * g->col_w;
    return (ck_gemm_view){.x = t, .ld = plane, .seg = plane, .seg_stride = g->col_c * plane};
}

/// The same matrix of a channels-last column side, (batch*plane, col_c) row-major: a transposed plain view.
static ck_gemm_view colside_view_channels_last(const float *t, const conv_geom *g) {
    return (ck_gemm_view){.x = t, .ld = g->col_c, .trans = 1};
}

/// Whether the GEMM can pack the lowered matrix straight from padded images (conv_implicit.c): whenever
/// those fit the workspace (always at the models' shapes; not for 1x1 images, say, where the padding
/// outgrows the lowered matrix).
static int implicit_fits(const conv_geom *g, const lowered *l) {
    return ck_conv_implicit_workspace(g) <= (l->rows + g->col_c) * l->n;
}

/// Column-side tensor = W · lowered(image) + bias (Conv2d forward, ConvTranspose2d backward-data).
/// `col_ready`: the weight gradient left this group's lowered matrix in the workspace. Otherwise the GEMM
/// packs it from padded images (implicit_fits) instead of im2col writing it out (kh*kw times the input) for
/// the packing to read back. Same bits as im2col + GEMM; measured on CNN5's forward convolutions, batch 128:
/// 61.4 -> 58.7 ms at 1 thread (CPU time), 30.0 -> 29.3 ms at 2 threads (minimum of 6 alternating runs).
/// The bias is written first and the product added to it (beta = 1): one pass over the output.
static int conv_lower(float *out, const float *im, const float *w, const float *bias, const conv_geom *g,
                      float *ws, int col_ready) {
    const lowered l = lowered_of(g, ws);
    conv_implicit implicit;
    ck_gemm_view b = {.x = l.col, .ld = l.n};
    if (!col_ready && implicit_fits(g, &l)) {
        ck_conv_implicit_init(&implicit, im, g, ws);
        b = (ck_gemm_view){.implicit = &implicit.base};
    } else if (!col_ready) {
        ck_conv_im2col(l.col, im, g);
    }
    if (bias) ck_conv_fill_channels(out, bias, g->batch, g->col_c, l.plane);
    return ck_sgemm_view(g->col_c, l.n, l.rows, 1.0f, (ck_gemm_view){.x = w, .ld = l.rows}, b,
                         bias ? 1.0f : 0.0f, colside_view(out, g));
}

/// Image-side tensor = col2im(Wᵀ · rows(column side)) + bias (Conv2d backward-data, ConvTranspose2d
/// forward).
static int conv_raise(float *im, const float *colside, const float *w, const float *bias, const conv_geom *g,
                      float *ws) {
    const lowered l = lowered_of(g, ws);
    const ck_gemm_view b = g->channels_last ? colside_view_channels_last(colside, g) : colside_view(colside, g);
    if (ck_sgemm_view(l.rows, l.n, g->col_c, 1.0f, (ck_gemm_view){.x = w, .ld = l.rows, .trans = 1}, b, 0.0f,
                      (ck_gemm_view){.x = l.col, .ld = l.n}))
        return -1;
    ck_conv_col2im(im, l.col, bias, g);
    return 0;
}

void ck_conv_dot4_impl_ref(float *out, const float *a, const float *b, int64_t ldb, int nb, int64_t len) {
    for (int j = 0; j < nb; j++) {
        float acc = 0.0f;
        for (int64_t k = 0; k < len; k++) acc += a[k] * b[j * ldb + k];
        out[j] = acc;
    }
}

/// dW (col_c, rows) = beta dW + cm · colᵀ as col_c*rows dot products of length n, for skinny layers (one
/// channel on a side: rows = 9 or col_c = 1) where the GEMM's register tile is mostly padding and its
/// row split packs all of B once per thread. Each output is one thread's fixed-order dot product.
static void weight_grad_dots(float *dw, const float *cm, const float *col, int64_t col_c, int64_t rows, int64_t n,
                             float beta) {
    typedef void (*dot4_fn)(float *, const float *, const float *, int64_t, int, int64_t);
    const dot4_fn dot4 = CK_PICK(dot4_fn, ck_conv_dot4_impl);
    const int64_t jblocks = (rows + 3) / 4, items = col_c * jblocks;
    CK_PARALLEL_FOR(ck_conv_threads(items, col_c * rows * n / 8), it, items) {
        const int64_t i = it / jblocks, j0 = (it % jblocks) * 4;
        const int nb = (int)CK_MIN((int64_t)4, rows - j0);
        float r[4];
        dot4(r, cm + i * n, col + j0 * n, n, nb, n);
        float *d = dw + i * rows + j0;
        for (int j = 0; j < nb; j++) d[j] = (beta == 0.0f ? 0.0f : d[j]) + r[j];
    }
}

/// dW (col_c, rows) (+)= rows(column side) · im2col(image side)ᵀ: k runs over the group's pixels; groups
/// after the first accumulate (beta = 1). Leaves im2col(image side) in the workspace for the data gradient.
/// (Packing the transpose straight from padded images, as conv_lower does, measured no faster here: the
/// transposing pack costs what im2col saves.)
static int conv_weight_grad(float *dw, const float *colside, const float *im, const conv_geom *g, float *ws,
                            float beta) {
    const lowered l = lowered_of(g, ws);
    ck_conv_im2col(l.col, im, g);
    // Skinny: measured at batch 128 (1->32 and 32->1, rows = 9), the dots take about half the GEMM's time.
    if ((l.rows < 16 || g->col_c < 4) && !g->channels_last) {
        ck_conv_nchw_to_rows(l.cm, colside, g->batch, g->col_c, l.plane);
        weight_grad_dots(dw, l.cm, l.col, g->col_c, l.rows, l.n, beta);
        return 0;
    }
    // Skinny with a channels-last column side: dW_t (rows, col_c) = col · colside, whose operands the GEMM reads
    // row-major (a channel-major copy of the column side for the dots measured slower), added transposed into dW.
    // dW_t follows the lowered matrix (geom_workspace makes room for it when it outgrows the channel-major part).
    if (l.rows < 16 || g->col_c < 4) {
        float *dwt = l.cm;
        if (ck_sgemm_view(l.rows, g->col_c, l.n, 1.0f, (ck_gemm_view){.x = l.col, .ld = l.n},
                          (ck_gemm_view){.x = colside, .ld = g->col_c}, 0.0f, (ck_gemm_view){.x = dwt, .ld = g->col_c}))
            return -1;
        for (int64_t o = 0; o < g->col_c; o++)
            for (int64_t r = 0; r < l.rows; r++)
                dw[o * l.rows + r] = (beta == 0.0f ? 0.0f : dw[o * l.rows + r]) + dwt[r * g->col_c + o];
        return 0;
    }
    const ck_gemm_view a = g->channels_last ? colside_view_channels_last(colside, g) : colside_view(colside, g);
    return ck_sgemm_view(g->col_c, l.rows, l.n, 1.0f, a,
                         (ck_gemm_view){.x = l.col, .ld = l.n, .trans = 1}, beta, (ck_gemm_view){.x = dw, .ld = l.rows});
}

/// Group `index` of the batch: its geometry and the offsets (in floats) of its first image on each side.
typedef struct { conv_geom g; int64_t im_off, col_off; } group;

static int64_t group_count(const conv_geom *g) {
    const int64_t per = group_images(g);
    return (g->batch + per - 1) / per;
}

static group group_at(const conv_geom *g, int64_t index) {
    const int64_t per = group_images(g), b0 = index * per;
    group r = {.g = *g};
    r.g.batch = CK_MIN(per, g->batch - b0);
    r.im_off = b0 * g->im_c * g->im_h * g->im_w;
    r.col_off = b0 * g->col_c * g->col_h * g->col_w;
    return r;
}

/// dbias[c] = sum of dy over the batch and the plane, in either layout.
static void bias_grad(float *dbias, const float *dy, const conv_geom *g, int64_t ch, int64_t plane) {
    // Channels-last: the (pixels, ch) rows, which ck_conv_channel_sums reads as planes of one value.
    if (g->channels_last) ck_conv_channel_sums(dbias, dy, g->batch * plane, ch, 1);
    else ck_conv_channel_sums(dbias, dy, g->batch, ch, plane);
}

// MARK: Conv2d

int ck_conv2d_forward(float *y, const float *x, const float *w, const float *bias, const ck_conv_shape *s,
                      float *workspace) {
    conv_geom g;
    if (prepare(&g, s, 0, workspace, y && x && w)) return -1;
    if (g.channels_last || nhwc_lower(&g)) return ck_conv_lower_nhwc(y, x, w, bias, &g, workspace);
    for (int64_t i = 0; i < group_count(&g); i++) {
        const group p = group_at(&g, i);
        if (conv_lower(y + p.col_off, x + p.im_off, w, bias, &p.g, workspace, 0)) return -1;
    }
    return 0;
}

int ck_conv2d_backward(float *dx, float *dw, float *dbias, const float *dy, const float *x, const float *w,
                       const ck_conv_shape *s, float *workspace) {
    conv_geom g;
    if (prepare(&g, s, 0, workspace, dy && (!dw || x) && (!dx || w))) return -1;
    if (dw && g.batch == 0) memset(dw, 0, (size_t)(g.col_c * g.im_c * g.kh * g.kw) * sizeof(float));
    const int dw_nhwc = dw && (g.channels_last ? !channels_last_dw_via_nchw(&g) : nhwc_weight_grad(&g));
    const int dx_nhwc = dx && ((g.channels_last && !channels_last_via_nchw(&g)) || nhwc_raise(&g));
    if (dw_nhwc && ck_conv_weight_grad_nhwc(dw, dy, x, &g, workspace)) return -1;
    if (dx_nhwc && ck_conv_raise_nhwc(dx, dy, w, NULL, &g, workspace)) return -1;
    for (int64_t i = 0; i < group_count(&g) && ((dw && !dw_nhwc) || (dx && !dx_nhwc)); i++) {
        const group p = group_at(&g, i);
        if (dw && !dw_nhwc && conv_weight_grad(dw, dy + p.col_off, x + p.im_off, &p.g, workspace, i ? 1.0f : 0.0f))
            return -1;
        if (dx && !dx_nhwc && conv_raise(dx + p.im_off, dy + p.col_off, w, NULL, &p.g, workspace)) return -1;
    }
    if (dbias) bias_grad(dbias, dy, &g, g.col_c, g.col_h * g.col_w);
    return 0;
}

// MARK: ConvTranspose2d

int ck_conv_transpose2d_forward(float *y, const float *x, const float *w, const float *bias,
                                const ck_conv_shape *s, float *workspace) {
    conv_geom g;
    if (prepare(&g, s, 1, workspace, y && x && w)) return -1;
    if ((g.channels_last && !channels_last_via_nchw(&g)) || nhwc_raise(&g)) return ck_conv_raise_nhwc(y, x, w, bias, &g, workspace);
    for (int64_t i = 0; i < group_count(&g); i++) {
        const group p = group_at(&g, i);
        if (conv_raise(y + p.im_off, x + p.col_off, w, bias, &p.g, workspace)) return -1;
    }
    return 0;
}

int ck_conv_transpose2d_backward(float *dx, float *dw, float *dbias, const float *dy, const float *x,
                                 const float *w, const ck_conv_shape *s, float *workspace) {
    conv_geom g;
    if (prepare(&g, s, 1, workspace, dy && (!dw || x) && (!dx || w))) return -1;
    if (dw && g.batch == 0) memset(dw, 0, (size_t)(g.col_c * g.im_c * g.kh * g.kw) * sizeof(float));
    // Channels-last calls cover the whole batch; the NCHW ones go group by group, dW first: it leaves
    // im2col(dy) in the workspace, which dx's GEMM then reads (col_ready).
    const int dw_nhwc = dw && (g.channels_last ? !channels_last_dw_via_nchw(&g) : nhwc_weight_grad(&g));
    const int dx_nhwc = dx && (g.channels_last || nhwc_lower(&g));
    if (dw_nhwc && ck_conv_weight_grad_nhwc(dw, x, dy, &g, workspace)) return -1;
    if (dx_nhwc && ck_conv_lower_nhwc(dx, dy, w, NULL, &g, workspace)) return -1;
    for (int64_t i = 0; i < group_count(&g) && ((dw && !dw_nhwc) || (dx && !dx_nhwc)); i++) {
        const group p = group_at(&g, i);
        if (dw && !dw_nhwc && conv_weight_grad(dw, x + p.col_off, dy + p.im_off, &p.g, workspace, i ? 1.0f : 0.0f))
            return -1;
        if (dx && !dx_nhwc && conv_lower(dx + p.col_off, dy + p.im_off, w, NULL, &p.g, workspace, dw && !dw_nhwc))
            return -1;
    }
    if (dbias) bias_grad(dbias, dy, &g, g.im_c, g.im_h * g.im_w);
    return 0;
}
