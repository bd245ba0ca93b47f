// Implicit lowering: the GEMM packs the lowered ("im2col") matrix's panels straight from a zero-padded copy
// of the images (a ck_gemm_implicit operand, gemm.h), so the matrix itself, kh*kw times the input, is never
// written to memory and read back. Used by Conv2d forward and ConvTranspose2d backward-data (conv_lower in
// conv.c); the copy loops are per ISA (conv_simd.h).
//
// Why it is cheap to address: with every plane padded to ph x pw, element (row r, column j) of the lowered
// matrix, r = (c, ki, kj) and j = (b, oh, ow), sits at
//     padded[row_off[r] + col_off(j)],  row_off[r] = c*ph*pw + ki*pw + kj,  col_off(j) = b*C*ph*pw + oh*s*pw + ow*s,
// a sum of a row part and a column part, and consecutive columns of one output row are consecutive
// (stride 1) or every other (stride 2) floats of the padded plane: a panel row is a few strided runs.
#include "conv.h"
#include "gemm.h"

/// Padded planes of one group: ph x pw each, in (b, c) order like the images.
static int64_t padded_floats(const conv_geom *g) {
    return g->batch * g->im_c * (g->im_h + 2 * g->pad) * (g->im_w + 2 * g->pad);
}

int64_t ck_conv_implicit_workspace(const conv_geom *g) {
    const int64_t rows = g->im_c * g->kh * g->kw;
    // The row offsets are int64_t: two floats each, after the padded planes (kept 8-byte aligned).
    const int64_t planes = padded_floats(g);
    return planes + (planes & 1) + 2 * rows;
}

/// The panel runs of lowered-matrix columns [c0, c0 + count) (pixels), from their first (b, oh, ow) on.
static conv_runs pixel_runs(const conv_implicit *ci, int64_t c0, int64_t count) {
    const conv_geom *g = &ci->g;
    const int64_t s = g->stride, pw = ci->pw, image = g->im_c * ci->ph * pw, plane = g->col_h * g->col_w;
    conv_runs runs = {.count = 0, .valid = count, .stride = s};
    int64_t b = c0 / plane, oh = (c0 % plane) / g->col_w, ow = c0 % g->col_w;
    for (int64_t at = 0; at < count; runs.count++) {
        const int64_t len = CK_MIN(count - at, g->col_w - ow);
        runs.at[runs.count] = at;
        runs.len[runs.count] = len;
        runs.off[runs.count] = b * image + oh * s * pw + ow * s;
        at += len;
        ow = 0;
        if (++oh == g->col_h) { oh = 0; b++; }
    }
    return runs;
}

typedef void (*runs_fn)(float *CK_RESTRICT, const float *CK_RESTRICT, const int64_t *, int64_t, const conv_runs *,
                        int);

/// The packing callback of the lowered matrix: rows [r0, r0+rows) x columns [c0, c0+cols) as NR-column
/// micro-panels (Conv2d forward: B = lowered).
static void pack_lowered(const ck_gemm_implicit *self, float *CK_RESTRICT dst, int64_t r0, int64_t rows,
                         int64_t c0, int64_t cols, int nr) {
    const conv_implicit *ci = (const conv_implicit *)self;
    const runs_fn copy = CK_PICK(runs_fn, ck_conv_pack_runs_impl);
    for (int64_t q = 0; q < cols; q += nr, dst += nr * rows) {
        const conv_runs runs = pixel_runs(ci, c0 + q, CK_MIN((int64_t)nr, cols - q));
        copy(dst, ci->padded, ci->row_off + r0, rows, &runs, nr);
    }
}

void ck_conv_pack_runs_impl_ref(float *CK_RESTRICT dst, const float *CK_RESTRICT src, const int64_t *row_off,
                                int64_t rows, const conv_runs *runs, int nr) {
    for (int64_t r = 0; r < rows; r++, dst += nr) {
        const float *base = src + row_off[r];
        for (int t = 0; t < runs->count; t++)
            for (int64_t i = 0; i < runs->len[t]; i++) dst[runs->at[t] + i] = base[runs->off[t] + i * runs->stride];
        for (int64_t j = runs->valid; j < nr; j++) dst[j] = 0.0f;
    }
}

void ck_conv_implicit_init(conv_implicit *ci, const float *im, const conv_geom *g, float *ws) {
    const int64_t ph = g->im_h + 2 * g->pad, pw = g->im_w + 2 * g->pad, kk = g->kh * g->kw;
    const int64_t planes = padded_floats(g), items = g->batch * g->im_c;
    int64_t *row_off = (int64_t *)(void *)(ws + planes + (planes & 1));
    *ci = (conv_implicit){.base = {.pack = pack_lowered}, .padded = ws, .row_off = row_off, .g = *g, .ph = ph,
                          .pw = pw};
    for (int64_t r = 0; r < g->im_c * kk; r++) {
        const int64_t c = r / kk, ki = (r % kk) / g->kw, kj = r % g->kw;
        row_off[r] = c * ph * pw + ki * pw + kj;
    }
    CK_PARALLEL_FOR(ck_conv_threads(items, planes), it, items)
        ck_conv_pad_plane(ws + it * ph * pw, im + it * g->im_h * g->im_w, g, pw);
}
