// Winograd F(4x4, 2x2) for the 4x4, stride-2, padding-1 convolutions of channels-last tensors (DCGAN's), both
// directions: the forward lowering (Conv2d forward, ConvTranspose2d backward-data) and the data gradient (Conv2d
// backward-data, ConvTranspose2d forward).
//
// Lowering, after space-to-depth: with d[sy][sx] the 4·ci values x[2sy + p - 1][2sx + q - 1][c] of the four input
// phases (p, q) (zero outside the image),
//
//   y[oy][ox] = Σ over a, b in {0, 1} of d[oy + a][ox + b] · w'[a][b],   w'[a][b][(p, q, c)] = w[2a + p][2b + q][c]
//
// is a stride-1 2x2 convolution over 4·ci channels. Raising, by output phases: output 2a + r only reads inputs
// a + r - 1 and a + r, so each of the four output phases (r, s) is a stride-1 2x2 convolution of the input with its
// own 2x2 slice of the filter. Either way each 4x4 block of outputs ("tile") comes from one 5x5 patch, and in the
// transformed domain the convolution over channels is 25 independent products (points 0, 1, -1, 2, ∞): 25
// multiplies per tile and channel pair where the direct convolution needs 64, i.e. 2.56x fewer (1.96x at 7x7,
// whose last tile row and column are a quarter outside the image). Reusing F(2x2, 3x3) with the 2x2 filter padded
// to 3x3 would save nothing (16 multiplies per 4 outputs, as direct). The chunking, the products on the GEMM
// micro-kernel and the thread split are those of conv_winograd.c; results do not depend on the thread count and
// differ from the lowering's by float rounding (more than F(2x2, 3x3)'s: Aᵀ scales by up to 8).
//
//   Bᵀ = [2 -1 -2 1 0; 0 -2 -1 1 0; 0 2 -3 1 0; 0 -1 0 1 0; 0 2 -1 -2 1]
//   G  = [1/2 0; -1/2 -1/2; -1/6 1/6; 1/6 1/3; 0 1]
//   Aᵀ = [1 1 1 1 0; 0 1 -1 2 0; 0 1 1 4 0; 0 1 -1 8 1]
#include "conv.h"
#include "gemm.h"
#include "include/ck_conv.h"

#include <string.h>

/// A 4x4 kernel at stride 2 and padding 1 (the shape the transforms below are written for).
static int is_k4_s2_p1(const conv_geom *g) { return g->kh == 4 && g->kw == 4 && g->stride == 2 && g->pad == 1; }

int ck_conv_polyphase_applies(const conv_geom *g) {
    return g->channels_last && is_k4_s2_p1(g) && g->im_h == 2 * g->col_h && g->im_w == 2 * g->col_w && g->im_c >= 16
           && g->col_c >= 16 && ck_conv_winograd_enabled();
}

/// Tiles per chunk: a chunk's transformed patches and products near 2^16 floats (256 KB), in whole MR panels.
static int64_t chunk_tiles(int points, int64_t k, int64_t cop, int mr) {
    return mr * CK_MAX((int64_t)1, CK_MIN((int64_t)16, 65536 / (points * mr * (k + cop))));
}

int64_t ck_conv_polyphase_workspace(const conv_geom *g) {
    if (!is_k4_s2_p1(g)) return 0;
    // U: 100 blocks of one side's channels by the other's rounded up to the widest NR (64).
    const int64_t round = 63;
    return 100 * CK_MAX(g->im_c * ((g->col_c + round) & ~round), g->col_c * ((g->im_c + round) & ~round));
}

// MARK: the transforms (scalar references; SIMD bodies in conv_polyphase_simd.h)

