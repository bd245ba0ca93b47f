// Convolution internals shared by conv.c (entry points, GEMM lowering) and conv_im2col.c (data movement).
//
// Every conv call is expressed on one geometry with two sides:
//   image side   the tensor the kernel window slides over: Conv2d's input x, ConvTranspose2d's output y.
//   column side  the tensor with one value per window position: Conv2d's output y, ConvTranspose2d's input x.
// The lowered ("column") matrix has one row per (image channel, ki, kj) and one column per (b, oh, ow)
// of the column side: rows = im_c * kh * kw, cols = batch * col_h * col_w.
// Conv2d forward and ConvTranspose2d backward-data are im2col + GEMM; Conv2d backward-data and
// ConvTranspose2d forward are GEMM + col2im; both weight gradients are one GEMM over the batch.
#ifndef CK_CONV_INTERNAL_H
#define CK_CONV_INTERNAL_H
#include "ck_internal.h"
#include "gemm.h"

typedef struct conv_geom {
    int64_t batch;
    int64_t im_c, im_h, im_w;     // image side
    int64_t col_c, col_h, col_w;  // column side
    int64_t kh, kw, stride, pad;
    int channels_last;            // both sides' tensors are (batch, h, w, c) (ck_conv_shape.channels_last)
} conv_geom;

/// col (im_c*kh*kw, batch*col_h*col_w) = windows of im (batch, im_c, im_h, im_w), zero outside the image.
void ck_conv_im2col(float *col, const float *im, const conv_geom *g);
/// im (batch, im_c, im_h, im_w) = bias[c] (or 0) + sum of the col entries that map to each pixel, added in
/// (ki, kj) order by one thread per (b, c) plane.
void ck_conv_col2im(float *im, const float *col, const float *bias, const conv_geom *g);
/// rows (ch, batch*plane) = t (batch, ch, plane): channel-major view of an NCHW tensor.
void ck_conv_nchw_to_rows(float *rows, const float *t, int64_t batch, int64_t ch, int64_t plane);
/// t (batch, ch, plane) = value[c] everywhere in channel c (the bias the forward GEMM then adds to). plane = 1 is a
/// channels-last tensor of `batch` pixels.
void ck_conv_fill_channels(float *t, const float *value, int64_t batch, int64_t ch, int64_t plane);
/// out[c] = sum over b and p of t[b, c, p] in a fixed order (plane = 1: the rows of a channels-last tensor).
void ck_conv_channel_sums(float *out, const float *t, int64_t batch, int64_t ch, int64_t plane);

/// out[j] = sum_k a[k] b[j*ldb + k] for j < nb <= 4 (scalar reference in conv.c, SIMD in conv_simd.h).
void ck_conv_dot4_impl_ref(float *out, const float *a, const float *b, int64_t ldb, int nb, int64_t len);
CK_ISA_PROTOS(void, ck_conv_dot4_impl, (float *out, const float *a, const float *b, int64_t ldb, int nb, int64_t len))

/// col2im's inner loop: the kh*kw lowered rows of one (b, c) plane added into its zero-padded plane, each
/// pixel's terms in (ki, kj) order (scalar reference in conv_im2col.c, SIMD in conv_simd.h).
void ck_conv_col2im_plane_impl_ref(float *CK_RESTRICT pad, int64_t pw, const float *CK_RESTRICT src, int64_t n,
                                   const conv_geom *g);
CK_ISA_PROTOS(void, ck_conv_col2im_plane_impl, (float *CK_RESTRICT pad, int64_t pw, const float *CK_RESTRICT src,
                                                int64_t n, const conv_geom *g))

/// zero-padded plane ((im_h + 2 pad) x pw, pw = im_w + 2 pad) = one image plane surrounded by `pad` zeros.
void ck_conv_pad_plane(float *CK_RESTRICT padded, const float *CK_RESTRICT src, const conv_geom *g, int64_t pw);

// MARK: implicit lowering (conv_implicit.c)

/// One packed panel of the lowered matrix as runs along output rows: panel columns [at[t], at[t] + len[t])
/// are len[t] floats `stride` apart from offset off[t] of each lowered row; columns from `valid` on are zero.
typedef struct conv_runs {
    int count;
    int64_t valid, stride;
    int64_t at[33], len[33], off[33];  // a panel has at most 32 columns, so at most 32 runs
} conv_runs;

/// The lowered matrix of one group as an implicit GEMM operand (gemm.h): `base` first, so the GEMM's
/// pointer to it is a pointer to this.
typedef struct conv_implicit {
    ck_gemm_implicit base;
    const float *padded;     // the group's planes, zero-padded to ph x pw, (b, c) order
    const int64_t *row_off;  // per lowered row (c, ki, kj): c*ph*pw + ki*pw + kj
    conv_geom g;
    int64_t ph, pw;
} conv_implicit;

