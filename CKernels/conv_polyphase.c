// Winograd F(4x4, 2x2) for the 4x4, stride-2, padding-1 convolutions of channels-last tensors (DCGAN's), forward
// lowering (Conv2d forward, ConvTranspose2d backward-data). Space-to-depth first: with d[sy][sx] the 4·ci values
// x[2sy + p - 1][2sx + q - 1][c] for the four phases (p, q) (zero outside the image),
//
//   y[oy][ox] = Σ over a, b in {0, 1} of d[oy + a][ox + b] · w'[a][b],   w'[a][b][(p, q, c)] = w[2a + p][2b + q][c]
//
// is a stride-1 2x2 convolution over 4·ci channels. Each 4x4 block of outputs ("tile") comes from one 5x5 patch of
// d; in the transformed domain that is 25 independent products over the 4·ci channels (points 0, 1, -1, 2, ∞):
// 25 multiplies per tile and channel pair where the direct convolution needs 64, i.e. 2.56x fewer (1.96x at 7x7,
// whose last tile row and column are a quarter outside the image). Reusing F(2x2, 3x3) with the 2x2 filter padded
// to 3x3 would save nothing (16 multiplies per 4 outputs, as direct). The chunking, the products on the GEMM
// micro-kernel and the thread split are those of conv_winograd.c; results do not depend on the thread count and
// differ from the lowering's by float rounding.
//
//   Bᵀ = [2 -1 -2 1 0; 0 -2 -1 1 0; 0 2 -3 1 0; 0 -1 0 1 0; 0 2 -1 -2 1]
//   G  = [1/2 0; -1/2 -1/2; -1/6 1/6; 1/6 1/3; 0 1]
//   Aᵀ = [1 1 1 1 0; 0 1 -1 2 0; 0 1 1 4 0; 0 1 -1 8 1]
#include "conv.h"
#include "gemm.h"
#include "include/ck_conv.h"

#include <string.h>

int ck_conv_polyphase_applies(const conv_geom *g) {
    return g->channels_last && g->kh == 4 && g->kw == 4 && g->stride == 2 && g->pad == 1 && g->im_h == 2 * g->col_h
           && g->im_w == 2 * g->col_w && g->im_c >= 16 && g->col_c >= 16 && ck_conv_winograd_enabled();
}

/// Tiles per chunk: a chunk's transformed patches and products near 2^16 floats (256 KB), in whole MR panels.
static int64_t chunk_tiles(int64_t k, int64_t cop, int mr) {
    return mr * CK_MAX((int64_t)1, CK_MIN((int64_t)16, 65536 / (25 * mr * (k + cop))));
}

