// The "raise" (Conv2d backward-data, ConvTranspose2d forward) without col2im: one stride-1 implicit GEMM per
// output phase instead of a GEMM into the (im_c*kh*kw, pixels) matrix that col2im then folds into the image.
//
// Image pixel y (one axis; the other is alike) receives window position oh through tap ki exactly when
// y = oh*s - pad + ki. Split the pixels by phase phi = (y + pad) mod s: then ki = phi + s*t for t < T_phi
// (T_phi = ceil((k - phi) / s) taps) and oh = u - t with u = (y + pad - phi) / s. So, per phase, the pixels
// y = s*u - pad + phi form a dense grid over u, and each is a stride-1 correlation of the column side with
// the phase's T x T sub-kernel:
//     im[c, y(u), x(v)] = bias[c] + sum over o, t, t' of W[o, c, phi_y + s t, phi_x + s t'] * col[o, u - t, v - t']
// which is conv_implicit (conv.h) over the zero-padded column side with the sub-kernel flipped. Every pixel
// is one phase's GEMM output, so each is written once, as the GEMM's fixed-order sum plus the bias (the
// result does not depend on the thread count). The phase's GEMM writes a dense (b, c, u, v) block that a
// scatter pass moves to the image's stride-s grid with the bias; that pass reads one image's worth, where
// col2im read kh*kw of them.
#include "conv.h"
#include "gemm.h"

#include <string.h>

/// One axis of one phase: T taps; output grid u in [first, first + count).
typedef struct { int64_t taps, first, count; } phase_axis;

static phase_axis axis_phase(int64_t n_im, int64_t k, int64_t s, int64_t pad, int64_t phi) {
    phase_axis a = {.taps = phi < k ? (k - phi + s - 1) / s : 0};
    a.first = pad - phi <= 0 ? 0 : (pad - phi + s - 1) / s;  // first u with s*u - pad + phi >= 0
    const int64_t last = n_im - 1 + pad - phi;                // s*u <= last
    a.count = last < 0 ? 0 : CK_MAX((int64_t)0, last / s + 1 - a.first);
    return a;
}

/// Zero padding of the column side along one axis so every phase's windows stay inside: before (lo) and
/// after (hi) the n_col positions.
static void axis_padding(int64_t n_im, int64_t n_col, int64_t k, int64_t s, int64_t pad, int64_t *lo, int64_t *hi) {
    *lo = 0;
    *hi = 0;
    for (int64_t phi = 0; phi < s; phi++) {
        const phase_axis a = axis_phase(n_im, k, s, pad, phi);
        if (a.taps == 0 || a.count == 0) continue;
        *lo = CK_MAX(*lo, a.taps - 1 - a.first);              // u - t >= -lo
        *hi = CK_MAX(*hi, a.first + a.count - 1 - (n_col - 1));  // u <= n_col - 1 + hi
    }
}

/// Workspace layout of one group: padded column side, the phase's row offsets (int64_t), its sub-kernel,
/// its dense output block.
typedef struct {
    int64_t lo_h, hi_h, lo_w, hi_w, ph, pw;
    int64_t padded, offsets, kernel, block;  // sizes in floats
} subpixel_layout;

static subpixel_layout layout_of(const conv_geom *g) {
    subpixel_layout l;
    axis_padding(g->im_h, g->col_h, g->kh, g->stride, g->pad, &l.lo_h, &l.hi_h);
    axis_padding(g->im_w, g->col_w, g->kw, g->stride, g->pad, &l.lo_w, &l.hi_w);
    l.ph = g->col_h + l.lo_h + l.hi_h;
    l.pw = g->col_w + l.lo_w + l.hi_w;
    const int64_t taps_h = (g->kh + g->stride - 1) / g->stride, taps_w = (g->kw + g->stride - 1) / g->stride;
    const int64_t grid_h = (g->im_h + g->stride - 1) / g->stride + 1, grid_w = (g->im_w + g->stride - 1) / g->stride + 1;
    // Saturating: an absurd shape yields INT64_MAX, which the workspace check rejects.
    l.padded = sat_mul(sat_mul(g->batch, g->col_c), sat_mul(l.ph, l.pw));
    l.padded = sat_add(l.padded, l.padded & 1);  // keeps the int64_t offsets 8-byte aligned
    l.offsets = sat_mul(2 * g->col_c, taps_h * taps_w);
    l.kernel = sat_mul(sat_mul(g->im_c, g->col_c), taps_h * taps_w);
    l.block = sat_mul(sat_mul(g->batch, g->im_c), sat_mul(grid_h, grid_w));
    return l;
}

int64_t ck_conv_subpixel_workspace(const conv_geom *g) {
    const subpixel_layout l = layout_of(g);
    return sat_add(sat_add(l.padded, l.offsets), sat_add(l.kernel, l.block));
}