void ck_poly_input_tail(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t c0, int64_t n) {
    for (int64_t c = c0; c < n; c++) {
        float t[25];  // Bᵀ d: rows u, columns j
        for (int j = 0; j < 5; j++) {
            const float d0 = d[j][c], d1 = d[5 + j][c], d2 = d[10 + j][c], d3 = d[15 + j][c], d4 = d[20 + j][c];
            t[j] = 2.0f * (d0 - d2) - d1 + d3;
            t[5 + j] = d3 - 2.0f * d1 - d2;
            t[10 + j] = 2.0f * (d1 - d2) - d2 + d3;  // 2·d1 − 3·d2 + d3, multiplied by 2 only (exact)
            t[15 + j] = d3 - d1;
            t[20 + j] = 2.0f * (d1 - d3) - d2 + d4;
        }
        for (int u = 0; u < 5; u++) {
            const float *r = t + 5 * u;
            v[(5 * u + 0) * ldv + c] = 2.0f * (r[0] - r[2]) - r[1] + r[3];
            v[(5 * u + 1) * ldv + c] = r[3] - 2.0f * r[1] - r[2];
            v[(5 * u + 2) * ldv + c] = 2.0f * (r[1] - r[2]) - r[2] + r[3];
            v[(5 * u + 3) * ldv + c] = r[3] - r[1];
            v[(5 * u + 4) * ldv + c] = 2.0f * (r[1] - r[3]) - r[2] + r[4];
        }
    }
}

void ck_poly_output_tail(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias, int64_t c0,
                         int64_t n) {
    for (int64_t c = c0; c < n; c++) {
        float s[20];  // Aᵀ m: rows i, columns v
        for (int j = 0; j < 5; j++) {
            const float m0 = m[j * ldm + c], m1 = m[(5 + j) * ldm + c], m2 = m[(10 + j) * ldm + c],
                        m3 = m[(15 + j) * ldm + c], m4 = m[(20 + j) * ldm + c];
            s[j] = m0 + m1 + m2 + m3;
            s[5 + j] = m1 - m2 + 2.0f * m3;
            s[10 + j] = m1 + m2 + 4.0f * m3;
            s[15 + j] = m1 - m2 + 8.0f * m3 + m4;
        }
        const float b = bias ? bias[c] : 0.0f;
        for (int i = 0; i < 4; i++) {
            const float *r = s + 5 * i;
            const float out[4] = {r[0] + r[1] + r[2] + r[3] + b, r[1] - r[2] + 2.0f * r[3] + b,
                                  r[1] + r[2] + 4.0f * r[3] + b, r[1] - r[2] + 8.0f * r[3] + r[4] + b};
            for (int j = 0; j < 4; j++)
                if (y[4 * i + j]) y[4 * i + j][c] = out[j];
        }
    }
}

void ck_poly_input_impl_ref(float *CK_RESTRICT v, int64_t ldv, const float *const *d, int64_t n) {
    ck_poly_input_tail(v, ldv, d, 0, n);
}

void ck_poly_output_impl_ref(float *const *y, const float *CK_RESTRICT m, int64_t ldm, const float *bias, int64_t n) {
    ck_poly_output_tail(y, m, ldm, bias, 0, n);
}

/// The widest register tile's NR (the panels' column count) any ISA uses.
#define POLY_NR_MAX 64

/// dst[xi * stride + j] = (G g_j Gᵀ)[xi] for the n 2x2 filters g_j = (g[0][j], g[1][j]; g[2][j], g[3][j]): their
/// 25 transform points, lanes j innermost (vectorised), so each point's n floats are stored together.
static void transform_filter_lanes(float *CK_RESTRICT dst, int64_t stride, float g[4][POLY_NR_MAX], int n) {
    float gg[10][POLY_NR_MAX];  // G g (5 x 2) per lane
    for (int c = 0; c < 2; c++)
        for (int j = 0; j < n; j++) {
            const float g0 = g[c][j], g1 = g[2 + c][j];
            gg[c][j] = 0.5f * g0;
            gg[2 + c][j] = -0.5f * (g0 + g1);
            gg[4 + c][j] = (g1 - g0) * (1.0f / 6.0f);
            gg[6 + c][j] = (g0 + 2.0f * g1) * (1.0f / 6.0f);
            gg[8 + c][j] = g1;
        }
    for (int i = 0; i < 5; i++) {
        float *d = dst + 5 * i * stride;
        for (int j = 0; j < n; j++) {
            const float a = gg[2 * i][j], b = gg[2 * i + 1][j];
            d[j] = 0.5f * a;
            d[stride + j] = -0.5f * (a + b);
            d[2 * stride + j] = (b - a) * (1.0f / 6.0f);
            d[3 * stride + j] = (a + 2.0f * b) * (1.0f / 6.0f);
            d[4 * stride + j] = b;
        }
    }
}