int64_t ck_conv_polyphase_workspace(const conv_geom *g) {
    if (!(g->kh == 4 && g->kw == 4 && g->stride == 2 && g->pad == 1)) return 0;
    return 25 * 4 * g->im_c * ((g->col_c + 63) & ~(int64_t)63);  // U, out channels rounded up to the widest NR
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

/// up = U = G w' Gᵀ for every filter as the micro-kernel's B panels: point xi's block (k = 4·ci rows in (p, q, c)
/// order, cop columns) at up + xi*k*cop, NR-column panels one after another, zero past co_n.
static void transform_filters(float *CK_RESTRICT up, const float *w, int64_t ci_n, int64_t co_n, int64_t cop, int nr) {
    const int64_t k = 4 * ci_n;
    memset(up, 0, (size_t)(25 * k * cop) * sizeof(float));
    for (int64_t o = 0; o < co_n; o++)
        for (int64_t c = 0; c < ci_n; c++) {
            const float *f = w + (o * ci_n + c) * 16;
            for (int p = 0; p < 2; p++)
                for (int q = 0; q < 2; q++) {
                    const float g00 = f[p * 4 + q], g01 = f[p * 4 + 2 + q], g10 = f[(2 + p) * 4 + q],
                                g11 = f[(2 + p) * 4 + 2 + q];
                    float gg[10];  // G w' (5 x 2)
                    const float col0[2] = {g00, g01}, col1[2] = {g10, g11};
                    for (int j = 0; j < 2; j++) {
                        gg[j] = 0.5f * col0[j];
                        gg[2 + j] = -0.5f * (col0[j] + col1[j]);
                        gg[4 + j] = (col1[j] - col0[j]) / 6.0f;
                        gg[6 + j] = (col0[j] + 2.0f * col1[j]) / 6.0f;
                        gg[8 + j] = col1[j];
                    }
                    float *dst = up + (o / nr) * nr * k + ((2 * p + q) * ci_n + c) * nr + o % nr;
                    for (int i = 0; i < 5; i++) {
                        const float a = gg[2 * i], b = gg[2 * i + 1];
                        const float u[5] = {0.5f * a, -0.5f * (a + b), (b - a) / 6.0f, (a + 2.0f * b) / 6.0f, b};
                        for (int j = 0; j < 5; j++) dst[(5 * i + j) * k * cop] = u[j];
                    }
                }
        }
}

typedef void (*input_fn)(float *CK_RESTRICT, int64_t, const float *const *, int64_t);
typedef void (*output_fn)(float *const *, const float *CK_RESTRICT, int64_t, const float *, int64_t);

/// One call: in (batch, h, w, ci_n) -> out (batch, h/2, w/2, co_n), both channels-last.
typedef struct {
    int64_t batch, h, w, ci_n, co_n, cop, k;  // k = 4·ci_n; cop: co_n rounded up to NR
    int64_t oh, ow, tiles_h, tiles_w, chunk;
} poly_shape;

/// What a chunk needs besides its buffers.
typedef struct {
    const poly_shape *s;
    const ck_gemm_config *cfg;
    float *out;
    const float *in, *up, *bias;
} poly_call;

/// One chunk of tiles [t0, t0 + chunk): the four phases of each 5x5 patch transformed into v (25 x chunk x k),
/// multiplied point by point into m (25 x chunk x cop), transformed back into out.
static void run_chunk(const void *call, int64_t t0, float *v, float *m, float *ap, const float *zero) {
    const poly_call *c = call;
    const poly_shape *s = c->s;
    const input_fn input = CK_PICK(input_fn, ck_poly_input_impl);
    const output_fn output = CK_PICK(output_fn, ck_poly_output_impl);
    const int64_t per_image = s->tiles_h * s->tiles_w, total = s->batch * per_image, chunk = s->chunk;
    const int64_t n = CK_MIN(chunk, total - t0), ci_n = s->ci_n, k = s->k, cop = s->cop;
    for (int64_t t = 0; t < chunk; t++) {
        if (t >= n) {  // past the last tile: zeros, multiplied but never read back
            for (int xi = 0; xi < 25; xi++) memset(v + (xi * chunk + t) * k, 0, (size_t)k * sizeof(float));
            continue;
        }
        const int64_t tile = t0 + t, b = tile / per_image, th = tile % per_image / s->tiles_w, tw = tile % s->tiles_w;
        for (int p = 0; p < 2; p++)
            for (int q = 0; q < 2; q++) {
                const float *d[25];
                for (int i = 0; i < 5; i++)
                    for (int j = 0; j < 5; j++) {
                        const int64_t y = 2 * (4 * th + i) + p - 1, x = 2 * (4 * tw + j) + q - 1;
                        d[5 * i + j] = y < 0 || y >= s->h || x < 0 || x >= s->w ? zero : c->in + ((b * s->h + y) * s->w + x) * ci_n;
                    }
                input(v + t * k + (2 * p + q) * ci_n, chunk * k, d, ci_n);
            }
    }
    ck_wino_products(c->cfg, 25, chunk, k, cop, v, c->up, m, ap);
    for (int64_t t = 0; t < n; t++) {
        const int64_t tile = t0 + t, b = tile / per_image, th = tile % per_image / s->tiles_w, tw = tile % s->tiles_w;
        float *y[16];
        for (int r = 0; r < 16; r++) {
            const int64_t oy = 4 * th + r / 4, ox = 4 * tw + r % 4;
            y[r] = oy < s->oh && ox < s->ow ? c->out + ((b * s->oh + oy) * s->ow + ox) * s->co_n : NULL;
        }
        output(y, m + t * cop, chunk * cop, c->bias, s->co_n);
    }
}

int ck_conv_polyphase_nhwc(float *out, const float *in, const float *w, const float *bias, const conv_geom *g,
                           float *ws) {
    ck_gemm_config cfg;
    ck_gemm_active_config(&cfg);
    poly_shape s = {.batch = g->batch, .h = g->im_h, .w = g->im_w, .ci_n = g->im_c, .co_n = g->col_c,
                    .oh = g->col_h, .ow = g->col_w};
    s.k = 4 * s.ci_n;
    s.cop = (s.co_n + cfg.nr - 1) / cfg.nr * cfg.nr;
    s.tiles_h = (s.oh + 3) / 4;
    s.tiles_w = (s.ow + 3) / 4;
    s.chunk = chunk_tiles(s.k, s.cop, cfg.mr);
    const int64_t tiles = s.batch * s.tiles_h * s.tiles_w, chunks = (tiles + s.chunk - 1) / s.chunk;
    if (tiles == 0) return 0;
    transform_filters(ws, w, s.ci_n, s.co_n, s.cop, cfg.nr);
    const poly_call call = {.s = &s, .cfg = &cfg, .out = out, .in = in, .up = ws, .bias = bias};
    return ck_wino_run_chunks(25, chunks, s.chunk, s.k, s.cop, ck_conv_threads(chunks, tiles * 25 * s.k), run_chunk, &call);
}
