// Winograd F(2x2, 3x3) for the stride-1, padding-1, 3x3 convolutions of channels-last tensors (Lavin & Gray 2016):
// each 2x2 block of outputs ("tile") comes from one 4x4 input patch, and in the transformed domain the
// convolution over channels is 16 independent products (one per transform point xi)
//
//   M[xi] (tiles, out channels) = V[xi] (tiles, in channels) · U[xi] (in channels, out channels)
//
// with V = Bᵀ d B per patch and channel, U = G g Gᵀ per filter, outputs Aᵀ M A: 16 multiplies per tile and
// channel pair where the direct convolution needs 36, i.e. 2.25x fewer flops (1.7x at 7x7, whose last tile row
// and column are half outside the image). The products run on the GEMM's micro-kernel: U is packed once per call
// as its B panels, each chunk of tiles is transformed into a per-thread buffer, packed as A panels and multiplied,
// then transformed back, so V and M never leave the cache. Serves the forward lowering (Conv2d forward,
// ConvTranspose2d backward-data) and, with the filter flipped and its channels swapped, the data gradient
// (Conv2d backward-data, ConvTranspose2d forward): at stride 1 both are the same convolution. The weight gradient is
// the same identity transposed, dg = Gᵀ [Σ over tiles (A dy Aᵀ) ⊙ (Bᵀ d B)] G: per transform point one product
// S[xi] (in, out channels) = V[xi]ᵀ · Ŷ[xi] summed over the tiles, in groups of tiles whose size depends only on the
// shape; within a group each point's product is one thread's, added group after group.
//
// Each tile is computed by one thread in a fixed order, so results do not depend on the thread count; they differ
// from the lowering's by float rounding (the transforms add and subtract up to 9 terms before the products).
#include "conv.h"
#include "gemm.h"
#include "include/ck_conv.h"

#include <stdlib.h>
#include <string.h>

static int winograd_forced = -1;

void ck_conv_set_winograd(int on) { winograd_forced = on < 0 ? -1 : on != 0; }

int ck_conv_winograd_enabled(void) {
    if (winograd_forced >= 0) return winograd_forced;
    static int env = -2;
    if (env == -2) {
        const char *v = getenv("AE_WINOGRAD");
        env = v && *v ? atoi(v) != 0 : -1;
    }
    return env != 0;
}

int ck_conv_winograd_applies(const conv_geom *g) {
    // 16+ channels on both sides: with fewer the products are too thin for the transforms to pay.
    return g->channels_last && g->kh == 3 && g->kw == 3 && g->stride == 1 && g->pad == 1 && g->col_h == g->im_h
           && g->col_w == g->im_w && g->im_c >= 16 && g->col_c >= 16 && ck_conv_winograd_enabled();
}

/// Tiles per group of the weight gradient: its V and Ŷ near 2^19 floats (2 MB). Depends only on the shape.
static int64_t grad_group_tiles(const conv_geom *g) {
    const int64_t tiles = g->batch * ((g->im_h + 1) / 2) * ((g->im_w + 1) / 2);
    return CK_MAX((int64_t)1, CK_MIN(tiles, ((int64_t)1 << 19) / (16 * (g->im_c + g->col_c))));
}

int64_t ck_conv_winograd_workspace(const conv_geom *g) {
    // Forward and data gradient: U, 16 transform points x in channels x out channels rounded up to the widest
    // register tile (64 covers all). Weight gradient: S, one group's V and Ŷ, and a zero vector.
    const int64_t wide = CK_MAX(g->im_c, g->col_c), gt = grad_group_tiles(g);
    return CK_MAX(16 * ((wide + 63) & ~(int64_t)63) * wide,
                  16 * g->im_c * g->col_c + 16 * gt * (g->im_c + g->col_c) + wide);
}

// MARK: the transforms (scalar references; SIMD bodies in conv_winograd_simd.h)