/// im[b, c, s*(first_y + u) - pad + phi_y, s*(first_x + v) - pad + phi_x] = bias[c] (or 0) + block[b, c, u, v]
/// for the phase's grid; block == NULL writes the bias alone (a phase no tap reaches).
static void scatter_phase(float *im, const float *block, const float *bias, const conv_geom *g, phase_axis ay,
                          phase_axis ax, int64_t phi_y, int64_t phi_x) {
    const int64_t s = g->stride, items = g->batch * g->im_c, cells = ay.count * ax.count;
    #pragma omp parallel for num_threads(ck_conv_threads(items, items * cells)) schedule(static)
    for (int64_t it = 0; it < items; it++) {
        const float init = bias ? bias[it % g->im_c] : 0.0f;
        const float *CK_RESTRICT src = block ? block + it * cells : NULL;
        float *CK_RESTRICT plane = im + it * g->im_h * g->im_w;
        for (int64_t u = 0; u < ay.count; u++) {
            float *CK_RESTRICT row = plane + (s * (ay.first + u) - g->pad + phi_y) * g->im_w + s * ax.first - g->pad + phi_x;
            for (int64_t v = 0; v < ax.count; v++) row[v * s] = init + (src ? src[u * ax.count + v] : 0.0f);
        }
    }
}

/// One phase: its sub-kernel and row offsets into the workspace, the implicit GEMM, the scatter.
static int raise_phase(float *im, const float *w, const float *bias, const conv_geom *g, const subpixel_layout *l,
                       float *ws, int64_t phi_y, int64_t phi_x) {
    const phase_axis ay = axis_phase(g->im_h, g->kh, g->stride, g->pad, phi_y);
    const phase_axis ax = axis_phase(g->im_w, g->kw, g->stride, g->pad, phi_x);
    if (ay.count == 0 || ax.count == 0) return 0;
    if (ay.taps == 0 || ax.taps == 0) {
        scatter_phase(im, NULL, bias, g, ay, ax, phi_y, phi_x);
        return 0;
    }
    const int64_t s = g->stride, taps = ay.taps * ax.taps, k = g->col_c * taps, kk = g->kh * g->kw;
    int64_t *row_off = (int64_t *)(void *)(ws + l->padded);
    float *kernel = ws + l->padded + l->offsets, *block = kernel + l->kernel;
    // Lowered row r = (o, ty, tx) with flipped taps: ty = T - 1 - t reads column-side row u - t.
    for (int64_t r = 0; r < k; r++) {
        const int64_t o = r / taps, ty = (r % taps) / ax.taps, tx = r % ax.taps;
        row_off[r] = o * l->ph * l->pw + ty * l->pw + tx;
        const int64_t ki = phi_y + s * (ay.taps - 1 - ty), kj = phi_x + s * (ax.taps - 1 - tx);
        // W viewed as (col_c, im_c, kh, kw) (conv.c): the phase's kernel is (im_c, k).
        for (int64_t c = 0; c < g->im_c; c++) kernel[c * k + r] = w[(o * g->im_c + c) * kk + ki * g->kw + kj];
    }
    const conv_implicit source = {
        .base = {.pack = ck_conv_implicit_pack}, .padded = ws, .row_off = row_off,
        .image = g->col_c * l->ph * l->pw, .pw = l->pw, .stride = 1, .out_h = ay.count, .out_w = ax.count,
        .oy = ay.first - (ay.taps - 1) + l->lo_h, .ox = ax.first - (ax.taps - 1) + l->lo_w};
    const int64_t cells = ay.count * ax.count;
    const ck_gemm_view out = {.x = block, .ld = cells, .seg = cells, .seg_stride = g->im_c * cells};
    if (ck_sgemm_view(g->im_c, g->batch * cells, k, 1.0f, (ck_gemm_view){.x = kernel, .ld = k},
                      (ck_gemm_view){.implicit = &source.base}, 0.0f, out))
        return -1;
    scatter_phase(im, block, bias, g, ay, ax, phi_y, phi_x);
    return 0;
}

int ck_conv_raise_subpixel(float *im, const float *colside, const float *w, const float *bias, const conv_geom *g,
                           float *ws) {
    const subpixel_layout l = layout_of(g);
    const int64_t items = g->batch * g->col_c;
    #pragma omp parallel for num_threads(ck_conv_threads(items, l.padded)) schedule(static)
    for (int64_t it = 0; it < items; it++)
        ck_conv_pad_plane_sides(ws + it * l.ph * l.pw, colside + it * g->col_h * g->col_w, g->col_h, g->col_w,
                                l.lo_h, l.hi_h, l.lo_w, l.hi_w);
    for (int64_t phi_y = 0; phi_y < g->stride; phi_y++)
        for (int64_t phi_x = 0; phi_x < g->stride; phi_x++)
            if (raise_phase(im, w, bias, g, &l, ws, phi_y, phi_x)) return -1;
    return 0;
}