/// U as the micro-kernel's B panels (NR-column panels one after another, zero past co_n), w (col_c, im_c, 4, 4).
/// Lowering: one block per point, k = 4·ci_n rows in (p, q, c) order, the filter of phase (p, q) w[2a + p][2b + q].
/// Raising: a block per output phase (r, s) and point, k = ci_n rows; the input channel c's filter towards output
/// channel o of phase (r, s) at (ty, tx) is w[c][o][3 - 2ty - r][3 - 2tx - s] (output 2a + r reads inputs a + ty + r - 1).
static void transform_filters(float *CK_RESTRICT up, const float *w, int64_t ci_n, int64_t co_n, int64_t cop, int nr,
                              int raise) {
    const int64_t k = raise ? ci_n : 4 * ci_n, panels = cop / nr;
    if (cop != co_n) memset(up, 0, (size_t)(100 * ci_n * cop) * sizeof(float));  // the columns past co_n
    // Once per call, per NR-column panel in parallel: done one filter at a time with scattered stores it took ~10 %
    // of a call on one thread; here a panel's NR filters of one (c, phase) go through the transform side by side.
    CK_PARALLEL_FOR(ck_threads_for(panels), panel, panels)
        for (int64_t c = 0; c < ci_n; c++)
            for (int phase = 0; phase < 4; phase++) {
                const int p = phase / 2, q = phase % 2;
                const int64_t o0 = panel * nr, lanes = CK_MIN((int64_t)nr, co_n - o0);
                float g[4][POLY_NR_MAX];
                for (int t = 0; t < 4; t++)
                    for (int64_t j = 0; j < lanes; j++) {
                        const int64_t o = o0 + j, a = t / 2, b = t % 2;
                        g[t][j] = raise ? w[(c * co_n + o) * 16 + (3 - 2 * a - p) * 4 + 3 - 2 * b - q]
                                        : w[(o * ci_n + c) * 16 + (2 * a + p) * 4 + 2 * b + q];
                    }
                const int64_t row = raise ? c : phase * ci_n + c;
                transform_filter_lanes((raise ? up + phase * 25 * k * cop : up) + o0 * k + row * nr, k * cop, g, (int)lanes);
            }
}

typedef void (*input_fn)(float *CK_RESTRICT, int64_t, const float *const *, int64_t);
typedef void (*output_fn)(float *const *, const float *CK_RESTRICT, int64_t, const float *, int64_t);

/// One call: in (batch, h, w, ci_n) -> out (batch, oh, ow, co_n), both channels-last; lowering: oh = h/2, raising
/// (`raise`): oh = 2h. Tiles are 4x4 blocks of the lowering's output, of each output phase when raising.
typedef struct {
    int64_t batch, h, w, ci_n, co_n, cop, k;  // k: the products' depth; cop: co_n rounded up to NR
    int64_t oh, ow, tiles_h, tiles_w, chunk;
    int raise;
} poly_shape;

/// What a chunk needs besides its buffers.
typedef struct {
    const poly_shape *s;
    const ck_gemm_config *cfg;
    float *out;
    const float *in, *up, *bias;
} poly_call;

/// The 25 input rows of one 5x5 patch starting at (y0, x0) in steps of `step`, zeros outside the image.
static void patch_rows(const float **d, const poly_shape *s, const float *image, int64_t y0, int64_t x0, int64_t step,
                       const float *zero) {
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            const int64_t y = y0 + step * i, x = x0 + step * j;
            d[5 * i + j] = y < 0 || y >= s->h || x < 0 || x >= s->w ? zero : image + (y * s->w + x) * s->ci_n;
        }
}