void ck_wino_input_tail(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t c0, int64_t n) {
    for (int64_t c = c0; c < n; c++) {
        float t[16];
        for (int j = 0; j < 4; j++) {
            const float d0 = d[j][c], d1 = d[4 + j][c], d2 = d[8 + j][c], d3 = d[12 + j][c];
            t[j] = d0 - d2;
            t[4 + j] = d1 + d2;
            t[8 + j] = d2 - d1;
            t[12 + j] = d1 - d3;
        }
        for (int i = 0; i < 4; i++) {
            const float *r = t + 4 * i;
            v[(4 * i + 0) * ldv + c] = r[0] - r[2];
            v[(4 * i + 1) * ldv + c] = r[1] + r[2];
            v[(4 * i + 2) * ldv + c] = r[2] - r[1];
            v[(4 * i + 3) * ldv + c] = r[1] - r[3];
        }
    }
}

void ck_wino_output_tail(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias, int64_t c0,
                         int64_t n) {
    for (int64_t c = c0; c < n; c++) {
        float s0[4], s1[4];
        for (int j = 0; j < 4; j++) {
            const float m0 = m[j * ldm + c], m1 = m[(4 + j) * ldm + c], m2 = m[(8 + j) * ldm + c],
                        m3 = m[(12 + j) * ldm + c];
            s0[j] = m0 + m1 + m2;
            s1[j] = m1 - m2 - m3;
        }
        const float b = bias ? bias[c] : 0.0f;
        const float out[4] = {s0[0] + s0[1] + s0[2] + b, s0[1] - s0[2] - s0[3] + b, s1[0] + s1[1] + s1[2] + b,
                              s1[1] - s1[2] - s1[3] + b};
        for (int r = 0; r < 4; r++)
            if (y[r]) y[r][c] = out[r];
    }
}

void ck_wino_grad_tail(float *CK_RESTRICT yh, int64_t ldy, const float *const *dy, int64_t c0, int64_t n) {
    for (int64_t c = c0; c < n; c++) {
        // u = A dy (4 x 2), then u Aᵀ; 0 - x rather than -x, as the vector bodies negate.
        const float a[2] = {dy[0][c], dy[1][c]}, b[2] = {dy[2][c], dy[3][c]};
        float u[4][2];
        for (int j = 0; j < 2; j++) {
            u[0][j] = a[j];
            u[1][j] = a[j] + b[j];
            u[2][j] = a[j] - b[j];
            u[3][j] = 0.0f - b[j];
        }
        for (int i = 0; i < 4; i++) {
            yh[(4 * i + 0) * ldy + c] = u[i][0];
            yh[(4 * i + 1) * ldy + c] = u[i][0] + u[i][1];
            yh[(4 * i + 2) * ldy + c] = u[i][0] - u[i][1];
            yh[(4 * i + 3) * ldy + c] = 0.0f - u[i][1];
        }
    }
}

void ck_wino_grad_impl_ref(float *CK_RESTRICT yh, int64_t ldy, const float *const *dy, int64_t n) {
    ck_wino_grad_tail(yh, ldy, dy, 0, n);
}

void ck_wino_input_impl_ref(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t n) {
    ck_wino_input_tail(v, ldv, d, 0, n);
}

void ck_wino_output_impl_ref(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias, int64_t n) {
    ck_wino_output_tail(y, m, ldm, bias, 0, n);
}