/// Workspace floats ck_conv_implicit_init needs for the group `g`.
int64_t ck_conv_implicit_workspace(const conv_geom *g);
/// Pads the group's images into `ws` and fills `ci`: the lowered matrix as a GEMM operand, valid while `ws`
/// is untouched.
void ck_conv_implicit_init(conv_implicit *ci, const float *im, const conv_geom *g, float *ws);

/// Packs `rows` panel rows: dst[r*nr + column] from src + row_off[r] along `runs` (scalar reference here,
/// SIMD in conv_simd.h).
void ck_conv_pack_runs_impl_ref(float *CK_RESTRICT dst, const float *CK_RESTRICT src, const int64_t *row_off,
                                int64_t rows, const conv_runs *runs, int nr);
CK_ISA_PROTOS(void, ck_conv_pack_runs_impl, (float *CK_RESTRICT dst, const float *CK_RESTRICT src,
                                             const int64_t *row_off, int64_t rows, const conv_runs *runs, int nr))

/// Threads for a data-movement loop of `items` pieces moving `floats` values in total (1 when small:
/// waking the team costs more than copying a few thousand floats).
static inline int ck_conv_threads(int64_t items, int64_t floats) {
    return floats < 32768 ? 1 : ck_threads_for(items);
}

// MARK: Winograd F(2x2, 3x3) (conv_winograd.c)

/// Whether the layer `g` takes the Winograd path: channels-last tensors, 3x3, stride 1, padding 1, 16+ channels on
/// both sides (and ck_conv_set_winograd / AE_WINOGRAD do not turn it off).
int ck_conv_winograd_applies(const conv_geom *g);
/// Workspace floats ck_conv_winograd_nhwc needs for `g` (the transformed filters).
int64_t ck_conv_winograd_workspace(const conv_geom *g);
/// The forward lowering's result (raise = 0: out = the column side from im, the image side) or the data
/// gradient's (raise = 1: out = the image side from the column side), + bias, for a layer where
/// ck_conv_winograd_applies. Returns 0, or -1 out of memory.
int ck_conv_winograd_nhwc(float *out, const float *in, const float *w, const float *bias, const conv_geom *g, int raise,
                          float *ws);
/// dw (col_c, im_c, 3, 3) = the weight gradient from the column side and the image side (both channels-last), for
/// a layer where ck_conv_winograd_applies. Returns 0, or -1 out of memory.
int ck_conv_winograd_weight_grad(float *dw, const float *colside, const float *im, const conv_geom *g, float *ws);
/// yh[xi*ldy + c] = (A dy Aᵀ)[xi] for channels c < n of one 2x2 tile of the column side, dy[2r + s] its element
/// (r, s)'s channels.
void ck_wino_grad_impl_ref(float *CK_RESTRICT yh, int64_t ldy, const float *const *dy, int64_t n);
CK_ISA_PROTOS(void, ck_wino_grad_impl, (float *CK_RESTRICT yh, int64_t ldy, const float *const *dy, int64_t n))
/// v[xi*ldv + c] = (Bᵀ d B)[xi] for channels c < n of one 4x4 patch, d[4i + j] its element (i, j)'s channels.
void ck_wino_input_impl_ref(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t n);
CK_ISA_PROTOS(void, ck_wino_input_impl, (float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t n))
/// y[r][c] = (Aᵀ m A)[r] + bias[c] for the 2x2 outputs r = 2i + j of one tile, m[xi*ldm + c]; y[r] NULL: skipped
/// (outside the image). bias may be NULL.
void ck_wino_output_impl_ref(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias, int64_t n);
CK_ISA_PROTOS(void, ck_wino_output_impl, (float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias,
                                          int64_t n))
/// Whether Winograd paths may run (AE_WINOGRAD, ck_conv_set_winograd).
int ck_conv_winograd_enabled(void);
/// m[xi] (chunk x cop) = v[xi] (chunk x k) · up[xi] (k x cop) for `points` transform points, on the GEMM micro-kernel:
/// up holds each point's block as B panels, ap is room for one chunk's A panels. Shared by both Winograd variants.
void ck_wino_products(const ck_gemm_config *cfg, int points, int64_t chunk, int64_t k, int64_t cop, const float *v,
                      const float *up, float *m, float *ap);
/// One chunk of tiles starting at tile t0: v (points x chunk x k) and m (points x chunk x cop) to work in, ap for
/// ck_wino_products, zero: k zeros (the padding).
typedef void (*ck_wino_chunk_fn)(const void *call, int64_t t0, float *v, float *m, float *ap, const float *zero);
/// Runs fn over `chunks` chunks of `chunk` tiles on up to `threads` threads (ck_split), each thread with buffers of
/// its own. Returns 0, or -1 out of memory.
int ck_wino_run_chunks(int points, int64_t chunks, int64_t chunk, int64_t k, int64_t cop, int threads,
                       ck_wino_chunk_fn fn, const void *call);