/// One chunk of tiles [t0, t0 + chunk): patches transformed into v (points x chunk x k), multiplied point by point
/// into m (points x chunk x cop), transformed back into out. Lowering: the four input phases of one patch side by
/// side in k, one product per point. Raising: one patch per output phase, 25 products per phase.
static void run_chunk(const void *call, int64_t t0, float *v, float *m, float *ap, const float *zero) {
    const poly_call *c = call;
    const poly_shape *s = c->s;
    const input_fn input = CK_PICK(input_fn, ck_poly_input_impl);
    const output_fn output = CK_PICK(output_fn, ck_poly_output_impl);
    const int64_t per_image = s->tiles_h * s->tiles_w, total = s->batch * per_image, chunk = s->chunk;
    const int64_t n = CK_MIN(chunk, total - t0), ci_n = s->ci_n, k = s->k, cop = s->cop;
    const int points = s->raise ? 100 : 25;
    for (int64_t t = 0; t < chunk; t++) {
        if (t >= n) {  // past the last tile: zeros, multiplied but never read back
            for (int xi = 0; xi < points; xi++) memset(v + (xi * chunk + t) * k, 0, (size_t)k * sizeof(float));
            continue;
        }
        const int64_t tile = t0 + t, b = tile / per_image, th = tile % per_image / s->tiles_w, tw = tile % s->tiles_w;
        const float *image = c->in + b * s->h * s->w * ci_n, *d[25];
        for (int p = 0; p < 2; p++)
            for (int q = 0; q < 2; q++) {
                const int phase = 2 * p + q;
                if (s->raise) {
                    patch_rows(d, s, image, 4 * th + p - 1, 4 * tw + q - 1, 1, zero);
                    input(v + phase * 25 * chunk * k + t * k, chunk * k, d, ci_n);
                } else {
                    patch_rows(d, s, image, 8 * th + p - 1, 8 * tw + q - 1, 2, zero);
                    input(v + t * k + phase * ci_n, chunk * k, d, ci_n);
                }
            }
    }
    for (int phase = 0; phase < points / 25; phase++)
        ck_wino_products(c->cfg, 25, chunk, k, cop, v + phase * 25 * chunk * k, c->up + phase * 25 * k * cop,
                         m + phase * 25 * chunk * cop, ap);
    for (int64_t t = 0; t < n; t++) {
        const int64_t tile = t0 + t, b = tile / per_image, th = tile % per_image / s->tiles_w, tw = tile % s->tiles_w;
        for (int phase = 0; phase < points / 25; phase++) {
            float *y[16];
            for (int r = 0; r < 16; r++) {
                const int64_t a = 4 * th + r / 4, e = 4 * tw + r % 4;  // the tile's output (a, e) of this phase
                const int64_t oy = s->raise ? 2 * a + phase / 2 : a, ox = s->raise ? 2 * e + phase % 2 : e;
                const int inside = s->raise ? a < s->h && e < s->w : a < s->oh && e < s->ow;
                y[r] = inside ? c->out + ((b * s->oh + oy) * s->ow + ox) * s->co_n : NULL;
            }
            output(y, m + phase * 25 * chunk * cop + t * cop, chunk * cop, c->bias, s->co_n);
        }
    }
}

int ck_conv_polyphase_nhwc(float *out, const float *in, const float *w, const float *bias, const conv_geom *g, int raise,
                           float *ws) {
    ck_gemm_config cfg;
    ck_gemm_active_config(&cfg);
    poly_shape s = {.batch = g->batch, .raise = raise};
    if (raise) {  // column side (h/2, w/2, col_c) -> image side
        s.h = g->col_h, s.w = g->col_w, s.ci_n = g->col_c, s.co_n = g->im_c, s.oh = g->im_h, s.ow = g->im_w;
        s.k = s.ci_n;
    } else {
        s.h = g->im_h, s.w = g->im_w, s.ci_n = g->im_c, s.co_n = g->col_c, s.oh = g->col_h, s.ow = g->col_w;
        s.k = 4 * s.ci_n;
    }
    s.cop = (s.co_n + cfg.nr - 1) / cfg.nr * cfg.nr;
    s.tiles_h = ((raise ? s.h : s.oh) + 3) / 4;
    s.tiles_w = ((raise ? s.w : s.ow) + 3) / 4;
    const int points = raise ? 100 : 25;
    s.chunk = chunk_tiles(points, s.k, s.cop, cfg.mr);
    const int64_t tiles = s.batch * s.tiles_h * s.tiles_w, chunks = (tiles + s.chunk - 1) / s.chunk;
    if (tiles == 0) return 0;
    transform_filters(ws, w, s.ci_n, s.co_n, s.cop, cfg.nr, raise);
    const poly_call call = {.s = &s, .cfg = &cfg, .out = out, .in = in, .up = ws, .bias = bias};
    return ck_wino_run_chunks(points, chunks, s.chunk, s.k, s.cop, ck_conv_threads(chunks, tiles * points * s.k),
                              run_chunk, &call);
}