/// up = U = G g Gᵀ for every filter, as the micro-kernel's B panels: point xi's block (ci_n rows, cop columns) at
/// up + xi*ci_n*cop, NR-column panels of it one after another, zero past co_n. g[o][c] is
/// w[o*rows + c*9 + k] for the forward lowering and, for the data gradient, w[c*rows + o*9 + 8 - k] (the filter of
/// the column side's channel c towards image channel o, rotated by 180 degrees).
static void transform_filters(float *CK_RESTRICT up, const float *w, int64_t ci_n, int64_t co_n, int64_t cop, int nr,
                              int raise) {
    memset(up, 0, (size_t)(16 * ci_n * cop) * sizeof(float));
    const int64_t rows = (raise ? co_n : ci_n) * 9;
    for (int64_t o = 0; o < co_n; o++)
        for (int64_t c = 0; c < ci_n; c++) {
            float g[9], gg[12];  // gg = G g (4 x 3)
            for (int k = 0; k < 9; k++) g[k] = raise ? w[c * rows + o * 9 + 8 - k] : w[o * rows + c * 9 + k];
            for (int j = 0; j < 3; j++) {
                gg[j] = g[j];
                gg[3 + j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                gg[6 + j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                gg[9 + j] = g[6 + j];
            }
            float *dst = up + (o / nr) * nr * ci_n + c * nr + o % nr;
            for (int i = 0; i < 4; i++) {
                const float *r = gg + 3 * i;
                const float u[4] = {r[0], 0.5f * (r[0] + r[1] + r[2]), 0.5f * (r[0] - r[1] + r[2]), r[2]};
                for (int j = 0; j < 4; j++) dst[(4 * i + j) * ci_n * cop] = u[j];
            }
        }
}

typedef void (*input_fn)(float *CK_RESTRICT, int64_t, const float *const *, int64_t);
typedef void (*output_fn)(float *const *, const float *CK_RESTRICT, int64_t, const float *, int64_t);

/// The shape of one call: in (batch, h, w, ci_n) -> out (batch, h, w, co_n), both channels-last.
typedef struct {
    int64_t batch, h, w, ci_n, co_n, cop;  // cop: co_n rounded up to NR
    int64_t tiles_h, tiles_w, chunk;       // chunk: tiles per pass, a multiple of MR
} wino_shape;

/// What a chunk needs besides its buffers.
typedef struct {
    const wino_shape *s;
    const ck_gemm_config *cfg;
    float *out;
    const float *in, *up, *bias;
} wino_call;

/// One chunk of tiles [t0, t0 + chunk): transform the patches into v (16 x chunk x ci_n), multiply point by point
/// into m (16 x chunk x cop), transform back into out. `zero` is ci_n zeros (the padding).
static void run_chunk(const void *call, int64_t t0, float *v, float *m, float *ap, const float *zero) {
    const wino_call *c = call;
    const wino_shape *s = c->s;
    float *out = c->out;
    const float *in = c->in, *bias = c->bias;
    const input_fn input = CK_PICK(input_fn, ck_wino_input_impl);
    const output_fn output = CK_PICK(output_fn, ck_wino_output_impl);
    const int64_t per_image = s->tiles_h * s->tiles_w, total = s->batch * per_image, chunk = s->chunk;
    const int64_t n = CK_MIN(chunk, total - t0), ci_n = s->ci_n, cop = s->cop;
    for (int64_t t = 0; t < chunk; t++) {
        if (t >= n) {  // past the last tile: zeros, multiplied but never read back
            for (int xi = 0; xi < 16; xi++) memset(v + (xi * chunk + t) * ci_n, 0, (size_t)ci_n * sizeof(float));
            continue;
        }
        const int64_t tile = t0 + t, b = tile / per_image, th = tile % per_image / s->tiles_w, tw = tile % s->tiles_w;
        const float *d[16];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                const int64_t y = 2 * th - 1 + i, x = 2 * tw - 1 + j;
                d[4 * i + j] = y < 0 || y >= s->h || x < 0 || x >= s->w ? zero : in + ((b * s->h + y) * s->w + x) * ci_n;
            }
        input(v + t * ci_n, chunk * ci_n, d, ci_n);
    }
    ck_wino_products(c->cfg, 16, chunk, ci_n, cop, v, c->up, m, ap);
    for (int64_t t = 0; t < n; t++) {
        const int64_t tile = t0 + t, b = tile / per_image, th = tile % per_image / s->tiles_w, tw = tile % s->tiles_w;
        float *y[4];
        for (int r = 0; r < 4; r++) {
            const int64_t oy = 2 * th + r / 2, ox = 2 * tw + r % 2;
            y[r] = oy < s->h && ox < s->w ? out + ((b * s->h + oy) * s->w + ox) * s->co_n : NULL;
        }
        output(y, m + t * cop, chunk * cop, bias, s->co_n);
    }
}

int ck_conv_winograd_nhwc(float *out, const float *in, const float *w, const float *bias, const conv_geom *g, int raise,
                          float *ws) {
    ck_gemm_config cfg;
    ck_gemm_active_config(&cfg);
    wino_shape s = {.batch = g->batch, .h = g->im_h, .w = g->im_w, .ci_n = raise ? g->col_c : g->im_c,
                    .co_n = raise ? g->im_c : g->col_c};
    s.cop = (s.co_n + cfg.nr - 1) / cfg.nr * cfg.nr;
    s.tiles_h = (s.h + 1) / 2;
    s.tiles_w = (s.w + 1) / 2;
    // A chunk's v and m together near 64k floats (256 KB, inside L2), in whole MR-tile panels.
    const int64_t panels = CK_MAX((int64_t)1, CK_MIN((int64_t)16, 65536 / (16 * cfg.mr * (s.ci_n + s.cop))));
    s.chunk = panels * cfg.mr;
    const int64_t tiles = s.batch * s.tiles_h * s.tiles_w, chunks = (tiles + s.chunk - 1) / s.chunk;
    if (tiles == 0) return 0;
    transform_filters(ws, w, s.ci_n, s.co_n, s.cop, cfg.nr, raise);
    const wino_call call = {.s = &s, .cfg = &cfg, .out = out, .in = in, .up = ws, .bias = bias};
    return ck_wino_run_chunks(16, chunks, s.chunk, s.ci_n, s.cop, ck_conv_threads(chunks, tiles * 16 * s.ci_n),
                              run_chunk, &call);
}

void ck_wino_products(const ck_gemm_config *cfg, int points, int64_t chunk, int64_t k, int64_t cop, const float *v,
                      const float *up, float *m, float *ap) {
    const int mr = cfg->mr, nr = cfg->nr;
    for (int xi = 0; xi < points; xi++) {
        const float *vx = v + xi * chunk * k, *ux = up + xi * k * cop;
        float *mx = m + xi * chunk * cop;
        for (int64_t p = 0; p < chunk; p += mr) {
            float *a = ap + p * k;
            if (cfg->pack_a) {
                cfg->pack_a(a, vx + p * k, k, k);
            } else {
                for (int64_t kk = 0; kk < k; kk++)
                    for (int i = 0; i < mr; i++) a[kk * mr + i] = vx[(p + i) * k + kk];
            }
            for (int64_t jp = 0; jp < cop; jp += nr) cfg->micro(k, a, ux + jp * k, mx + p * cop + jp, cop, 1.0f, 0.0f);
        }
    }
}

int ck_wino_run_chunks(int points, int64_t chunks, int64_t chunk, int64_t k, int64_t cop, int threads,
                       ck_wino_chunk_fn fn, const void *call) {
    const size_t scratch = (size_t)(points * chunk * (k + cop) + chunk * k + k);
    int status = 0;
    ck_split split = ck_split_make(threads, chunks);
    #pragma omp parallel num_threads(split.threads) reduction(|: status)
    {
        float *v = ck_thread_buffer(CK_BUFFER_CONV, scratch);
        float *m = v ? v + points * chunk * k : NULL, *ap = m ? m + points * chunk * cop : NULL;
        float *zero = ap ? ap + chunk * k : NULL;
        if (zero) memset(zero, 0, (size_t)k * sizeof(float));
        for (int64_t visited = 0, c; (c = ck_split_next(&split, &visited)) >= 0;) {
            if (v) fn(call, c * chunk, v, m, ap, zero);
            else status = 1;
        }
    }
    return status ? -1 : 0;
}

// MARK: weight gradient

typedef void (*grad_fn)(float *CK_RESTRICT, int64_t, const float *const *, int64_t);

int ck_conv_winograd_weight_grad(float *dw, const float *colside, const float *im, const conv_geom *g, float *ws) {
    const input_fn input = CK_PICK(input_fn, ck_wino_input_impl);
    const grad_fn grad = CK_PICK(grad_fn, ck_wino_grad_impl);
    const int64_t ci_n = g->im_c, co_n = g->col_c, h = g->im_h, w = g->im_w, tiles_w = (w + 1) / 2;
    const int64_t per_image = (h + 1) / 2 * tiles_w, tiles = g->batch * per_image, gt = grad_group_tiles(g);
    float *sums = ws, *v = sums + 16 * ci_n * co_n, *yh = v + 16 * gt * ci_n, *zero = yh + 16 * gt * co_n;
    memset(zero, 0, (size_t)CK_MAX(ci_n, co_n) * sizeof(float));
    int status = 0;
    for (int64_t t0 = 0; t0 < tiles; t0 += gt) {
        const int64_t n = CK_MIN(gt, tiles - t0);
        CK_PARALLEL_FOR(ck_conv_threads(n, n * 16 * (ci_n + co_n)), t, n) {
            const int64_t tile = t0 + t, b = tile / per_image, th = tile % per_image / tiles_w, tw = tile % tiles_w;
            const float *d[16], *e[4];
            for (int i = 0; i < 16; i++) {
                const int64_t y = 2 * th - 1 + i / 4, x = 2 * tw - 1 + i % 4;
                d[i] = y < 0 || y >= h || x < 0 || x >= w ? zero : im + ((b * h + y) * w + x) * ci_n;
            }
            for (int r = 0; r < 4; r++) {
                const int64_t y = 2 * th + r / 2, x = 2 * tw + r % 2;
                e[r] = y >= h || x >= w ? zero : colside + ((b * h + y) * w + x) * co_n;
            }
            input(v + t * ci_n, gt * ci_n, d, ci_n);
            grad(yh + t * co_n, gt * co_n, e, co_n);
        }
        // S[xi] (+)= V[xi]ᵀ Ŷ[xi]: one thread per point, so the order of every sum is fixed.
        ck_split points = ck_split_make(ck_threads_for(16), 16);
        #pragma omp parallel num_threads(points.threads) reduction(|: status)
        for (int64_t visited = 0, xi; (xi = ck_split_next(&points, &visited)) >= 0;)
            status |= ck_sgemm_view_serial(ci_n, co_n, n, 1.0f, (ck_gemm_view){.x = v + xi * gt * ci_n, .ld = ci_n, .trans = 1},
                                           (ck_gemm_view){.x = yh + xi * gt * co_n, .ld = co_n}, t0 ? 1.0f : 0.0f,
                                           (ck_gemm_view){.x = sums + xi * ci_n * co_n, .ld = co_n}) != 0;
    }
    // dW (co, ci, 3, 3) = Gᵀ S G per channel pair.
    for (int64_t o = 0; o < co_n; o++)
        for (int64_t c = 0; c < ci_n; c++) {
            float q[12];  // Gᵀ S (3 x 4)
            for (int j = 0; j < 4; j++) {
                const float *sj = sums + j * ci_n * co_n + c * co_n + o;
                const float s0 = sj[0], s1 = sj[4 * ci_n * co_n], s2 = sj[8 * ci_n * co_n], s3 = sj[12 * ci_n * co_n];
                q[j] = s0 + 0.5f * (s1 + s2);
                q[4 + j] = 0.5f * (s1 - s2);
                q[8 + j] = 0.5f * (s1 + s2) + s3;
            }
            float *out = dw + (o * ci_n + c) * 9;
            for (int ki = 0; ki < 3; ki++) {
                const float *r = q + 4 * ki;
                out[3 * ki + 0] = r[0] + 0.5f * (r[1] + r[2]);
                out[3 * ki + 1] = 0.5f * (r[1] - r[2]);
                out[3 * ki + 2] = 0.5f * (r[1] + r[2]) + r[3];
            }
        }
    return status ? -1 : 0;
}