// MARK: Winograd F(4x4, 2x2) after space-to-depth, for 4x4 stride-2 convolutions (conv_polyphase.c)

/// Channels-last, 4x4, stride 2, padding 1, even planes, 16+ channels on both sides, Winograd enabled.
int ck_conv_polyphase_applies(const conv_geom *g);
/// Workspace floats of ck_conv_polyphase_nhwc (0 for other shapes).
int64_t ck_conv_polyphase_workspace(const conv_geom *g);
/// The forward lowering's result (raise = 0: out = the column side from im, the image side) or the data gradient's
/// (raise = 1: out = the image side from the column side), + bias, for a layer where ck_conv_polyphase_applies.
/// Returns 0, or -1 out of memory.
int ck_conv_polyphase_nhwc(float *out, const float *in, const float *w, const float *bias, const conv_geom *g, int raise,
                           float *ws);
/// v[xi*ldv + c] = (Bᵀ d B)[xi] for channels c < n of one 5x5 patch, d[5i + j] its element (i, j)'s channels.
void ck_poly_input_impl_ref(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t n);
CK_ISA_PROTOS(void, ck_poly_input_impl, (float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t n))
/// y[r][c] = (Aᵀ m A)[r] + bias[c] for the 4x4 outputs r = 4i + j of one tile; y[r] NULL: skipped. bias may be NULL.
void ck_poly_output_impl_ref(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias, int64_t n);
CK_ISA_PROTOS(void, ck_poly_output_impl, (float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias,
                                          int64_t n))
void ck_poly_input_tail(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t c0, int64_t n);
void ck_poly_output_tail(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias, int64_t c0,
                         int64_t n);

/// The references over channels [c0, n): the SIMD bodies' tails.
void ck_wino_grad_tail(float *CK_RESTRICT yh, int64_t ldy, const float *const *dy, int64_t c0, int64_t n);
void ck_wino_input_tail(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t c0, int64_t n);
void ck_wino_output_tail(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias, int64_t c0,
                         int64_t n);

// MARK: channels-last lowering (conv_nhwc.c)

/// Workspace floats the channels-last calls below need for the layer `g` (whole batch; they split it into
/// groups of their own).
int64_t ck_conv_nhwc_workspace(const conv_geom *g);
/// out (column side) = W · lowered(im) + bias over the whole batch, computed pixel-major from a zero-padded
/// channels-last copy of the images. Tensors NCHW, or channels-last when g->channels_last (then the GEMM writes
/// `out` in place and the copy of `im` is a row copy). Returns 0, or -1 when the GEMM fails.
int ck_conv_lower_nhwc(float *out, const float *im, const float *w, const float *bias, const conv_geom *g,
                       float *ws);
/// dw (col_c, rows) = rows(column side) · lowered(im)ᵀ over the whole batch, from channels-last copies of both
/// sides (of the image side only when g->channels_last: the column side is then read in place). Returns 0, or -1 when the GEMM fails.
int ck_conv_weight_grad_nhwc(float *dw, const float *colside, const float *im, const conv_geom *g, float *ws);
/// im (image side) = col2im(Wᵀ · rows(column side)) + bias over the whole batch, with the lowered matrix
/// pixel-major and the col2im adding runs of channels; NCHW or channels-last tensors as for the lowering. Returns 0, or -1 when the GEMM fails.
int ck_conv_raise_nhwc(float *im, const float *colside, const float *w, const float *bias, const conv_geom *g,
                       float *ws);
/// One full MR-pixel micro-panel: dst[k*mr + i] = src[i][koff[k]] for k < cols, i < mr (scalar reference in
/// conv_nhwc.c, SIMD in conv_simd.h).
void ck_conv_pack_pixels_impl_ref(float *CK_RESTRICT dst, const float *const *src, const int64_t *koff, int64_t cols,
                                  int mr);
/// drow[j][i] = srow[i][j] for i < m, j < n <= 16: one block of a transposing copy (scalar reference in
/// conv_nhwc.c, SIMD in conv_simd.h).
void ck_conv_transpose_block_impl_ref(float *const *drow, const float *const *srow, int64_t m, int64_t n);
CK_ISA_PROTOS(void, ck_conv_transpose_block_impl, (float *const *drow, const float *const *srow, int64_t m, int64_t n))
CK_ISA_PROTOS(void, ck_conv_pack_pixels_impl, (float *CK_RESTRICT dst, const float *const *src, const int64_t *koff,
                                               int64_t cols, int mr))

#endif
